"""Joint assessment pages. Thin: one policy door (404 out of sight, 403 in sight but not
allowed, both logged), then one query or service, then render."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from access_control import policy
from access_control.policy import Action, CaseAccess
from access_control.request_context import request_user
from agencies.models import User
from cases import queries as case_queries
from cases.assessments import queries, services
from cases.assessments.forms import (
    AnalysisForm,
    AssessmentDecisionForm,
    ConfirmForm,
    ContributionForm,
    RequestContributionsForm,
)
from cases.models import AssessmentState, CaseStatus, Contribution, ContributionState, JointAssessment
from web.forms import saved

ASSESSMENTS_PER_PAGE = 25


def _assessment_for(user: User, assessment_id: UUID, action: Action) -> tuple[CaseAccess, JointAssessment]:
    """The assessment for a page that does ``action``; for the lead's own work, only its lead."""
    access, assessment = policy.get_casework(user, JointAssessment, assessment_id, action)
    if action == Action.LEAD_ASSESSMENT:
        services.require_assessment_lead(access, assessment, action)
    if action == Action.APPROVE_ASSESSMENT:
        services.require_not_own_assessment(access, assessment)
    return access, assessment


def _posted(request: HttpRequest) -> QueryDict | None:
    """The POST data to bind a form to, even when empty (a confirmation has no fields)."""
    return request.POST if request.method == "POST" else None


def _no_longer_worked_on(request: HttpRequest, assessment: JointAssessment) -> HttpResponse:
    messages.info(request, f"This assessment is {assessment.get_state_display().lower()}: it cannot be changed.")
    return redirect("cases:assessment_detail", assessment_id=assessment.pk)


@login_required
@require_GET
def assessment_list(request: HttpRequest, case_id: UUID) -> HttpResponse:
    access = policy.get_case(request_user(request), case_id)
    assessments = queries.case_assessments(access)
    page = Paginator(assessments, ASSESSMENTS_PER_PAGE).get_page(request.GET.get("page"))
    access.log("list_assessments", object_type="jointassessment")
    may_open = (
        access.can(Action.LEAD_ASSESSMENT).allowed
        and access.case.status != CaseStatus.CLOSED
        and not queries.assessment_in_progress(access)
    )
    return render(
        request,
        "cases/assessments/list.html",
        {"access": access, "case": access.case, "page": page, "may_open": may_open, "now": timezone.now()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_open(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = request_user(request)
    access = policy.get_case(user, case_id)
    if not access.can(Action.LEAD_ASSESSMENT):
        policy.check(access, Action.LEAD_ASSESSMENT)
    form = ConfirmForm(_posted(request))
    if done := saved(request, form, lambda _data: services.open_assessment(access=access)):
        assessment = done.result
        due = timezone.localtime(assessment.due_at)
        messages.success(request, f"Joint assessment opened, due {due:%d %b %Y}. Now ask agencies to contribute.")
        return redirect("cases:assessment_detail", assessment_id=assessment.pk)
    return render(request, "cases/assessments/open.html", {"access": access, "case": access.case, "form": form})


@login_required
@require_GET
def assessment_detail(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    access, assessment = policy.get_casework(request_user(request), JointAssessment, assessment_id)
    rows = queries.contribution_rows(access, assessment)
    access.log("list_contributions", object_type="contribution")
    may = {
        "lead": queries.assessment_decision(access, assessment, Action.LEAD_ASSESSMENT).allowed,
        "decide": queries.assessment_decision(access, assessment, Action.APPROVE_ASSESSMENT).allowed,
    }
    return render(
        request,
        "cases/assessments/detail.html",
        {
            "access": access,
            "case": access.case,
            "assessment": assessment,
            "rows": rows,
            "overdue": queries.is_overdue(assessment),
            "may": may,
            "outstanding": [r for r in rows if r.contribution.state == ContributionState.REQUESTED],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contributions_request(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    access, assessment = _assessment_for(request_user(request), assessment_id, Action.LEAD_ASSESSMENT)
    if assessment.state not in services.WORKING_STATES:
        return _no_longer_worked_on(request, assessment)
    now = timezone.now()
    latest = timezone.localtime(assessment.due_at).date() if assessment.due_at > now else None
    form = RequestContributionsForm(
        _posted(request),
        agencies=queries.agencies_to_ask(access, assessment),
        default_due=timezone.localtime(services.default_contribution_due(assessment, now)).date(),
        latest_due=latest,
    )
    if done := saved(
        request,
        form,
        lambda data: services.request_contributions(access=access, assessment=assessment, requests=data["requests"]),
    ):
        names = ", ".join(c.author_agency.name for c in done.result)
        messages.success(request, f"Contributions requested from {names}. Their people on the team were told.")
        return redirect("cases:assessment_detail", assessment_id=assessment.pk)
    return render(
        request,
        "cases/assessments/request.html",
        {"access": access, "case": access.case, "assessment": assessment, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def contribution_withdraw(request: HttpRequest, assessment_id: UUID, contribution_id: UUID) -> HttpResponse:
    access, assessment = _assessment_for(request_user(request), assessment_id, Action.LEAD_ASSESSMENT)
    try:
        contribution = queries.assessment_contribution(access, assessment, contribution_id)
    except Contribution.DoesNotExist:
        raise Http404("No such contribution") from None
    if contribution.state != ContributionState.REQUESTED or assessment.state not in services.WORKING_STATES:
        messages.info(request, "Only a contribution still requested, on an assessment in progress, can be withdrawn.")
        return redirect("cases:assessment_detail", assessment_id=assessment.pk)
    form = ConfirmForm(_posted(request))
    if saved(
        request,
        form,
        lambda _data: services.withdraw_contribution(access=access, assessment=assessment, contribution=contribution),
    ):
        messages.success(request, f"The request to {contribution.author_agency.name} was withdrawn.")
        return redirect("cases:assessment_detail", assessment_id=assessment.pk)
    return render(
        request,
        "cases/assessments/withdraw.html",
        {"access": access, "case": access.case, "assessment": assessment, "contribution": contribution, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def contribution_edit(request: HttpRequest, contribution_id: UUID) -> HttpResponse:
    user = request_user(request)
    access, contribution = policy.get_contribution(user, contribution_id, Action.CONTRIBUTE)
    assessment = contribution.assessment
    if contribution.state != ContributionState.REQUESTED or assessment.state not in services.WORKING_STATES:
        messages.info(request, f"This contribution is {contribution.get_state_display().lower()}.")
        return redirect("cases:assessment_detail", assessment_id=assessment.pk)
    form = ContributionForm(
        request.POST or None,
        initial=ContributionForm.initial_from(contribution),
        team=list(case_queries.case_team(access)),
        agency=contribution.author_agency,
        me=user,
    )
    submit = request.POST.get("action") == "submit"
    write = services.submit_contribution if submit else services.save_contribution
    if saved(
        request,
        form,
        lambda data: write(access=access, contribution=contribution, **data),
        "Contribution submitted. The assessment's lead has been told."
        if submit
        else "Draft saved. Only your agency can read it until you submit it.",
    ):
        if submit:
            return redirect("cases:assessment_detail", assessment_id=assessment.pk)
        return redirect("cases:contribution_edit", contribution_id=contribution.pk)
    return render(
        request,
        "cases/assessments/contribution_form.html",
        {
            "access": access,
            "case": access.case,
            "assessment": assessment,
            "contribution": contribution,
            "form": form,
            "overdue": contribution.due_at < timezone.now(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def analysis_edit(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    access, assessment = _assessment_for(request_user(request), assessment_id, Action.LEAD_ASSESSMENT)
    if assessment.state not in services.WORKING_STATES:
        return _no_longer_worked_on(request, assessment)
    form = AnalysisForm(
        request.POST or None, initial={"analysis": assessment.analysis, "recommendation": assessment.recommendation}
    )
    if saved(
        request,
        form,
        lambda data: services.save_analysis(access=access, assessment=assessment, **data),
        "Analysis saved.",
    ):
        return redirect("cases:assessment_detail", assessment_id=assessment.pk)
    return render(
        request,
        "cases/assessments/analysis_form.html",
        {"access": access, "case": access.case, "assessment": assessment, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_submit(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    access, assessment = _assessment_for(request_user(request), assessment_id, Action.LEAD_ASSESSMENT)
    if assessment.state not in services.WORKING_STATES:
        return _no_longer_worked_on(request, assessment)
    form = ConfirmForm(_posted(request))
    if saved(
        request,
        form,
        lambda _data: services.submit_assessment(access=access, assessment=assessment),
        "Assessment submitted. Your supervisor has been asked to approve it.",
    ):
        return redirect("cases:assessment_detail", assessment_id=assessment.pk)
    rows = queries.contribution_rows(access, assessment)
    return render(
        request,
        "cases/assessments/submit.html",
        {
            "access": access,
            "case": access.case,
            "assessment": assessment,
            "form": form,
            "outstanding": [r for r in rows if r.contribution.state == ContributionState.REQUESTED],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_decide(request: HttpRequest, assessment_id: UUID) -> HttpResponse:
    access, assessment = _assessment_for(request_user(request), assessment_id, Action.APPROVE_ASSESSMENT)
    form = AssessmentDecisionForm(request.POST or None)
    if saved(
        request,
        form,
        lambda data: services.decide_assessment(
            access=access, assessment=assessment, approve=data["decision"] == "approve", note=data["note"]
        ),
    ):
        approved = form.cleaned_data["decision"] == "approve"
        messages.success(request, "Assessment approved." if approved else "Assessment returned to the lead.")
        return redirect("cases:assessment_detail", assessment_id=assessment.pk)
    return render(
        request,
        "cases/assessments/decide.html",
        {
            "access": access,
            "case": access.case,
            "assessment": assessment,
            "form": form,
            "waiting": assessment.state == AssessmentState.SUBMITTED,
        },
    )
