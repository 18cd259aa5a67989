"""Plan pages: the case's plan (outcomes, actions, what each agency owes, what is late, reviews)
and the forms that change it. Thin: one policy door, one query or service, render.

A plan, a plan action and a case are reached only through ``access_control.policy`` (404 when
the user cannot see the case, 403 when they can but may not do this); the services check the
policy again and log what they do.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access_control import policy
from access_control.policy import Action, CaseAccess
from access_control.request_context import request_user
from agencies.models import User
from cases import queries as case_queries
from cases.forms import ReasonForm
from cases.models import ActionState, CaseStatus, Plan, PlanAction, PlanState
from cases.plans import queries, services
from cases.plans.forms import OutcomeForm, PlanActionForm, PlanStartForm, ProgressForm, ReviewForm
from web.forms import saved

PAST_PLANS_PER_PAGE = 10


def _require(access: CaseAccess, action: Action) -> None:
    """403 (logged) unless the user may do ``action``; when they may, the service logs it."""
    if not access.can(action):
        policy.check(access, action)


def _plan_for(user: User, plan_id: UUID, action: Action | None = None) -> tuple[CaseAccess, Plan]:
    access, plan = policy.get_casework(user, Plan, plan_id)
    if action is not None:
        _require(access, action)
    return access, plan


def _action_for(user: User, action_id: int, action: Action | None = None) -> tuple[CaseAccess, PlanAction]:
    access, plan_action = policy.get_casework(user, PlanAction, action_id)
    if action is not None:
        _require(access, action)
    return access, plan_action


def _plan_url(access: CaseAccess) -> str:
    return reverse("cases:plan", kwargs={"case_id": access.case.pk})


def _ended(request: HttpRequest, access: CaseAccess) -> HttpResponse:
    messages.info(request, "This plan has ended; it can no longer be changed.")
    return redirect(_plan_url(access))


def _form_page(request: HttpRequest, access: CaseAccess, form: Any, **context: Any) -> HttpResponse:
    return render(
        request,
        "cases/plans/plan_form.html",
        {"access": access, "case": access.case, "form": form, "cancel_url": _plan_url(access), **context},
    )


def _confirm_page(request: HttpRequest, access: CaseAccess, form: Any, **context: Any) -> HttpResponse:
    """Asked to confirm a change that ends something (an action, the plan), with its reason."""
    return render(request, "cases/plans/confirm.html", {"access": access, "case": access.case, "form": form, **context})


def _plan_context(access: CaseAccess, plan: Plan) -> dict[str, Any]:
    page = queries.plan_page(access, plan)
    active = plan.state == PlanState.ACTIVE
    progress_ids = {
        action.pk
        for outcome in page.outcomes
        for action in outcome.actions.all()
        if active and action.state == ActionState.OPEN and policy.decide_plan_progress(access.basis, action)
    }
    return {
        "page": page,
        "may_manage": active and access.can(Action.MANAGE_PLAN).allowed,
        "progress_ids": progress_ids,
    }


# --- the plan page ------------------------------------------------------------------------


@login_required
@require_GET
def plan(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """The case's active plan (or an empty state), and its past plans."""
    user = request_user(request)
    access = policy.get_case(user, case_id, Action.VIEW_CASEWORK)
    current = queries.active_plan(access)
    past = Paginator(queries.past_plans(access), PAST_PLANS_PER_PAGE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {"access": access, "case": access.case, "past": past, "current": current}
    if current is not None:
        context.update(_plan_context(access, current))
    else:
        context["may_start"] = access.can(Action.MANAGE_PLAN).allowed and access.case.status != CaseStatus.CLOSED
    return render(request, "cases/plans/plan.html", context)


@login_required
@require_GET
def plan_detail(request: HttpRequest, plan_id: UUID) -> HttpResponse:
    """One plan, current or past, with its history."""
    access, plan = _plan_for(request_user(request), plan_id)
    return render(
        request,
        "cases/plans/plan_detail.html",
        {"access": access, "case": access.case, "plan": plan, **_plan_context(access, plan)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_start(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = request_user(request)
    access = policy.get_case(user, case_id)
    _require(access, Action.MANAGE_PLAN)
    if queries.active_plan(access) is not None:
        messages.info(request, "This case already has an active plan.")
        return redirect(_plan_url(access))
    form = PlanStartForm(request.POST or None)
    if saved(
        request,
        form,
        lambda data: services.start_plan(access=access, **data),
        "Plan started. Add the actions each agency will take.",
    ):
        return redirect(_plan_url(access))
    return _form_page(
        request,
        access,
        form,
        heading=f"Start a plan for case {access.case.reference}",
        intro="The case's status changes to the kind of plan. The first review becomes a deadline for the lead.",
        submit="Start the plan",
    )


# --- outcomes and actions -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def outcome_add(request: HttpRequest, plan_id: UUID) -> HttpResponse:
    access, plan = _plan_for(request_user(request), plan_id, Action.MANAGE_PLAN)
    if plan.state != PlanState.ACTIVE:
        return _ended(request, access)
    form = OutcomeForm(request.POST or None)
    if saved(
        request,
        form,
        lambda data: services.add_outcome(access=access, plan=plan, description=data["description"]),
        "Outcome added.",
    ):
        return redirect(_plan_url(access))
    return _form_page(request, access, form, heading="Add an outcome", submit="Add the outcome")


@login_required
@require_http_methods(["GET", "POST"])
def outcome_edit(request: HttpRequest, plan_id: UUID, outcome_id: int) -> HttpResponse:
    access, plan = _plan_for(request_user(request), plan_id, Action.MANAGE_PLAN)
    outcome = queries.plan_outcome(access, plan, outcome_id)
    if outcome is None:
        raise Http404("No such outcome")
    if plan.state != PlanState.ACTIVE:
        return _ended(request, access)
    form = OutcomeForm(request.POST or None, initial={"description": outcome.description})
    if saved(
        request,
        form,
        lambda data: services.edit_outcome(access=access, outcome=outcome, description=data["description"]),
        "Outcome saved.",
    ):
        return redirect(_plan_url(access))
    return _form_page(request, access, form, heading="Change an outcome", submit="Save the outcome")


@login_required
@require_http_methods(["GET", "POST"])
def action_add(request: HttpRequest, plan_id: UUID) -> HttpResponse:
    access, plan = _plan_for(request_user(request), plan_id, Action.MANAGE_PLAN)
    if plan.state != PlanState.ACTIVE:
        return _ended(request, access)
    form = PlanActionForm(
        request.POST or None,
        outcomes=list(queries.plan_outcomes(access, plan)),
        team=list(case_queries.case_team(access)),
        initial={"outcome": request.GET.get("outcome")},
    )
    if done := saved(
        request,
        form,
        lambda data: services.add_plan_action(
            access=access,
            outcome=data["outcome"],
            description=data["description"],
            owner_agency=data["owner_agency"],
            owner=data["owner"],
            due_at=services.due_at_on(data["due_on"]),
        ),
    ):
        messages.success(request, f"Action added for {done.result.owner_agency.name}. They have been told.")
        return redirect(_plan_url(access))
    return _form_page(
        request,
        access,
        form,
        heading="Add an action",
        intro="The agency (or the person named) gets a deadline and reminders. "
        "Reminders name only the agency and the date, never what the action says.",
        submit="Add the action",
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_detail(request: HttpRequest, action_id: int) -> HttpResponse:
    """One action: its progress, and a progress form for those who may record it."""
    user = request_user(request)
    access, plan_action = _action_for(user, action_id)
    open_ = plan_action.state == ActionState.OPEN and plan_action.plan.state == PlanState.ACTIVE
    may_update = open_ and policy.decide_plan_progress(access.basis, plan_action).allowed
    if request.method == "POST" and not open_:
        messages.info(request, "This action is no longer open.")
        return redirect("cases:plan_action", action_id=plan_action.pk)
    if request.method == "POST" and not may_update:
        policy.check_plan_progress(access, plan_action)  # logs the refusal and answers 403
    form = ProgressForm(request.POST or None) if may_update else None
    # The service checks the policy (a refusal is logged and answers 403).
    if form is not None and saved(
        request,
        form,
        lambda data: services.record_progress(access=access, plan_action=plan_action, **data),
        "Progress recorded.",
    ):
        return redirect("cases:plan_action", action_id=plan_action.pk)
    return render(
        request,
        "cases/plans/action.html",
        {
            "access": access,
            "case": access.case,
            "action": queries.plan_action_with_due(access, plan_action),
            "updates": list(queries.action_updates(access, plan_action)),
            "form": form,
            "may_drop": open_ and access.can(Action.MANAGE_PLAN).allowed,
        },
    )


@login_required
@require_POST
def action_complete(request: HttpRequest, action_id: int) -> HttpResponse:
    access, plan_action = _action_for(request_user(request), action_id)
    try:
        services.complete_plan_action(access=access, plan_action=plan_action)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Action marked as done.")
    return redirect(_plan_url(access))


@login_required
@require_http_methods(["GET", "POST"])
def action_drop(request: HttpRequest, action_id: int) -> HttpResponse:
    access, plan_action = _action_for(request_user(request), action_id, Action.MANAGE_PLAN)
    if plan_action.state != ActionState.OPEN or plan_action.plan.state != PlanState.ACTIVE:
        messages.info(request, "This action is no longer open.")
        return redirect("cases:plan_action", action_id=plan_action.pk)
    form = ReasonForm(request.POST or None, label="Why is it no longer needed?")
    if saved(
        request,
        form,
        lambda data: services.drop_plan_action(access=access, plan_action=plan_action, reason=data["reason"]),
        "Action dropped. Its deadline is cancelled.",
    ):
        return redirect(_plan_url(access))
    return _confirm_page(
        request,
        access,
        form,
        heading="Drop this action?",
        explanation=f"The action owed by {plan_action.owner_agency.name} will be marked as no longer needed "
        "and its deadline cancelled. Its progress stays on the record.",
        quote=plan_action.description,
        confirm="Yes, drop the action",
        cancel_url=reverse("cases:plan_action", kwargs={"action_id": plan_action.pk}),
    )


# --- reviews and the end ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def plan_review(request: HttpRequest, plan_id: UUID) -> HttpResponse:
    access, plan = _plan_for(request_user(request), plan_id, Action.MANAGE_PLAN)
    if plan.state != PlanState.ACTIVE:
        return _ended(request, access)
    form = ReviewForm(request.POST or None)
    if saved(
        request,
        form,
        lambda data: services.review_plan(access=access, plan=plan, **data),
        "Review recorded. The next review is now the deadline.",
    ):
        return redirect(_plan_url(access))
    return _form_page(
        request,
        access,
        form,
        heading="Record a review of the plan",
        intro=f"The review was due by {plan.next_review_on:%d %b %Y}.",
        submit="Record the review",
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_end(request: HttpRequest, plan_id: UUID) -> HttpResponse:
    access, plan = _plan_for(request_user(request), plan_id, Action.MANAGE_PLAN)
    if plan.state != PlanState.ACTIVE:
        return _ended(request, access)
    form = ReasonForm(request.POST or None, label="Why does the plan end?")
    if saved(
        request,
        form,
        lambda data: services.end_plan(access=access, plan=plan, reason=data["reason"]),
        "Plan ended. Its open actions were dropped and their deadlines cancelled.",
    ):
        return redirect(_plan_url(access))
    return _confirm_page(
        request,
        access,
        form,
        heading=f"End the {plan.get_kind_display().lower()}?",
        explanation="Every open action is dropped and its deadline cancelled, the review deadline too, "
        "and the case's status goes back to open. The plan stays on the record as a past plan.",
        confirm="Yes, end the plan",
        cancel_url=_plan_url(access),
    )
