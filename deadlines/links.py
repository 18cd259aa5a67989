"""Where a deadline's work is done, and what is owed, in words: the links of My tasks and of
notifications. Built from ids only (never a name in a URL), from deadlines the caller read
through the policy; the rows must come with ``LINK_RELATED`` selected, so a page of links
costs no query per row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from django.urls import reverse

from access_control import policy
from agencies.models import User
from cases.models import Meeting
from deadlines.models import Deadline, DeadlineKind, Notification

# What a row's links read, joined in the same query as the deadlines.
LINK_RELATED = ("case", "referral", "meeting_action")

# What is owed, by kind of deadline: the start of each task's line.
OWED = {
    DeadlineKind.REFERRAL_DECISION: "Decide what happens to the referral",
    DeadlineKind.ASSESSMENT: "Complete the child and family assessment",
    DeadlineKind.CONTRIBUTION: "Write your agency's contribution to the joint assessment",
    DeadlineKind.STRATEGY_DISCUSSION: "Hold the strategy discussion",
    DeadlineKind.INITIAL_CONFERENCE: "Hold the initial child protection conference",
    DeadlineKind.FIRST_CORE_GROUP: "Hold the first core group",
    DeadlineKind.FIRST_REVIEW: "Hold the first review conference",
    DeadlineKind.LATER_REVIEW: "Hold the review conference",
    DeadlineKind.MEETING: "Hold the meeting",
    DeadlineKind.MEETING_ACTION: "Do the action agreed at the meeting",
    DeadlineKind.PLAN_ACTION: "Do the plan action",
}


@dataclass(frozen=True)
class Link:
    url: str
    text: str


def owed(deadline: Deadline) -> str:
    """What the deadline asks for, in words: 'Do the plan action on case TDM-2026-000001'."""
    what = OWED.get(deadline.kind, deadline.get_kind_display())  # type: ignore[call-overload]
    if deadline.case_id is not None and deadline.case is not None:
        return f"{what} on case {deadline.case.reference}"
    return what


def item_url(deadline: Deadline, front_door_ids: Iterable[int]) -> str:
    """The page of the thing the deadline is about: the contribution, the plan action, the
    meeting (of a meeting action too), the assessment, else the case; a referral's triage page
    for its front door, its own page for the referrer."""
    if deadline.contribution_id is not None:
        return reverse("cases:contribution_edit", args=[deadline.contribution_id])
    if deadline.plan_action_id is not None:
        return reverse("cases:plan_action", args=[deadline.plan_action_id])
    if deadline.meeting_action_id is not None and deadline.meeting_action is not None:
        return reverse("cases:meeting_detail", args=[deadline.meeting_action.meeting_id])
    if deadline.meeting_id is not None:
        return reverse("cases:meeting_detail", args=[deadline.meeting_id])
    if deadline.assessment_id is not None:
        return reverse("cases:assessment_detail", args=[deadline.assessment_id])
    if deadline.case_id is not None:
        return reverse("cases:detail", args=[deadline.case_id])
    referral = deadline.referral
    assert referral is not None
    name = "referrals:triage" if referral.receiving_agency_id in set(front_door_ids) else "referrals:detail"
    return reverse(name, args=[referral.pk])


def front_door_ids_for(user: User, deadlines: Iterable[Deadline]) -> set[int]:
    """The user's front doors, read only when a referral's deadline is among these."""
    if any(d.case_id is None for d in deadlines):
        return set(policy.front_door_ids(user))
    return set()


def notification_links(user: User, notifications: list[Notification]) -> dict[int, Link]:
    """The link of each notification with a subject the user may still see (its deadline's
    item, else its meeting), by notification id: one query for the deadlines the user sees
    among them (the policy's rules, row by row), their front doors when a referral is among
    them, and one for the meetings on cases the user sees."""
    deadline_ids = {n.deadline_id for n in notifications if n.deadline_id is not None}
    seen = (
        {
            d.pk: d
            for d in policy.visible_deadlines_among(user, Deadline.objects.filter(pk__in=deadline_ids)).select_related(
                *LINK_RELATED
            )
        }
        if deadline_ids
        else {}
    )
    front_doors = front_door_ids_for(user, seen.values())
    meetings = meetings_in_sight(user, {n.meeting_id for n in notifications if n.deadline_id is None})
    links = {}
    for notification in notifications:
        deadline = seen.get(notification.deadline_id) if notification.deadline_id is not None else None
        meeting = meetings.get(notification.meeting_id) if notification.meeting_id is not None else None
        if deadline is not None:
            links[notification.pk] = Link(url=item_url(deadline, front_doors), text=owed(deadline))
        elif notification.deadline_id is None and meeting is not None:
            links[notification.pk] = Link(
                url=reverse("cases:meeting_detail", args=[meeting.pk]), text=f"See the {meeting_name(meeting)}"
            )
    return links


def meeting_name(meeting: Meeting) -> str:
    """'strategy discussion on case TDM-2026-000001': the kind and the case, never the agenda."""
    return f"{meeting.get_kind_display().lower()} on case {meeting.case.reference}"


def meetings_in_sight(user: User, meeting_ids: set[UUID | None]) -> dict[UUID, Meeting]:
    """Those of the meetings on cases the user may see (their case team, supervision, a grant
    or break-glass: the policy's case rules, as the meeting's own page asks), by id."""
    wanted = {pk for pk in meeting_ids if pk is not None}
    if not wanted:
        return {}
    in_sight = Meeting.objects.filter(pk__in=wanted, case__in=policy.visible_cases(user).values("pk"))
    return {meeting.pk: meeting for meeting in in_sight.select_related("case").only("pk", "kind", "case__reference")}
