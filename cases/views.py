"""The case record pages. Thin: parse, call one policy door, query or service, render.

Case data is reached only through ``access_control.policy`` (the doors, which answer 404
when the user may not see a thing and log every decision) and ``cases.queries``.
No child's name ever goes into a URL: the name search is a POST kept in the session.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from access_control import policy
from access_control.policy import Action, CaseAccess
from access_control.request_context import request_user
from agencies.models import Agency, User
from cases import access_log_text, overview, queries, services
from cases.filters import CaseFilters
from cases.forms import (
    UNKNOWN_REFERENCE,
    CaseEditForm,
    CaseSearchForm,
    ClosureDecisionForm,
    DocumentForm,
    EmergencyAccessForm,
    EntryCorrectionForm,
    EntryForm,
    OpenCaseForm,
    ReasonForm,
    TeamMemberForm,
)
from cases.models import Case, CaseStatus, Child, Visibility
from cases.visits import record_visit
from web.forms import saved
from web.pagination import PageWithCount

CASES_PER_PAGE = 25
ACCESS_LOG_ROWS_PER_PAGE = 50
SEARCH_SESSION_KEY = "case_search"

# What a case page offers, by the action the policy must allow.
CASE_LINKS = {
    "edit": Action.EDIT_CASE,
    "add_entry": Action.ADD_ENTRY,
    "upload": Action.UPLOAD_DOCUMENT,
    "manage_team": Action.MANAGE_TEAM,
    "access_log": Action.VIEW_ACCESS_LOG,
    "close": Action.CLOSE_CASE,
    "decide_closure": Action.APPROVE_CLOSURE,
    "refer_service": Action.REFER_TO_SERVICE,
    "reassign_lead": Action.REASSIGN_LEAD,
}


def _require(access: CaseAccess, action: Action) -> None:
    """Answer 403 (and log the refusal) unless the user may do ``action``. When they may,
    nothing is logged here: the service logs the action when it runs."""
    if not access.can(action):
        policy.check(access, action)


def _case_for(user: User, case_id: UUID, action: Action) -> CaseAccess:
    """The case for a page that does ``action``: 404 when the user cannot see it, 403 when
    they can see it but may not do this. Opening the page is logged as viewing the case."""
    access = policy.get_case(user, case_id)
    _require(access, action)
    return access


def _case_links(access: CaseAccess, *, pending_closure: bool) -> dict[str, bool]:
    """Which actions to offer on the case page: what the policy allows and the case's state admits."""
    may = {name: access.can(action).allowed for name, action in CASE_LINKS.items()}
    if access.case.status == CaseStatus.CLOSED:
        may["edit"] = may["close"] = False
    may["close"] = may["close"] and not pending_closure
    may["decide_closure"] = may["decide_closure"] and pending_closure
    may["refer_service"] = may["refer_service"] and access.case.status != CaseStatus.CLOSED
    may["reassign_lead"] = may["reassign_lead"] and access.case.status != CaseStatus.CLOSED
    return may


def _acting_agency(access: CaseAccess) -> Agency | None:
    """The agency the user records for on this case (what the services use as author agency)."""
    agency_id = access.basis.acting_agency_id
    if agency_id is None:
        return None
    membership = policy.active_memberships(access.user).filter(agency_id=agency_id).first()
    return membership.agency if membership else None


def _refused(refusal: PermissionDenied) -> str:
    reason = str(refusal) or "the policy does not allow it"
    return f"Emergency access was refused: {reason}."


# --- my cases ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    filters = CaseFilters(request.GET)
    criteria = filters.criteria()
    # Only filter codes travel in the URL; the child's name stays in the session.
    query = urlencode({k: v for k, v in criteria.items() if v})
    if request.method == "POST":
        search = CaseSearchForm(request.POST)
        name = search.cleaned_data["child_name"].strip() if search.is_valid() else ""
        if request.POST.get("action") == "clear" or not name:
            request.session.pop(SEARCH_SESSION_KEY, None)
        else:
            request.session[SEARCH_SESSION_KEY] = name
        return redirect(f"{reverse('cases:list')}?{query}" if query else reverse("cases:list"))
    child_name = request.session.get(SEARCH_SESSION_KEY, "")
    cases = queries.my_cases(
        user=user,
        status=criteria.get("status", ""),
        risk_level=criteria.get("risk_level", ""),
        child_name=child_name,
    )
    page = PageWithCount(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    policy.log_listing(user, policy.Listing.CASES)
    can_open = policy.active_memberships(user).filter(role__in=services.ROLES_THAT_OPEN_CASES).exists()
    return render(
        request,
        "cases/case_list.html",
        {
            "page": page,
            "filters": filters.form,
            "query": query,
            "search": CaseSearchForm(initial={"child_name": child_name}),
            "child_name": child_name,
            "filtered": bool(query or child_name),
            "can_open": can_open,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_open(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    memberships = policy.active_memberships(user).filter(role__in=services.ROLES_THAT_OPEN_CASES)
    agencies = [m.agency for m in memberships.order_by("agency__name")]
    if not agencies:
        raise PermissionDenied("Only practitioners, intake workers and supervisors of an agency open its cases.")
    form = OpenCaseForm(request.POST or None, agencies=agencies)

    def open_case(data: dict[str, Any]) -> Case:
        child = Child(
            given_names=data["given_names"],
            family_name=data["family_name"],
            date_of_birth=data["date_of_birth"],
            date_of_birth_estimated=data["date_of_birth_estimated"],
            sex=data["sex"],
        )
        return services.open_case(
            by=user,
            agency=data["agency"],
            children=[child],
            category=data["category"],
            risk_level=data["risk_level"],
            reason=data["reason"],
        )

    if done := saved(request, form, open_case):
        case = done.result
        messages.success(request, f"Case {case.reference} opened. You are its lead worker.")
        return redirect("cases:detail", case_id=case.pk)
    return render(request, "cases/case_open.html", {"form": form, "agencies": agencies})


@login_required
@require_http_methods(["GET", "POST"])
def emergency_access(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = EmergencyAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # An unknown reference is logged by the policy as a refused attempt.
        case = policy.case_for_break_glass(user, form.cleaned_data["reference"])
        if case is None:
            form.add_error("reference", UNKNOWN_REFERENCE)
        else:
            try:
                grant = services.break_glass(user=user, case=case, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                form.add_service_errors(error)
            except PermissionDenied as refusal:
                form.add_error(None, _refused(refusal))
            else:
                until = timezone.localtime(grant.expires_at)
                messages.success(request, f"Emergency access granted until {until:%H:%M on %d %b %Y}.")
                return redirect("cases:detail", case_id=case.pk)
    return render(request, "cases/emergency_access.html", {"form": form, "hours": settings.BREAK_GLASS_HOURS})


# --- one case ----------------------------------------------------------------------------


@login_required
@require_GET
def case_detail(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = request_user(request)
    # The view of the case and of its children shown: one access-log write.
    with policy.get_case(user, case_id, log_with_page=True) as access:
        header = overview.case_header(access)
        summary = overview.case_overview(access, header)
        access.log_many(
            [access.event("view_child", object_type="child", object_id=line.child.pk) for line in header.children]
            + [access.event("list_entries", object_type="chronologyentry")]
        )
    record_visit(user, access.case)
    pending_closure = summary.pending_closure
    return render(
        request,
        "cases/case_detail.html",
        {
            "access": access,
            "case": access.case,
            "header": header,
            "overview": summary,
            "team": list(queries.case_team(access)),
            "pending_closure": pending_closure,
            "service_referrals": list(queries.case_service_referrals(access)),
            "may": _case_links(access, pending_closure=pending_closure is not None),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = request_user(request)
    access = _case_for(user, case_id, Action.EDIT_CASE)
    case = access.case
    form = CaseEditForm(
        request.POST or None, initial=CaseEditForm.initial_from(case), children=list(queries.case_children(access))
    )
    if saved(request, form, lambda data: services.update_case(access=access, **form.changes()), "Case details saved."):
        return redirect("cases:detail", case_id=case.pk)
    return render(request, "cases/case_edit.html", {"access": access, "case": case, "form": form})


# --- the chronology -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def entry_add(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = request_user(request)
    access = _case_for(user, case_id, Action.ADD_ENTRY)
    agency = _acting_agency(access)
    form = EntryForm(request.POST or None, team=list(queries.case_team(access)), agency=agency, me=user)
    if saved(request, form, lambda data: services.add_entry(access=access, **data), "Entry added to the chronology."):
        return redirect("cases:detail", case_id=access.case.pk)
    return render(
        request, "cases/entry_form.html", {"access": access, "case": access.case, "form": form, "agency": agency}
    )


@login_required
@require_GET
def entry_detail(request: HttpRequest, entry_id: UUID) -> HttpResponse:
    user = request_user(request)
    access, entry = policy.get_entry(user, entry_id)
    named = list(entry.named_viewers.all()) if entry.visibility == Visibility.NAMED else []
    return render(
        request,
        "cases/entry_detail.html",
        {
            "access": access,
            "case": access.case,
            "entry": entry,
            "entry_rule": policy.decide_item(user, access.basis, entry).rule,
            "named": named,
            "versions": queries.entry_versions(access, entry),
            "may_correct": entry.author_id == user.pk and entry.is_current,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_correct(request: HttpRequest, entry_id: UUID) -> HttpResponse:
    user = request_user(request)
    access, entry = policy.get_entry(user, entry_id)
    policy.check_correction(access, entry)
    if not entry.is_current:
        messages.info(request, "This version has already been corrected. Correct the latest version instead.")
        return redirect("cases:entry_detail", entry_id=entry.pk)
    form = EntryCorrectionForm(
        request.POST or None,
        initial=EntryCorrectionForm.initial_from(entry),
        team=list(queries.case_team(access)),
        agency=entry.author_agency,
        me=user,
    )
    if done := saved(
        request,
        form,
        lambda data: services.correct_entry(
            access=access, entry=entry, reason=data["correction_reason"], **form.changes()
        ),
        "Entry corrected. The earlier version is kept on the record.",
    ):
        return redirect("cases:entry_detail", entry_id=done.result.pk)
    return render(
        request,
        "cases/entry_form.html",
        {"access": access, "case": access.case, "form": form, "agency": entry.author_agency, "entry": entry},
    )


# --- documents ----------------------------------------------------------------------------


@login_required
@require_GET
def documents(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = request_user(request)
    # The view of the case and of the list of its documents: one access-log write.
    with policy.get_case(user, case_id, log_with_page=True) as access:
        shown = list(queries.case_documents(access).order_by("-uploaded_at", "pk"))
        access.log_many([access.event("list_documents", object_type="document")])
    return render(
        request,
        "cases/documents.html",
        {
            "access": access,
            "case": access.case,
            "documents": shown,
            "may_upload": access.can(CASE_LINKS["upload"]).allowed,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_upload(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = request_user(request)
    access = _case_for(user, case_id, Action.UPLOAD_DOCUMENT)
    agency = _acting_agency(access)
    form = DocumentForm(
        request.POST or None, request.FILES or None, team=list(queries.case_team(access)), agency=agency, me=user
    )
    if done := saved(
        request,
        form,
        lambda data: services.upload_document(
            access=access,
            upload=data["file"],
            title=data["title"],
            visibility=data["visibility"],
            legal_basis=data["legal_basis"],
            named_viewers=data["named_viewers"],
        ),
    ):
        messages.success(request, f"“{done.result.title}” uploaded.")
        return redirect("cases:documents", case_id=access.case.pk)
    return render(
        request, "cases/document_upload.html", {"access": access, "case": access.case, "form": form, "agency": agency}
    )


@login_required
@require_GET
def document_download(request: HttpRequest, document_id: UUID) -> FileResponse:
    user = request_user(request)
    _access, document = policy.get_document(user, document_id)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


# --- the team -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = request_user(request)
    access = policy.get_case(user, case_id)
    may_manage = access.can(Action.MANAGE_TEAM).allowed
    form = TeamMemberForm(request.POST or None)
    if request.method == "POST":
        _require(access, Action.MANAGE_TEAM)
        if done := saved(
            request,
            form,
            lambda data: services.add_team_member(
                access=access, user=data["user"], agency=data["agency"], role=data["role"], reason=data["reason"]
            ),
        ):
            member = done.result
            messages.success(
                request, f"{member.user.full_name} joined the team as {member.get_role_display().lower()}."
            )
            return redirect("cases:team", case_id=access.case.pk)
    return render(
        request,
        "cases/team.html",
        {
            "access": access,
            "case": access.case,
            "members": list(queries.case_team(access, include_removed=True)),
            "form": form if may_manage else None,
            "may_manage": may_manage,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_remove(request: HttpRequest, case_id: UUID, member_id: int) -> HttpResponse:
    user = request_user(request)
    access = _case_for(user, case_id, Action.MANAGE_TEAM)
    member = queries.case_team(access, include_removed=True).filter(pk=member_id).first()
    if member is None:
        raise Http404("No such team member")
    if not member.active:
        messages.info(request, f"{member.user.full_name} has already left the team.")
        return redirect("cases:team", case_id=access.case.pk)
    form = ReasonForm(request.POST or None, label="Why do they leave the team?")
    if saved(
        request, form, lambda data: services.remove_team_member(access=access, member=member, reason=data["reason"])
    ):
        messages.success(request, f"{member.user.full_name} was removed from the team.")
        return redirect("cases:team", case_id=access.case.pk)
    return render(
        request, "cases/team_remove.html", {"access": access, "case": access.case, "member": member, "form": form}
    )


# --- who looked --------------------------------------------------------------------------


@login_required
@require_GET
def access_log(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = request_user(request)
    access = policy.get_case(user, case_id, Action.VIEW_ACCESS_LOG)
    page = Paginator(queries.case_access_log(access), ACCESS_LOG_ROWS_PER_PAGE).get_page(request.GET.get("page"))
    lines = access_log_text.log_lines(user, access.case, list(page.object_list))
    return render(
        request, "cases/access_log.html", {"access": access, "case": access.case, "page": page, "lines": lines}
    )


# --- closing a case ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def closure_request(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = request_user(request)
    access = _case_for(user, case_id, Action.CLOSE_CASE)
    form = ReasonForm(request.POST or None, label="Why can the case close?")
    if saved(
        request,
        form,
        lambda data: services.request_closure(access=access, reason=data["reason"]),
        "Closure requested. The lead worker's supervisor will decide.",
    ):
        return redirect("cases:detail", case_id=access.case.pk)
    return render(
        request,
        "cases/closure_request.html",
        {"access": access, "case": access.case, "form": form, "pending_closure": queries.pending_closure(access)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def closure_decide(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = request_user(request)
    access = _case_for(user, case_id, Action.APPROVE_CLOSURE)
    form = ClosureDecisionForm(request.POST or None)
    if saved(
        request,
        form,
        lambda data: services.decide_closure(access=access, approve=data["decision"] == "approve", note=data["note"]),
    ):
        approved = form.cleaned_data["decision"] == "approve"
        messages.success(request, "Closure approved: the case is closed." if approved else "Closure returned.")
        return redirect("cases:detail", case_id=access.case.pk)
    return render(
        request,
        "cases/closure_decide.html",
        {"access": access, "case": access.case, "form": form, "pending_closure": queries.pending_closure(access)},
    )
