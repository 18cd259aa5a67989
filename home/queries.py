"""What a person's home page ("My work") shows: a few of each kind of thing waiting for them,
how many there are in all, and where the full list is. Every read starts from the policy
(through each app's own queries where they have one); each section is a fixed number of
queries, whatever the number of cases, tasks or entries, and shows at most a few items.

The front door's inbox and a supervisor's queue come first for those who work them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from access_control import policy
from access_control.policy.supervisors import decide_caseloads
from agencies.models import Agency, Membership, Role, User
from cases.models import CaseTeamMember, CaseVisit, Meeting, MeetingAttendee
from cases.models.meetings import MeetingState
from deadlines import links
from deadlines.queries import notifications_for, overdue_now, tasks_for, unread_count
from referrals import queries as referral_queries
from referrals.models import ReferralStatus, ServiceReferral
from supervision import queries as supervision_queries
from web.pagination import PageWithCount

# How many of each kind the home page lists; the section says how many there are in all.
SHOWN = 5
# "Due soon": within the next week. "This week's meetings": from the start of today, 7 days.
DUE_SOON = timedelta(days=7)
MEETINGS_AHEAD = timedelta(days=7)


@dataclass(frozen=True)
class Item:
    """One thing on the home page: what it is, in words, and the page of the thing itself."""

    id: str
    title: str
    url: str
    detail: str = ""
    when: datetime | None = None
    overdue: bool = False
    api_url: str | None = None


@dataclass(frozen=True)
class Section:
    """One block of the home page: a few items, how many in all, and the page listing them all."""

    key: str
    title: str
    items: list[Item]
    count: int
    see_all_url: str
    see_all_text: str
    empty: str
    # What ``when`` of each item means: "due", "decide", "starts", "latest", "received", "asked".
    when_means: str = ""


@dataclass(frozen=True)
class MyWork:
    sections: list[Section]
    memberships: list[Membership] = field(default_factory=list)
    administered: list[Agency] = field(default_factory=list)


def _first(rows: QuerySet[Any], shown: int = SHOWN) -> tuple[list[Any], int]:
    """The first few rows and how many in all: one query (``PageWithCount``)."""
    page = PageWithCount(rows, shown).page(1)
    return list(page.object_list), page.paginator.count


def _count(n: int, one: str, many: str = "") -> str:
    """'1 open case', '3 open cases'."""
    return f"{n} {one if n == 1 else many or one + 's'}"


# --- what I owe -------------------------------------------------------------------------


def tasks_section(user: User, now: datetime) -> Section:
    """Overdue and due-soon deadlines the user (or their agency, no one named) owes: overdue
    first, then soonest due (``deadlines.queries.tasks_for``)."""
    rows, count = _first(tasks_for(user).filter(overdue_now() | Q(due_at__lt=now + DUE_SOON)))
    front_doors = links.front_door_ids_for(user, rows)
    items = [
        Item(
            id=str(d.pk),
            title=links.owed(d),
            url=links.item_url(d, front_doors),
            detail=d.title,
            when=d.due_at,
            overdue=bool(d.is_overdue),
        )
        for d in rows
    ]
    return Section(
        key="tasks",
        title="Overdue and due soon",
        items=items,
        count=count,
        see_all_url=reverse("deadlines:tasks"),
        see_all_text="See all your tasks",
        empty="Nothing of yours is overdue or due in the next 7 days.",
        when_means="due",
    )


# --- meetings -----------------------------------------------------------------------------


def start_of_today(now: datetime) -> datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def my_meetings(user: User, now: datetime) -> QuerySet[Meeting]:
    """Scheduled meetings from the start of today to a week on, on cases the user may see,
    that they are invited to or are on the case's team of: soonest first."""
    start = start_of_today(now)
    invited = MeetingAttendee.objects.filter(meeting=OuterRef("pk"), user=user)
    on_team = CaseTeamMember.objects.filter(case=OuterRef("case"), user=user, active=True)
    return (
        Meeting.objects.filter(
            case__in=policy.visible_cases(user).values("pk"),
            state=MeetingState.SCHEDULED,
            starts_at__gte=start,
            starts_at__lt=start + MEETINGS_AHEAD,
        )
        .filter(Exists(invited) | Exists(on_team))
        .select_related("case")
        .order_by("starts_at", "pk")
    )


def meetings_section(user: User, now: datetime) -> Section:
    rows, count = _first(my_meetings(user, now))
    items = [
        Item(
            id=str(m.pk),
            title=f"{m.get_kind_display()} on case {m.case.reference}",
            url=reverse("cases:meeting_detail", args=[m.pk]),
            detail=m.location,
            when=m.starts_at,
            api_url=reverse("api-meeting-detail", args=[m.pk]),
        )
        for m in rows
    ]
    return Section(
        key="meetings",
        title="Meetings today and this week",
        items=items,
        count=count,
        see_all_url=reverse("home:meetings"),
        see_all_text="See all your meetings this week",
        empty="No meetings of yours today or in the next 7 days.",
        when_means="starts",
    )


# --- new since my last visit ----------------------------------------------------------------


def new_since_visit(user: User) -> QuerySet[Any]:
    """Per case the user may see: the current entries they may read that someone else
    recorded after the user last opened the case (or ever, if they never have), how many and
    the latest; the most recent first. Through the policy's ``readable_entries``."""
    seen_since = CaseVisit.objects.filter(user=user, case=OuterRef("case"), visited_at__gte=OuterRef("recorded_at"))
    return (
        policy.readable_entries(user)
        .filter(is_current=True)
        .exclude(author=user)
        .exclude(Exists(seen_since))
        .order_by()
        .values("case_id", "case__reference")
        .annotate(new_entries=Count("pk"), latest=Max("recorded_at"))
        .order_by("-latest", "case_id")
    )


def new_section(user: User) -> Section:
    grouped = new_since_visit(user)
    rows = list(grouped[:SHOWN])
    count = grouped.count()
    items = [
        Item(
            id=str(row["case_id"]),
            title=f"Case {row['case__reference']}",
            url=reverse("cases:detail", args=[row["case_id"]]),
            detail=_count(row["new_entries"], "new entry", "new entries"),
            when=row["latest"],
            api_url=reverse("api-case-detail", args=[row["case_id"]]),
        )
        for row in rows
    ]
    return Section(
        key="new",
        title="New since your last visit",
        items=items,
        count=count,
        see_all_url=reverse("cases:list"),
        see_all_text="See all your cases",
        empty="Nothing new on your cases since you last opened them.",
        when_means="latest",
    )


# --- notifications ----------------------------------------------------------------------


def notifications_section(user: User) -> Section:
    unread = list(notifications_for(user).filter(read_at__isnull=True)[:SHOWN])
    count = unread_count(user)
    found = links.notification_links(user, unread)
    all_url = reverse("deadlines:notifications")
    items = [
        Item(
            id=str(n.pk),
            title=n.title,
            url=found[n.pk].url if n.pk in found else all_url,
            detail=found[n.pk].text if n.pk in found else "",
            when=n.created_at,
        )
        for n in unread
    ]
    return Section(
        key="notifications",
        title="Unread notifications",
        items=items,
        count=count,
        see_all_url=all_url,
        see_all_text="See all notifications",
        empty="You have no unread notifications.",
        when_means="received",
    )


# --- referrals waiting for me -----------------------------------------------------------------


def _front_door_url(status: str, agency_id: int, decided_by_id: int | None, signs_off: set[int], user: User) -> str:
    """Where an inbox row leads (as the inbox's own links): triage while it waits, sign-off
    for a supervisor of someone else's decision, else the referral."""
    if status == ReferralStatus.SUBMITTED:
        return "referrals:triage"
    if status == ReferralStatus.AWAITING_SIGNOFF and agency_id in signs_off and decided_by_id != user.pk:
        return "referrals:sign_off"
    return "referrals:detail"


def front_door_section(user: User, now: datetime, supervised_doors: set[int]) -> Section:
    rows, count = _first(referral_queries.inbox(user=user))
    items = [
        Item(
            id=str(r.pk),
            title=f"Referral {r.reference}",
            url=reverse(
                _front_door_url(r.status, r.receiving_agency_id, r.decided_by_id, supervised_doors, user), args=[r.pk]
            ),
            detail=" · ".join(
                part
                for part in (
                    "Immediate risk" if r.immediate_risk else r.get_urgency_display(),
                    r.get_status_display(),
                    r.receiving_agency.name,
                )
                if part
            ),
            when=r.triage_due_at,
            overdue=bool(r.status == ReferralStatus.SUBMITTED and r.triage_due_at and r.triage_due_at < now),
            api_url=reverse("api-referral-detail", args=[r.pk]),
        )
        for r in rows
    ]
    return Section(
        key="front_door",
        title="Referrals waiting at the front door",
        items=items,
        count=count,
        see_all_url=reverse("referrals:inbox"),
        see_all_text="Open the front door inbox",
        empty="No referral is waiting at your front door.",
        when_means="decide",
    )


def service_referrals_section(user: User) -> Section:
    rows, count = _first(referral_queries.service_inbox(user=user).filter(state=ServiceReferral.State.PENDING))
    items = [
        Item(
            id=str(s.pk),
            title=f"{s.service} for case {s.case.reference}",
            url=reverse("referrals:service_detail", args=[s.pk]),
            detail=f"from {s.from_agency.name}",
            when=s.created_at,
        )
        for s in rows
    ]
    return Section(
        key="service_referrals",
        title="Service referrals waiting for your agency",
        items=items,
        count=count,
        see_all_url=reverse("referrals:service_inbox"),
        see_all_text="See all service referrals",
        empty="No service referral is waiting for your agency.",
        when_means="received",
    )


# --- a supervisor's queue -------------------------------------------------------------------


def approvals_section(user: User) -> Section:
    """What waits for the supervisor's decision: closures, extensions, assessments to approve
    and triage sign-offs, the oldest few of each (the supervisor's dashboard's reads)."""
    closures, closure_count = _first(supervision_queries.closures_awaiting(user))
    extensions, extension_count = _first(supervision_queries.extensions_awaiting(user))
    assessments, assessment_count = _first(supervision_queries.assessments_awaiting(user))
    sign_offs, sign_off_count = _first(supervision_queries.sign_offs_awaiting(user))
    items = (
        [
            Item(
                id=str(c.pk),
                title=f"Decide on closing case {c.case.reference}",
                url=reverse("cases:closure_decide", args=[c.case_id]),
                detail=f"asked by {c.requested_by.full_name}",
                when=c.requested_at,
            )
            for c in closures
        ]
        + [
            Item(
                id=str(e.pk),
                title=f"Decide on an extension: {e.deadline.title}",
                url=reverse("deadlines:decide", args=[e.pk]),
                detail=f"asked by {e.requested_by.full_name}",
                when=e.requested_at,
            )
            for e in extensions
        ]
        + [
            Item(
                id=str(a.pk),
                title=f"Approve the assessment on case {a.case.reference}",
                url=reverse("cases:assessment_detail", args=[a.pk]),
                detail=f"submitted by {a.lead.full_name}",
                when=a.submitted_at,
            )
            for a in assessments
        ]
        + [
            Item(
                id=str(r.pk),
                title=f"Sign off the decision on referral {r.reference}",
                url=reverse("referrals:sign_off", args=[r.pk]),
                detail=f"decided by {r.decided_by.full_name}" if r.decided_by else "",
                when=r.decided_at,
            )
            for r in sign_offs
        ]
    )
    return Section(
        key="approvals",
        title="Waiting for your decision",
        items=items,
        count=closure_count + extension_count + assessment_count + sign_off_count,
        see_all_url=reverse("supervision:dashboard"),
        see_all_text="Open My team",
        empty="Nothing is waiting for your decision.",
        when_means="asked",
    )


def team_section(user: User) -> Section:
    """The supervisees with overdue work, the most overdue first."""
    rows = sorted(
        (row for row in supervision_queries.caseloads(user) if row.overdue),
        key=lambda row: (-row.overdue, row.membership.user.full_name),
    )
    items = [
        Item(
            id=str(row.membership.pk),
            title=f"{row.membership.user.full_name}: {row.overdue} overdue",
            url=reverse("supervision:worker_deadlines", args=[row.membership.pk]) + "?when=overdue",
            detail=f"{row.due_this_week} due this week · {_count(row.open_cases, 'open case')}",
            overdue=True,
        )
        for row in rows[:SHOWN]
    ]
    return Section(
        key="team",
        title="Your team's overdue work",
        items=items,
        count=len(rows),
        see_all_url=reverse("supervision:dashboard"),
        see_all_text="See your team's caseloads",
        empty="No one you supervise has overdue work.",
    )


# --- the page -------------------------------------------------------------------------------


def my_work(user: User) -> MyWork:
    """Every section of the user's home page, in the order their role needs: a supervisor's
    queue first, then the front door's inbox for those who work one, then what they owe,
    their meetings, what is new on their cases and their notifications."""
    now = timezone.now()
    memberships = list(policy.active_memberships(user).order_by("agency__name"))
    supervisor = decide_caseloads(user).allowed
    front_door = bool(policy.front_door_ids(user))
    supervised_doors = {m.agency_id for m in memberships if m.role == Role.SUPERVISOR}
    sections: list[Section] = []
    if supervisor:
        sections += [approvals_section(user), team_section(user)]
    if front_door:
        sections.append(front_door_section(user, now, supervised_doors))
    sections += [tasks_section(user, now), meetings_section(user, now), new_section(user), notifications_section(user)]
    if not front_door:
        sections.append(service_referrals_section(user))
    return MyWork(sections=sections, memberships=memberships, administered=list(policy.administered_agencies(user)))
