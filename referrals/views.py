"""The referral pages: a professional's referrals, the front door's inbox, triage and sign-off,
and the public concern form. Thin: parse, call one policy door, query or service, render.

Referrals are reached only through ``access_control.policy`` (``get_referral`` answers 404 when
the user may not see one, 403 when they may see it but not do this, and logs either way).
URLs carry only UUIDs and codes: a public reference travels in a POST or the session.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms.boundfield import BoundWidget
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access_control import policy
from access_control.policy import Listing, ReferralAccess, ReferralAction
from access_control.request_context import request_user
from agencies.models import Role, User
from cases.models import Case
from referrals import queries, services
from referrals.filters import InboxFilters
from referrals.forms import (
    NEW_CASE,
    AdditionForm,
    InboxSearchForm,
    PublicConcernForm,
    ReferenceCheckForm,
    ReferralForm,
    SignOffForm,
    TriageDecisionForm,
    front_doors,
)
from referrals.models import CASE_DECISIONS, Referral, ReferralStatus, TriageDecision, new_reference
from referrals.queries import KnownChild
from referrals.rate_limits import over_limit
from web.forms import saved
from web.pagination import PageWithCount

logger = logging.getLogger(__name__)

REFERRALS_PER_PAGE = 25
PUBLIC_SESSION_KEY = "public_concern_received"
INBOX_SEARCH_SESSION_KEY = "referral_inbox_search"
RATE_WINDOW_SECONDS = 3600
# Someone checking a reference may mistype it a few times; a prober may not try many.
REFERENCE_CHECKS_PER_CONCERN = 4
UNKNOWN_REFERENCE = "We cannot find that reference. Check it and try again."


def _referral_for(user: User, referral_id: UUID, action: ReferralAction) -> ReferralAccess:
    """The referral for a page that does ``action``: 404 when the user cannot see it, 403 when
    they may see it but not do this. Opening the page is logged as viewing the referral; the
    service logs the action itself when it runs."""
    access = policy.get_referral(user, referral_id)
    if not access.can(action):
        policy.check_referral(access, action)
    return access


def _may_refer(user: User) -> bool:
    """Staff of an agency make referrals; agency admins manage people only."""
    return policy.active_memberships(user).exclude(role=Role.AGENCY_ADMIN).exists()


# --- time left to the decision ---------------------------------------------------------


@dataclass(frozen=True)
class TimeLeft:
    label: str
    overdue: bool


def _span(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} days"


def time_left(due: datetime | None, now: datetime) -> TimeLeft | None:
    """ "due in 3 h" or "overdue by 2 h": how long the front door has to decide."""
    if due is None:
        return None
    seconds = (due - now).total_seconds()
    if seconds < 0:
        return TimeLeft(f"overdue by {_span(-seconds)}", overdue=True)
    return TimeLeft(f"due in {_span(seconds)}", overdue=False)


# --- outcomes, in words ------------------------------------------------------------------


def outcome_message(referral: Referral, *, linked_existing: bool, worker: str = "you") -> str:
    """What a triage decision (or its sign-off) did, for the front door."""
    label = referral.get_decision_display()
    if referral.status == ReferralStatus.AWAITING_SIGNOFF:
        return f"{label}: waiting for a supervisor's sign-off before it takes effect."
    be = "are" if worker == "you" else "is"
    if referral.decision in CASE_DECISIONS and referral.linked_case is not None:
        prefix = "Accepted" if referral.decision == TriageDecision.ACCEPTED else label
        reference = referral.linked_case.reference
        if linked_existing:
            return f"{prefix}: the referral is linked to case {reference} and {worker} {be} on its team."
        return f"{prefix}: case {reference} opened and {worker} {be} on its team."
    if referral.decision == TriageDecision.PASSED_ON and referral.passed_to is not None:
        return f"Passed to {referral.passed_to.name}: the referral is in their front door's inbox."
    return f"Decision recorded: {label}. The referrer sees the outcome in Tandem."


# --- a professional's referrals ------------------------------------------------------------


@login_required
@require_GET
def my_referrals(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    page = Paginator(queries.my_referrals(user=user), REFERRALS_PER_PAGE).get_page(request.GET.get("page"))
    policy.log_listing(user, Listing.REFERRALS_I_MADE)
    return render(request, "referrals/my_referrals.html", {"page": page, "may_refer": _may_refer(user)})


def _render_form(
    request: HttpRequest, form: ReferralForm, referral: Referral | None, *, kept_draft: bool = False
) -> HttpResponse:
    at_risk = form["immediate_risk"].value() if form.is_bound else bool(referral and referral.immediate_risk)
    return render(
        request,
        "referrals/referral_form.html",
        {"form": form, "referral": referral, "kept_draft": kept_draft, "at_risk": bool(at_risk)},
    )


def _save_from_form(request: HttpRequest, user: User, form: ReferralForm, referral: Referral | None) -> HttpResponse:
    """Save the draft; then, for "Save and submit", send it. When sending fails the draft is
    kept, as typed, and its problems are shown on the form."""
    try:
        referral = services.save_draft(
            by=user,
            receiving_agency=form.cleaned_data["receiving_agency"],
            referral=referral,
            data=form.draft_data(),
        )
    except ValidationError as error:
        form.add_service_errors(error)
        return _render_form(request, form, referral)
    if request.POST.get("action") != "submit":
        messages.success(request, f"Draft {referral.reference} saved. It has not been sent yet.")
        return redirect("referrals:edit", referral_id=referral.pk)
    access = policy.get_referral(user, referral.pk)
    try:
        referral = services.submit_referral(access=access)
    except ValidationError as error:
        form.add_service_errors(error)
        return _render_form(request, form, access.referral, kept_draft=True)
    return _sent(request, referral)


def _sent(request: HttpRequest, referral: Referral) -> HttpResponse:
    due = timezone.localtime(referral.triage_due_at) if referral.triage_due_at else None
    when = f" by {due:%H:%M on %d %b %Y}" if due else ""
    messages.success(
        request,
        f"Referral {referral.reference} sent to {referral.receiving_agency.name}. "
        f"Their front door decides{when}; the outcome will show here.",
    )
    return redirect("referrals:detail", referral_id=referral.pk)


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not _may_refer(user):
        raise PermissionDenied("Only staff of an agency make referrals.")
    form = ReferralForm(request.POST or None, initial={"referrer_contact": user.email})
    if request.method == "POST" and form.is_valid():
        return _save_from_form(request, user, form, None)
    if request.method == "POST" and request.POST.get("action") == "submit":
        form.add_sending_problems()
    return _render_form(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def referral_edit(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    user = request_user(request)
    access = _referral_for(user, referral_id, ReferralAction.EDIT_DRAFT)
    form = ReferralForm(request.POST or None, initial=ReferralForm.data_from(access.referral))
    if request.method == "POST" and form.is_valid():
        return _save_from_form(request, user, form, access.referral)
    if request.method == "POST" and request.POST.get("action") == "submit":
        form.add_sending_problems()
    return _render_form(request, form, access.referral)


@login_required
@require_POST
def referral_submit(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    user = request_user(request)
    access = _referral_for(user, referral_id, ReferralAction.EDIT_DRAFT)
    try:
        referral = services.submit_referral(access=access)
    except ValidationError as error:
        form = ReferralForm(ReferralForm.data_from(access.referral))
        form.is_valid()
        form.add_service_errors(error)
        return _render_form(request, form, access.referral, kept_draft=True)
    return _sent(request, referral)


def _render_detail(request: HttpRequest, access: ReferralAccess, add_form: AdditionForm) -> HttpResponse:
    referral = access.referral
    user = access.user
    front_door = access.basis.front_door_role is not None
    may = {
        "edit": access.can(ReferralAction.EDIT_DRAFT).allowed,
        "add": access.can(ReferralAction.ADD_TO).allowed,
        "triage": access.can(ReferralAction.TRIAGE).allowed,
        "sign_off": access.can(ReferralAction.SIGN_OFF).allowed,
    }
    # The front door may follow a linked case only if the policy shows it to them; the
    # referrer learns that a case is open, never which.
    case_visible = bool(
        front_door
        and referral.linked_case_id
        and policy.visible_cases(user).filter(pk=referral.linked_case_id).exists()
    )
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "access": access,
            "referral": referral,
            "front_door": front_door,
            "may": may,
            "additions": list(referral.additions.select_related("author")),
            "time_left": time_left(referral.triage_due_at, timezone.now())
            if referral.status == ReferralStatus.SUBMITTED
            else None,
            "case_visible": case_visible,
            "add_form": add_form if may["add"] else None,
        },
    )


@login_required
@require_GET
def referral_detail(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    access = policy.get_referral(request_user(request), referral_id)
    return _render_detail(request, access, AdditionForm())


@login_required
@require_POST
def referral_add(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    user = request_user(request)
    access = _referral_for(user, referral_id, ReferralAction.ADD_TO)
    form = AdditionForm(request.POST)
    if saved(
        request, form, lambda data: services.add_to_referral(access=access, text=data["text"]), "Added to the referral."
    ):
        return redirect("referrals:detail", referral_id=access.referral.pk)
    return _render_detail(request, access, form)


# --- the front door --------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxRow:
    referral: Referral
    time_left: TimeLeft | None
    url_name: str


def _inbox_link(referral: Referral, signs_off: set[int], user: User) -> str:
    """Where a row leads: triage while it waits, sign-off for a supervisor (of someone else's
    decision), else the referral."""
    if referral.status == ReferralStatus.SUBMITTED:
        return "referrals:triage"
    if (
        referral.status == ReferralStatus.AWAITING_SIGNOFF
        and referral.receiving_agency_id in signs_off
        and referral.decided_by_id != user.pk
    ):
        return "referrals:sign_off"
    return "referrals:detail"


@login_required
@require_http_methods(["GET", "POST"])
def inbox(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    agencies = list(policy.front_door_agencies(user).order_by("name"))
    policy.check_inbox(user, agencies)
    filters = InboxFilters(request.GET, agencies=agencies)
    criteria = filters.criteria()
    chosen = next((agency for agency in agencies if agency.pk == criteria.get("agency")), None)
    include_decided = bool(criteria.get("include_decided"))
    if request.method == "POST":
        # What was typed (a child's name, a referrer) stays in the session, never in the URL.
        form = InboxSearchForm(request.POST)
        typed = form.cleaned_data["search"].strip() if form.is_valid() else ""
        if request.POST.get("action") == "clear" or not typed:
            request.session.pop(INBOX_SEARCH_SESSION_KEY, None)
        else:
            request.session[INBOX_SEARCH_SESSION_KEY] = typed
        codes = urlencode({k: str(request.GET[k]) for k in ("agency", "include_decided") if request.GET.get(k)})
        return redirect(f"{reverse('referrals:inbox')}?{codes}" if codes else reverse("referrals:inbox"))
    search = request.session.get(INBOX_SEARCH_SESSION_KEY, "")
    referrals = queries.inbox(user=user, agency=chosen, include_decided=include_decided, search=search)
    # What waits is paged with its count in one query; the decided too are a front door's
    # whole history, counted apart so the page stays a top-N read (see ``PageWithCount``).
    paginator = Paginator if include_decided else PageWithCount
    page = paginator(referrals, REFERRALS_PER_PAGE).get_page(request.GET.get("page"))
    signs_off = set(policy.active_memberships(user).filter(role=Role.SUPERVISOR).values_list("agency_id", flat=True))
    now = timezone.now()
    rows = [
        InboxRow(
            referral=referral,
            time_left=time_left(referral.triage_due_at, now) if referral.status == ReferralStatus.SUBMITTED else None,
            url_name=_inbox_link(referral, signs_off, user),
        )
        for referral in page.object_list
    ]
    policy.log_listing(user, Listing.FRONT_DOOR_INBOX)
    query = urlencode(
        {k: v for k, v in {"agency": chosen.pk if chosen else "", "include_decided": include_decided}.items() if v}
    )
    return render(
        request,
        "referrals/inbox.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters.form,
            "agencies": agencies,
            "query": query,
            "me": user,
            "search_form": InboxSearchForm(initial={"search": search}),
            "search": search,
        },
    )


@login_required
@require_POST
def referral_take(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    user = request_user(request)
    access = _referral_for(user, referral_id, ReferralAction.TRIAGE)
    referral = services.take_referral(access=access)
    messages.success(request, f"You are handling referral {referral.reference}.")
    # Back where the button was; never to an address from the request.
    if request.POST.get("back") == "triage":
        return redirect("referrals:triage", referral_id=referral.pk)
    return redirect("referrals:inbox")


@dataclass
class CaseChoice:
    case: Case
    radio: BoundWidget | None
    visible: bool


@dataclass
class Candidate:
    """One "is this child already known?" candidate, as the intake worker may see it."""

    match: KnownChild
    percent: int
    cases: list[CaseChoice] = field(default_factory=list)
    new_case_radio: BoundWidget | None = None


def _link_choices(
    matches: list[KnownChild], own_agency: str
) -> tuple[list[tuple[str, str]], dict[str, tuple[Case | None, Any]]]:
    """The "which case?" choices the candidates offer, and what each choice links. Of a case
    out of sight only its reference is known (it is led by the front door's own agency)."""
    choices: list[tuple[str, str]] = []
    targets: dict[str, tuple[Case | None, Any]] = {NEW_CASE: (None, None)}
    for match in matches:
        visible = {case.pk for case in match.cases}
        for case in match.linkable_cases:
            value = f"case:{case.pk}"
            if value in targets:
                continue
            if case.pk in visible:
                label = f"Link to this case ({case.reference})"
            else:
                label = f"Link to case {case.reference}, led by {own_agency}: you will join its team"
            choices.append((value, label))
            targets[value] = (case, None)
        if match.child is not None:
            value = f"child:{match.child.pk}"
            if value not in targets:
                choices.append((value, f"Open a new case for this child ({match.child.full_name})"))
                targets[value] = (None, match.child)
    return choices, targets


def _candidates(matches: list[KnownChild], form: TriageDecisionForm) -> list[Candidate]:
    radios = {str(radio.data["value"]): radio for radio in form["link"]}
    offered: set[str] = set()
    candidates = []
    for match in matches:
        candidate = Candidate(match=match, percent=round(match.score * 100))
        visible = {case.pk for case in match.cases}
        for case in [*match.cases, *[c for c in match.linkable_cases if c.pk not in visible]]:
            value = f"case:{case.pk}"
            radio = radios.get(value) if value not in offered else None
            offered.add(value)
            candidate.cases.append(CaseChoice(case=case, radio=radio, visible=case.pk in visible))
        if match.child is not None:
            candidate.new_case_radio = radios.get(f"child:{match.child.pk}")
        candidates.append(candidate)
    return candidates


@login_required
@require_http_methods(["GET", "POST"])
def referral_triage(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    user = request_user(request)
    access = policy.get_referral(user, referral_id)
    if access.basis.front_door_role is None:
        policy.check_referral(access, ReferralAction.TRIAGE)  # refused and logged: 403
    referral = access.referral
    if not access.can(ReferralAction.TRIAGE):
        messages.info(request, f"Referral {referral.reference} is not waiting for triage.")
        if access.can(ReferralAction.SIGN_OFF):
            return redirect("referrals:sign_off", referral_id=referral.pk)
        return redirect("referrals:detail", referral_id=referral.pk)
    matches = queries.known_child_matches(access)
    access.log_children_shown((match.child.pk, match.cases[0].pk) for match in matches if match.child is not None)
    link_choices, targets = _link_choices(matches, referral.receiving_agency.name)
    form = TriageDecisionForm(
        request.POST or None, receiving_agency=referral.receiving_agency, link_choices=link_choices
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        decision = data["decision"]
        link_case, link_child = targets[data["link"]] if decision in CASE_DECISIONS else (None, None)
        try:
            referral = services.decide_referral(
                access=access,
                decision=decision,
                rationale=data["decision_rationale"],
                link_case=link_case,
                link_child=link_child,
                passed_to=data["passed_to"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        except PermissionDenied as refusal:
            form.add_error("link" if link_case else None, str(refusal))
        else:
            messages.success(request, outcome_message(referral, linked_existing=link_case is not None))
            if referral.status == ReferralStatus.DECIDED and referral.linked_case_id:
                return redirect("cases:detail", case_id=referral.linked_case_id)
            return redirect("referrals:inbox")
    return render(
        request,
        "referrals/triage.html",
        {
            "access": access,
            "referral": referral,
            "form": form,
            "candidates": _candidates(matches, form),
            "new_case_radio": next((r for r in form["link"] if r.data["value"] == NEW_CASE), None),
            "time_left": time_left(referral.triage_due_at, timezone.now()),
            "additions": list(referral.additions.select_related("author")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_sign_off(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    user = request_user(request)
    access = _referral_for(user, referral_id, ReferralAction.SIGN_OFF)
    form = SignOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["approve"]
        try:
            referral = services.sign_off_decision(access=access, approve=approve, note=form.cleaned_data["note"])
        except ValidationError as error:
            form.add_service_errors(error)
        except PermissionDenied as refusal:
            form.add_error(None, str(refusal))
        else:
            if approve:
                decider = referral.decided_by.full_name if referral.decided_by else "the decider"
                message = outcome_message(
                    referral, linked_existing=access.referral.linked_case_id is not None, worker=decider
                )
                messages.success(request, f"Signed off. {message}")
            else:
                messages.success(request, f"Returned: referral {referral.reference} is waiting for triage again.")
            return redirect("referrals:inbox")
    return render(request, "referrals/sign_off.html", {"access": access, "referral": access.referral, "form": form})


# --- the public concern form (no account) -----------------------------------------------------


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "referrals/public_rate_limited.html", status=429)


@require_http_methods(["GET", "POST"])
def public_concern(request: HttpRequest) -> HttpResponse:
    agencies = list(front_doors())
    if not agencies:
        return render(request, "referrals/public_unavailable.html", status=503)
    if request.method == "POST" and over_limit(request, "concern", settings.PUBLIC_CONCERN_RATE_PER_HOUR):
        return _too_many(request)
    form = PublicConcernForm(request.POST or None, agencies=agencies, min_seconds=settings.PUBLIC_CONCERN_MIN_SECONDS)
    if request.method == "POST":
        if form.trapped:
            # A bot: it is told all went well, and nothing is stored.
            request.session[PUBLIC_SESSION_KEY] = {"reference": new_reference(), "immediate_risk": False}
            return redirect("public:public_concern_received")
        if done := saved(
            request,
            form,
            lambda data: services.submit_public_concern(
                receiving_agency=data["receiving_agency"], data=form.concern_data()
            ),
        ):
            referral = done.result
            request.session[PUBLIC_SESSION_KEY] = {
                "reference": referral.reference,
                "immediate_risk": referral.immediate_risk,
            }
            return redirect("public:public_concern_received")
        form.renew_stamp_if_bad()
    return render(
        request,
        "referrals/public_concern.html",
        {"form": form, "agencies": agencies, "at_risk": form["immediate_risk"].value() == "yes"},
    )


@require_GET
def public_concern_received(request: HttpRequest) -> HttpResponse:
    received = request.session.get(PUBLIC_SESSION_KEY)
    if not received:
        return redirect("public:public_concern")
    return render(request, "referrals/public_received.html", {"received": received})


@require_http_methods(["GET", "POST"])
def public_reference_check(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and over_limit(
        request, "check", settings.PUBLIC_CONCERN_RATE_PER_HOUR * REFERENCE_CHECKS_PER_CONCERN
    ):
        return _too_many(request)
    form = ReferenceCheckForm(request.POST or None)
    result: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        referral = queries.public_reference_status(form.cleaned_data["reference"])
        if referral is None:
            form.add_error("reference", UNKNOWN_REFERENCE)
        else:
            policy.enforce(
                policy.Grounds.PUBLIC_REFERENCE_CHECK,
                user=None,
                action="check_public_reference",
                object_type="referral",
                object_id=referral.pk,
                agency=referral.receiving_agency_id,
            )
            result = {
                "received_on": timezone.localtime(referral.submitted_at) if referral.submitted_at else None,
                "considered": referral.status == ReferralStatus.DECIDED,
            }
    return render(request, "referrals/public_reference_check.html", {"form": form, "result": result})
