"""Every read of meetings, always starting from the policy (a ``CaseAccess`` the door handed
over, or ``visible_cases``)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from django.db.models import BooleanField, Case, Count, DateTimeField, ExpressionWrapper, F, Q, QuerySet, When
from django.utils import timezone

from access_control.policy import CaseAccess, visible_cases
from agencies.models import Agency, User
from cases.models import ActionState, CaseTeamMember, Meeting, MeetingAction, MeetingAttendee, MeetingState


def case_meetings(access: CaseAccess) -> QuerySet[Meeting]:
    """The case's meetings: upcoming ones first (soonest first), then the rest (latest
    first), with what a list row shows, in one query."""
    now = timezone.now()
    upcoming = Q(state=MeetingState.SCHEDULED, starts_at__gte=now)
    return (
        Meeting.objects.filter(case=access.case)
        .select_related("chair")
        .annotate(
            is_past=ExpressionWrapper(~upcoming, output_field=BooleanField()),
            attendee_count=Count("attendees", distinct=True),
            open_actions=Count("actions", filter=Q(actions__state=ActionState.OPEN), distinct=True),
            # Upcoming ones sort by their start, soonest first; past ones have none.
            upcoming_at=Case(When(upcoming, then=F("starts_at")), default=None, output_field=DateTimeField()),
        )
        .order_by("is_past", F("upcoming_at").asc(nulls_last=True), "-starts_at", "pk")
    )


def meeting_attendees(meeting: Meeting) -> list[MeetingAttendee]:
    return list(
        MeetingAttendee.objects.filter(meeting=meeting)
        .select_related("user", "agency")
        .order_by("agency__name", "user__full_name")
    )


@dataclass(frozen=True)
class AgencyGroup:
    agency: Agency
    attendees: list[MeetingAttendee]


def attendees_by_agency(attendees: list[MeetingAttendee]) -> list[AgencyGroup]:
    """Attendees grouped by the agency they attend for, agencies by name."""
    ordered = sorted(attendees, key=lambda a: (a.agency.name, a.agency_id, a.user.full_name))
    return [
        AgencyGroup(agency=group[0].agency, attendees=group)
        for _, rows in groupby(ordered, key=lambda a: a.agency_id)
        if (group := list(rows))
    ]


def meeting_actions(meeting: Meeting) -> QuerySet[MeetingAction]:
    return (
        MeetingAction.objects.filter(meeting=meeting).select_related("owner", "owner_agency").order_by("due_at", "pk")
    )


def team_for_meetings(access: CaseAccess) -> list[CaseTeamMember]:
    """Active team places whose people may be invited, grouped-by-agency order."""
    return list(
        CaseTeamMember.objects.filter(case=access.case, active=True, user__is_active=True)
        .select_related("user", "agency")
        .order_by("agency__name", "user__full_name")
    )


def my_upcoming_meetings(user: User) -> QuerySet[Meeting]:
    """Scheduled meetings still to come that ``user`` is invited to, on cases they can see."""
    return (
        Meeting.objects.filter(
            case__in=visible_cases(user),
            attendees__user=user,
            state=MeetingState.SCHEDULED,
            starts_at__gte=timezone.now(),
        )
        .select_related("case")
        .order_by("starts_at")
    )
