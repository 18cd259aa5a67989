"""What a person leads and owes as a member of one agency: the work that must be handed over
before their membership ends or their role stops them doing it.

Read from the models only (they are below the domain), never through the case policy: the
agency admin who deactivates someone is not on their cases and learns only how many of each
there are (``held_work``). The items themselves are listed for the worker's supervisor, through
the policy, by ``cases.handover``. Both read the same definitions here, so the count an admin is
blocked by and the list a supervisor clears are the same work."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from access_control.policy import supervision_over
from agencies.models import Membership, User
from cases.models import (
    ActionState,
    Case,
    CaseStatus,
    Contribution,
    ContributionState,
    MeetingAction,
    PlanAction,
    PlanState,
)
from deadlines.models import LIVE_STATES, Deadline


def led_cases(membership: Membership) -> QuerySet[Case]:
    """Open cases the person leads for this agency."""
    return Case.objects.filter(lead_worker=membership.user_id, lead_agency=membership.agency_id).exclude(
        status=CaseStatus.CLOSED
    )


def _live_deadlines(membership: Membership) -> QuerySet[Deadline]:
    return Deadline.objects.filter(owner=membership.user_id, owner_agency=membership.agency_id, state__in=LIVE_STATES)


# A deadline of a contribution or of an action is counted (and handed over) with its item.
_OF_AN_ITEM = Q(contribution__isnull=False) | Q(plan_action__isnull=False) | Q(meeting_action__isnull=False)


def owned_deadlines(membership: Membership) -> QuerySet[Deadline]:
    """Live deadlines the person owes for this agency, other than those of a contribution or an
    action (counted with their item)."""
    return _live_deadlines(membership).exclude(_OF_AN_ITEM)


def owed_contributions(membership: Membership) -> QuerySet[Contribution]:
    """Contributions still requested whose live deadline this person owes for this agency (a
    contribution is owed by an agency; it is a person's once its deadline names them)."""
    return Contribution.objects.filter(
        state=ContributionState.REQUESTED,
        author_agency=membership.agency_id,
        pk__in=_live_deadlines(membership).filter(contribution__isnull=False).values("contribution_id"),
    )


def assigned_plan_actions(membership: Membership) -> QuerySet[PlanAction]:
    """Open actions of active plans assigned to this person for this agency."""
    return PlanAction.objects.filter(
        owner=membership.user_id,
        owner_agency=membership.agency_id,
        state=ActionState.OPEN,
        plan__state=PlanState.ACTIVE,
    )


def assigned_meeting_actions(membership: Membership) -> QuerySet[MeetingAction]:
    """Open meeting actions assigned to this person for this agency."""
    return MeetingAction.objects.filter(
        owner=membership.user_id, owner_agency=membership.agency_id, state=ActionState.OPEN
    )


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


@dataclass(frozen=True)
class HeldWork:
    """How many of each kind of work a member holds: counts only, never what the work is."""

    cases: int
    deadlines: int
    contributions: int
    plan_actions: int
    meeting_actions: int

    @property
    def total(self) -> int:
        return self.cases + self.deadlines + self.contributions + self.plan_actions + self.meeting_actions

    def __bool__(self) -> bool:
        return self.total > 0

    def phrases(self) -> list[str]:
        """Each non-zero count in words: '6 open cases they lead'."""
        parts = [
            (self.cases, "open case they lead", "open cases they lead"),
            (self.deadlines, "deadline they owe", "deadlines they owe"),
            (self.contributions, "assessment contribution they owe", "assessment contributions they owe"),
            (self.plan_actions, "open plan action", "open plan actions"),
            (self.meeting_actions, "open meeting action", "open meeting actions"),
        ]
        return [_plural(count, one, many) for count, one, many in parts if count]

    def as_counts(self) -> dict[str, int]:
        return {
            "cases": self.cases,
            "deadlines": self.deadlines,
            "contributions": self.contributions,
            "plan_actions": self.plan_actions,
            "meeting_actions": self.meeting_actions,
        }


def held_work(membership: Membership) -> HeldWork:
    """How much work ``membership`` holds: five counts, whatever the amount."""
    return HeldWork(
        cases=led_cases(membership).count(),
        deadlines=owned_deadlines(membership).count(),
        contributions=owed_contributions(membership).count(),
        plan_actions=assigned_plan_actions(membership).count(),
        meeting_actions=assigned_meeting_actions(membership).count(),
    )


def supervisors_of(membership: Membership) -> list[User]:
    """Who supervises this member now (``policy.supervision_over``): the people to ask."""
    return [
        line.supervisor.user
        for line in supervision_over(membership.user_id, membership.agency_id)
        .select_related("supervisor__user")
        .order_by("supervisor__user__full_name")
    ]
