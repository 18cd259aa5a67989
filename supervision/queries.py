"""The supervisor's reads: each supervisee's caseload, the cases and deadlines behind the
figures, and what waits for the supervisor's approval. Every read starts from the policy:
only cases, deadlines and entries the supervisor may see are counted, and only for people
they supervise now (``policy.supervisee_memberships``).

Each reader runs a fixed number of queries, whatever the number of workers or cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as Ranked
from django.db.models.functions import Coalesce
from django.utils import timezone

from access_control.policy import (
    CaseAccess,
    active_memberships,
    cases_with_supervised_lead,
    front_door_ids,
    of_supervisee,
    readable_entries,
    supervisee_memberships,
    supervisees_deadlines,
    supervisees_places,
    visible_cases,
    visible_referrals,
)
from agencies.models import Membership, Role, User
from cases.assessments.queries import assessments_awaiting_approval
from cases.models import (
    Case,
    CaseStatus,
    CaseTeamMember,
    ChronologyEntry,
    ClosureRequest,
    EntryKind,
    JointAssessment,
    LeadChange,
    RiskLevel,
    TeamRole,
)
from cases.services import ROLES_THAT_LEAD
from deadlines.models import LIVE_STATES, Deadline, DeadlineState, Extension
from deadlines.queries import overdue_now, pending_extensions_for
from referrals.models import Referral, ReferralStatus

# "This week" on the dashboard: the next seven days from now (said so on the page).
WEEK = timedelta(days=7)
OPEN_STATUSES = tuple(status for status in CaseStatus if status != CaseStatus.CLOSED)
RISKS = (RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW)


def week_end(now: datetime) -> datetime:
    return now + WEEK


@dataclass(frozen=True)
class Tally:
    """One count in a breakdown: a status or a risk level, its label and how many."""

    value: str
    label: str
    count: int


@dataclass(frozen=True)
class CaseloadRow:
    """One supervisee's figures, as the supervisor may see them."""

    membership: Membership
    open_cases: int
    leads: int
    by_status: tuple[Tally, ...]
    by_risk: tuple[Tally, ...]
    due_this_week: int
    overdue: int
    last_visit: date | None


def _open_places(user: User) -> QuerySet[CaseTeamMember]:
    """Active team places held by the user's supervisees, for the agency they are supervised
    in, on open cases the user may see."""
    return supervisees_places(user).exclude(case__status=CaseStatus.CLOSED)


def _live_owed(user: User) -> QuerySet[Deadline]:
    """Live deadlines the user may see, owed by one of their supervisees for the agency they
    are supervised in."""
    return supervisees_deadlines(user).filter(state__in=LIVE_STATES)


def _due_this_week(now: datetime) -> Q:
    return Q(due_at__gte=now, due_at__lt=week_end(now)) & ~Q(state=DeadlineState.OVERDUE)


def _visits_on_own_cases(user: User) -> QuerySet[ChronologyEntry]:
    """Current visit entries the user may read, written by a supervisee for the agency they are
    supervised in, on an open case where the author still holds a team place for it."""
    place = CaseTeamMember.objects.filter(
        case=OuterRef("case"), user=OuterRef("author"), agency=OuterRef("author_agency"), active=True
    )
    return (
        readable_entries(user)
        .filter(kind=EntryKind.VISIT, is_current=True)
        .exclude(case__status=CaseStatus.CLOSED)
        .filter(Exists(place))
        .filter(of_supervisee(user, "author_id", "author_agency_id"))
    )


def caseloads(user: User) -> list[CaseloadRow]:
    """A row per person the user supervises, by name: four queries whatever the numbers."""
    now = timezone.now()
    memberships = list(supervisee_memberships(user).select_related("user", "agency").order_by("user__full_name", "pk"))
    if not memberships:
        return []
    places: dict[tuple[int, int], dict[str, Any]] = {
        (row["user_id"], row["agency_id"]): dict(row)
        for row in _open_places(user)
        .order_by()
        .values("user_id", "agency_id")
        .annotate(
            open_cases=Count("pk"),
            leads=Count("pk", filter=Q(role=TeamRole.LEAD)),
            **{f"status_{status}": Count("pk", filter=Q(case__status=status)) for status in OPEN_STATUSES},
            **{f"risk_{risk}": Count("pk", filter=Q(case__risk_level=risk)) for risk in RISKS},
        )
    }
    owed: dict[tuple[int, int], dict[str, Any]] = {
        (row["owner_id"], row["owner_agency_id"]): dict(row)
        for row in _live_owed(user)
        .order_by()
        .values("owner_id", "owner_agency_id")
        .annotate(due_this_week=Count("pk", filter=_due_this_week(now)), overdue=Count("pk", filter=overdue_now()))
    }
    visits: dict[tuple[int, int], date] = {
        (row["author_id"], row["author_agency_id"]): row["last_visit"]
        for row in _visits_on_own_cases(user)
        .order_by()
        .values("author_id", "author_agency_id")
        .annotate(last_visit=Max("event_date"))
    }
    rows = []
    for membership in memberships:
        key = (membership.user_id, membership.agency_id)
        place: dict[str, Any] = places.get(key, {})
        deadlines: dict[str, Any] = owed.get(key, {})
        rows.append(
            CaseloadRow(
                membership=membership,
                open_cases=place.get("open_cases", 0),
                leads=place.get("leads", 0),
                by_status=tuple(Tally(s.value, s.label, place.get(f"status_{s}", 0)) for s in OPEN_STATUSES),
                by_risk=tuple(Tally(r.value, r.label, place.get(f"risk_{r}", 0)) for r in RISKS),
                due_this_week=deadlines.get("due_this_week", 0),
                overdue=deadlines.get("overdue", 0),
                last_visit=visits.get(key),
            )
        )
    return rows


# --- one worker: their open cases and their deadlines ------------------------------------


def worker_cases(user: User, membership: Membership) -> QuerySet[Case]:
    """The open cases where this supervisee holds a team place for the agency they are
    supervised in, that the user may see: with the worker's role, the next deadline they owe
    there, how many of theirs are overdue and their last visit. Overdue first, then the
    soonest due. ``membership`` must come from ``policy.get_supervisee``."""
    now = timezone.now()
    worker, agency = membership.user_id, membership.agency_id
    places = CaseTeamMember.objects.filter(case=OuterRef("pk"), user=worker, agency=agency, active=True)
    # Deadlines and entries of a case the outer query already found visible to the user.
    owed = Deadline.objects.filter(case=OuterRef("pk"), owner=worker, owner_agency=agency, state__in=LIVE_STATES)
    overdue = owed.filter(overdue_now()).order_by().values("case").annotate(n=Count("pk")).values("n")
    visits = (
        readable_entries(user)
        .filter(case=OuterRef("pk"), author=worker, author_agency=agency, kind=EntryKind.VISIT, is_current=True)
        .order_by()
        .values("case")
        .annotate(last=Max("event_date"))
        .values("last")
    )
    return (
        visible_cases(user)
        .filter(Exists(places))
        .exclude(status=CaseStatus.CLOSED)
        .annotate(
            worker_role=Subquery(places.values("role")[:1]),
            next_due_at=Subquery(owed.order_by("due_at").values("due_at")[:1]),
            overdue_count=Coalesce(Subquery(overdue, output_field=IntegerField()), 0),
            last_visit=Subquery(visits),
        )
        .annotate(
            has_overdue=Ranked(When(overdue_count__gt=0, then=Value(True)), default=Value(False)),
        )
        .select_related("lead_agency", "lead_worker")
        .prefetch_related("children")
        .order_by("-has_overdue", Coalesce("next_due_at", Value(now + timedelta(days=36500))), "reference")
    )


WORKER_DEADLINE_FILTERS = {"overdue": "Overdue", "week": "Due in the next 7 days"}


def worker_deadlines(user: User, membership: Membership, *, when: str = "") -> QuerySet[Deadline]:
    """Live deadlines this supervisee owes for the agency they are supervised in, that the
    user may see: all, ``overdue`` (past due, marked or not) or due this ``week``."""
    now = timezone.now()
    deadlines = supervisees_deadlines(user).filter(
        owner=membership.user_id, owner_agency=membership.agency_id, state__in=LIVE_STATES
    )
    if when == "overdue":
        deadlines = deadlines.filter(overdue_now())
    elif when == "week":
        deadlines = deadlines.filter(_due_this_week(now))
    return (
        deadlines.annotate(
            is_overdue=Ranked(When(overdue_now(), then=Value(True)), default=Value(False), output_field=BooleanField())
        )
        .select_related("case", "referral", "owner_agency")
        .order_by("-is_overdue", "due_at", "pk")
    )


# --- waiting for my approval ---------------------------------------------------------------


def closures_awaiting(user: User) -> QuerySet[ClosureRequest]:
    """Closure requests waiting on cases whose lead this user supervises (``APPROVE_CLOSURE``)."""
    return (
        ClosureRequest.objects.filter(state=ClosureRequest.State.PENDING, case__in=cases_with_supervised_lead(user))
        .select_related("case", "requested_by")
        .order_by("requested_at", "pk")
    )


def extensions_awaiting(user: User) -> QuerySet[Extension]:
    return pending_extensions_for(user)


def assessments_awaiting(user: User) -> QuerySet[JointAssessment]:
    return assessments_awaiting_approval(user)


def sign_offs_awaiting(user: User) -> QuerySet[Referral]:
    """Triage decisions waiting for sign-off at a front door this user supervises, that
    someone else decided: the rule of ``policy.decide_referral`` for ``SIGN_OFF``."""
    supervised_doors = active_memberships(user).filter(role=Role.SUPERVISOR).values("agency_id")
    return (
        visible_referrals(user)
        .filter(status=ReferralStatus.AWAITING_SIGNOFF, receiving_agency__in=front_door_ids(user))
        .filter(receiving_agency__in=supervised_doors)
        .exclude(decided_by=user)
        .select_related("receiving_agency", "decided_by")
        .order_by("decided_at", "pk")
    )


# --- the lead worker ------------------------------------------------------------------------


def lead_candidates(access: CaseAccess) -> QuerySet[Membership]:
    """Who may be made lead of this case: active staff of the lead agency who work with
    children's records (not agency admins), other than the current lead."""
    return (
        Membership.objects.filter(
            agency=access.case.lead_agency_id,
            active=True,
            agency__active=True,
            user__is_active=True,
            role__in=ROLES_THAT_LEAD,
        )
        .exclude(user=access.case.lead_worker_id)
        .select_related("user", "agency")
        .order_by("user__full_name", "pk")
    )


def lead_changes(access: CaseAccess) -> QuerySet[LeadChange]:
    """The case's lead changes, newest first."""
    return (
        LeadChange.objects.filter(case=access.case)
        .select_related("previous_lead", "new_lead", "changed_by")
        .order_by("-changed_at", "-pk")
    )
