"""What the top of every case page says (the header: who the case is about, and the alerts a
worker must see before anything else) and what the case's overview adds (the next deadline,
the next meeting, when the child was last seen, the casework at a glance).

Every read starts from a ``CaseAccess`` the policy's door handed over, and what the user may
not see stays out: entries through ``access.entries()``, deadlines through
``visible_deadlines_among``. Each function costs a fixed number of queries, however big the case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.timesince import timeuntil

from access_control.policy import Action, CaseAccess, visible_deadlines_among
from cases.models import (
    AssessmentState,
    Case,
    Child,
    ChronologyEntry,
    ClosureRequest,
    EntryKind,
    FamilyLink,
    JointAssessment,
    LegalStatus,
    Meeting,
    MeetingState,
    Plan,
    PlanKind,
    PlanState,
)
from deadlines import links
from deadlines.models import LIVE_STATES, Deadline, DeadlineKind

# The deadlines the law sets (England's Working Together): the overview's "next statutory deadline".
STATUTORY_KINDS = (
    DeadlineKind.REFERRAL_DECISION,
    DeadlineKind.STRATEGY_DISCUSSION,
    DeadlineKind.ASSESSMENT,
    DeadlineKind.INITIAL_CONFERENCE,
    DeadlineKind.FIRST_CORE_GROUP,
    DeadlineKind.FIRST_REVIEW,
    DeadlineKind.LATER_REVIEW,
)
LATEST_ENTRIES = 5


def age_in_words(date_of_birth: date | None, *, estimated: bool = False, today: date | None = None) -> str:
    """A child's age as a worker says it: "8 years", "11 months", "3 weeks", "(estimated)" when
    the date of birth is; "" when it is not known."""
    if date_of_birth is None:
        return ""
    today = today or timezone.localdate()
    months = (today.year - date_of_birth.year) * 12 + today.month - date_of_birth.month
    if today.day < date_of_birth.day:
        months -= 1
    if months >= 24:
        words = f"{months // 12} years"
    elif months >= 12:
        words = "1 year" if months == 12 else f"1 year {months - 12} months"
    elif months >= 1:
        words = "1 month" if months == 1 else f"{months} months"
    else:
        days = max((today - date_of_birth).days, 0)
        weeks = days // 7
        words = f"{weeks} week{'s' if weeks != 1 else ''}" if weeks else f"{days} day{'s' if days != 1 else ''}"
    return f"{words} (estimated)" if estimated else words


def group_name(children: list[Child]) -> str:
    """The name a case goes by: one child's name; two children sharing a family name as
    "Amira and Leo Khan"; more as "3 children: Amira, Leo and Sara Khan"."""
    if not children:
        return ""
    if len(children) == 1:
        return children[0].full_name
    family_names = {child.family_name for child in children}
    if len(family_names) == 1:
        names = [child.given_names for child in children]
        suffix = f" {children[0].family_name}"
    else:
        names = [child.full_name for child in children]
        suffix = ""
    listed = f"{', '.join(names[:-1])} and {names[-1]}{suffix}"
    return listed if len(children) == 2 else f"{len(children)} children: {listed}"


@dataclass(frozen=True)
class Alert:
    """One thing a worker must know before they act or visit. ``kind`` names it for styling
    and tests; ``label`` is the words shown first, in bold (never colour alone)."""

    kind: str
    label: str
    text: str


@dataclass(frozen=True)
class ChildLine:
    child: Child
    age: str

    @property
    def legal_status(self) -> str:
        return "" if self.child.legal_status == LegalStatus.NONE else self.child.get_legal_status_display()


@dataclass(frozen=True)
class CaseHeader:
    case: Case
    name: str
    children: list[ChildLine]
    active_plan: Plan | None
    alerts: list[Alert]

    @property
    def cp_plan_since(self) -> date | None:
        plan = self.active_plan
        return plan.started_on if plan is not None and plan.kind == PlanKind.CHILD_PROTECTION else None


def _children(case: Case) -> list[Child]:
    risky = FamilyLink.objects.filter(poses_risk=True).select_related("person").order_by("person__full_name")
    return list(
        case.children.order_by("date_of_birth", "given_names", "pk").prefetch_related(
            Prefetch("family_links", queryset=risky, to_attr="risky_links")
        )
    )


def header_alerts(case: Case, children: list[Child], cp_plan_since: date | None) -> list[Alert]:
    alerts: list[Alert] = []
    if cp_plan_since is not None:
        alerts.append(Alert("cp_plan", "On a child protection plan", f"since {cp_plan_since:%-d %b %Y}"))
    several = len(children) > 1
    for child in children:
        who = f"{child.given_names}: " if several else ""
        if child.legal_status != LegalStatus.NONE:
            alerts.append(Alert("legal_status", "Legal status:", f"{who}{child.get_legal_status_display()}"))
    if case.safety_note.strip():
        alerts.append(Alert("safety", "Safety for visits:", case.safety_note.strip()))
    seen: set[object] = set()
    for child in children:
        for link in getattr(child, "risky_links", []):
            if link.person_id in seen:
                continue
            seen.add(link.person_id)
            alerts.append(Alert("risk", "Warning:", f"Risk: {link.person.full_name} — {link.risk_note}"))
    for child in children:
        if child.interpreter_needed:
            language = child.first_language or "language not recorded"
            who = f"{child.given_names} needs" if several else "Needs"
            alerts.append(Alert("interpreter", "Interpreter:", f"{who} an interpreter ({language})"))
    return alerts


def case_header(access: CaseAccess) -> CaseHeader:
    """The header of every page of a case, in three queries (children, their risky adults,
    the active plan: one at a time, by the database's rule)."""
    case = access.case
    children = _children(case)
    plan = Plan.objects.filter(case=case, state=PlanState.ACTIVE).first()
    cp_plan_since = plan.started_on if plan is not None and plan.kind == PlanKind.CHILD_PROTECTION else None
    today = timezone.localdate()
    return CaseHeader(
        case=case,
        name=group_name(children) or f"Case {case.reference}",
        children=[
            ChildLine(child, age_in_words(child.date_of_birth, estimated=child.date_of_birth_estimated, today=today))
            for child in children
        ],
        active_plan=plan,
        alerts=header_alerts(case, children, cp_plan_since),
    )


# --- the overview ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NextDeadline:
    deadline: Deadline
    owed: str
    url: str
    overdue: bool
    time_left: str


@dataclass(frozen=True)
class CaseworkCounts:
    assessments: int = 0
    assessments_open: int = 0
    meetings: int = 0
    meetings_upcoming: int = 0
    plans: int = 0


@dataclass(frozen=True)
class CaseOverview:
    next_deadline: NextDeadline | None
    next_meeting: Meeting | None
    last_seen: ChronologyEntry | None
    current_assessment: JointAssessment | None
    active_plan: Plan | None
    counts: CaseworkCounts
    latest_entries: list[ChronologyEntry] = field(default_factory=list)
    pending_closure: ClosureRequest | None = None


def next_deadline(access: CaseAccess, *, now: datetime | None = None) -> NextDeadline | None:
    """The soonest statutory deadline still owed on this case that the user may see."""
    now = now or timezone.now()
    owed_here = Deadline.objects.filter(case=access.case, state__in=LIVE_STATES, kind__in=STATUTORY_KINDS)
    deadline = (
        visible_deadlines_among(access.user, owed_here)
        .select_related(*links.LINK_RELATED)
        .order_by("due_at", "pk")
        .first()
    )
    if deadline is None:
        return None
    overdue = deadline.due_at <= now
    return NextDeadline(
        deadline=deadline,
        owed=links.OWED.get(deadline.kind, deadline.get_kind_display()),  # type: ignore[call-overload]
        url=links.item_url(deadline, []),
        overdue=overdue,
        time_left=timeuntil(now, deadline.due_at, depth=1) if overdue else timeuntil(deadline.due_at, now, depth=1),
    )


def next_meeting(access: CaseAccess, *, now: datetime | None = None) -> Meeting | None:
    """The case's next scheduled meeting (the case team sees every meeting of a case it sees)."""
    if not access.can(Action.VIEW_CASEWORK):
        return None
    upcoming = Meeting.objects.filter(
        case=access.case, state=MeetingState.SCHEDULED, starts_at__gte=now or timezone.now()
    )
    return upcoming.select_related("chair").order_by("starts_at", "pk").first()


def last_seen(access: CaseAccess) -> ChronologyEntry | None:
    """The latest visit to the child, by any agency, among the entries this user may see."""
    visits = access.entries().filter(is_current=True, kind=EntryKind.VISIT)
    return visits.select_related("author_agency").order_by("-event_date", "-recorded_at").first()


def _count(model: type[JointAssessment] | type[Meeting] | type[Plan], condition: Q | None = None) -> Coalesce:
    rows = model.objects.filter(case=OuterRef("pk"))
    if condition is not None:
        rows = rows.filter(condition)
    counted = rows.order_by().values("case").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def casework_counts(access: CaseAccess, *, now: datetime | None = None) -> CaseworkCounts:
    """How many assessments, meetings and plans the case has: one query."""
    if not access.can(Action.VIEW_CASEWORK):
        return CaseworkCounts()
    upcoming = Q(state=MeetingState.SCHEDULED, starts_at__gte=now or timezone.now())
    row = (
        Case.objects.filter(pk=access.case.pk)
        .values(
            n_assessments=_count(JointAssessment),
            n_assessments_open=_count(JointAssessment, ~Q(state=AssessmentState.APPROVED)),
            n_meetings=_count(Meeting),
            n_meetings_upcoming=_count(Meeting, upcoming),
            n_plans=_count(Plan),
        )
        .get()
    )
    return CaseworkCounts(
        assessments=row["n_assessments"],
        assessments_open=row["n_assessments_open"],
        meetings=row["n_meetings"],
        meetings_upcoming=row["n_meetings_upcoming"],
        plans=row["n_plans"],
    )


def case_overview(access: CaseAccess, header: CaseHeader) -> CaseOverview:
    """What the overview adds to the ``header`` (whose active plan it shows), in a fixed
    number of queries (seven)."""
    now = timezone.now()
    casework = access.can(Action.VIEW_CASEWORK).allowed
    assessment = (
        JointAssessment.objects.filter(case=access.case).select_related("lead").order_by("-opened_at").first()
        if casework
        else None
    )
    plan = header.active_plan if casework else None
    latest = list(
        access.entries()
        .filter(is_current=True)
        .select_related("author_agency")
        .order_by("-event_date", "-recorded_at")[:LATEST_ENTRIES]
    )
    pending = (
        ClosureRequest.objects.filter(case=access.case, state=ClosureRequest.State.PENDING)
        .select_related("requested_by")
        .first()
    )
    return CaseOverview(
        next_deadline=next_deadline(access, now=now),
        next_meeting=next_meeting(access, now=now),
        last_seen=last_seen(access),
        current_assessment=assessment,
        active_plan=plan,
        counts=casework_counts(access, now=now),
        latest_entries=latest,
        pending_closure=pending,
    )
