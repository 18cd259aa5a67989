"""Handing over a worker's work: the list their supervisor sees (through the policy), and the
one write that hands all of it to a colleague before the worker leaves or changes role.

What counts as a worker's work is defined once, in ``agencies.handover`` (which the agency
admin's deactivation page counts from); here it is narrowed to what the supervisor may see, and
moved. A case's lead changes through ``cases.services.reassign_lead`` (its reason, its
``LeadChange``, the lead's deadlines and assessment moving with it); the rest changes owner."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from access_control import policy
from access_control.policy import Action
from agencies import handover as held
from agencies.models import Membership, User
from cases.models import Case, Contribution, MeetingAction, PlanAction
from cases.services import ROLES_THAT_LEAD, reassign_lead
from deadlines.links import LINK_RELATED
from deadlines.models import LIVE_STATES, Deadline
from deadlines.reminders import notify


@dataclass(frozen=True)
class HandoverItems:
    """What a supervisee leads and owes for their agency, as far as the supervisor may see."""

    cases: list[Case]
    deadlines: list[Deadline]
    contributions: list[Contribution]
    plan_actions: list[PlanAction]
    meeting_actions: list[MeetingAction]
    # How many items the worker holds that the supervisor cannot see (they block leaving too).
    out_of_sight: int

    @property
    def total(self) -> int:
        return (
            len(self.cases)
            + len(self.deadlines)
            + len(self.contributions)
            + len(self.plan_actions)
            + len(self.meeting_actions)
        )


def handover_items(user: User, membership: Membership) -> HandoverItems:
    """Each item ``membership`` (from ``policy.get_supervisee``) leads or owes, that ``user``
    may see: seven queries, whatever the numbers."""
    in_sight = policy.visible_cases(user).values("pk")
    cases = list(
        policy.visible_cases(user)
        .filter(pk__in=held.led_cases(membership).values("pk"))
        .select_related("lead_agency")
        .prefetch_related("children")
        .order_by("reference")
    )
    deadlines = list(
        policy.supervisees_deadlines(user)
        .filter(pk__in=held.owned_deadlines(membership).values("pk"))
        .select_related(*LINK_RELATED)
        .order_by("due_at", "pk")
    )
    contributions = list(
        held.owed_contributions(membership)
        .filter(assessment__case__in=in_sight)
        .select_related("assessment__case")
        .order_by("due_at", "pk")
    )
    plan_actions = list(
        held.assigned_plan_actions(membership)
        .filter(plan__case__in=in_sight)
        .select_related("plan__case")
        .order_by("due_at", "pk")
    )
    meeting_actions = list(
        held.assigned_meeting_actions(membership)
        .filter(meeting__case__in=in_sight)
        .select_related("meeting__case")
        .order_by("due_at", "pk")
    )
    seen = len(cases) + len(deadlines) + len(contributions) + len(plan_actions) + len(meeting_actions)
    return HandoverItems(
        cases=cases,
        deadlines=deadlines,
        contributions=contributions,
        plan_actions=plan_actions,
        meeting_actions=meeting_actions,
        out_of_sight=max(held.held_work(membership).total - seen, 0),
    )


def handover_colleagues(user: User, membership: Membership) -> QuerySet[Membership]:
    """Who may take over ``membership``'s work: active practitioners, intake workers and
    supervisors of the same agency, under the same supervision (supervised by ``user`` now), or
    ``user`` themself as a supervisor of that agency; never the worker."""
    supervised = policy.supervisee_memberships(user).values("pk")
    return (
        Membership.objects.filter(
            agency=membership.agency_id,
            active=True,
            agency__active=True,
            user__is_active=True,
            role__in=ROLES_THAT_LEAD,
        )
        .filter(Q(pk__in=supervised) | Q(user=user))
        .exclude(pk=membership.pk)
        .exclude(user=membership.user_id)
        .select_related("user", "agency")
        .order_by("user__full_name", "pk")
    )


@dataclass(frozen=True)
class Handover:
    """What moved, by kind: how many of each."""

    to: Membership
    cases: int
    deadlines: int
    contributions: int
    plan_actions: int
    meeting_actions: int

    @property
    def total(self) -> int:
        return self.cases + self.deadlines + self.contributions + self.plan_actions + self.meeting_actions


def hand_over(*, by: User, membership: Membership, to: Membership | None, reason: str) -> Handover:
    """The worker's supervisor hands everything the worker leads and owes for the agency (as
    far as the supervisor may see it) to one colleague, in one transaction: each open case's
    lead through ``reassign_lead`` (with the reason and a ``LeadChange``), then the worker's
    other live deadlines, the contributions and the plan and meeting actions they owe, with
    those items' deadlines. Each item is logged; only the supervisor may (404 for anyone else,
    logged); the colleague must be one of ``handover_colleagues``. The colleague is told once,
    in counts."""
    # Asked before the transaction, so a refusal stays in the access log.
    membership = policy.get_supervisee(by, membership.pk, "hand_over")
    return _hand_over(by=by, membership=membership, to=to, reason=reason)


@transaction.atomic
def _hand_over(*, by: User, membership: Membership, to: Membership | None, reason: str) -> Handover:
    decision = policy.decide_handover(by, membership)
    policy.enforce(
        decision, user=by, action="hand_over", object_type="membership", object_id=membership.pk, log_allowed=False
    )
    reason = reason.strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = "Say why the work is handed over (for example, leaving the team)."
    if to is None or not handover_colleagues(by, membership).filter(pk=to.pk).exists():
        errors["to"] = (
            f"Choose an active practitioner, intake worker or supervisor of {membership.agency.name} "
            "whom you supervise (or yourself)."
        )
    if errors:
        raise ValidationError(errors)
    assert to is not None
    items = handover_items(by, membership)
    agency = membership.agency_id
    worker, colleague = membership.user, to.user
    for case in items.cases:
        reassign_lead(access=policy.get_case(by, case.pk, Action.REASSIGN_LEAD), new_lead=colleague, reason=reason)

    def log(action: str, object_type: str, object_id: object, case_id: object) -> None:
        policy.enforce(
            decision,
            user=by,
            action=action,
            object_type=object_type,
            object_id=object_id,
            case_id=case_id,
            agency=agency,
        )

    # reassign_lead has moved the lead's deadlines on their cases; what is left is moved here.
    for deadline in items.deadlines:
        Deadline.objects.filter(pk=deadline.pk, owner=worker, owner_agency=agency, state__in=LIVE_STATES).update(
            owner=colleague
        )
        log("hand_over_deadline", "deadline", deadline.pk, deadline.case_id)
    for contribution in items.contributions:
        Deadline.objects.filter(
            contribution=contribution, owner=worker, owner_agency=agency, state__in=LIVE_STATES
        ).update(owner=colleague)
        log("hand_over_contribution", "contribution", contribution.pk, contribution.assessment.case_id)
    # Plan and meeting actions change owner with their own deadlines, in the same way.
    for actions, link, object_type, parent in (
        (items.plan_actions, "plan_action", "planaction", "plan"),
        (items.meeting_actions, "meeting_action", "meetingaction", "meeting"),
    ):
        for action in actions:
            type(action).objects.filter(pk=action.pk, owner=worker).update(owner=colleague)
            Deadline.objects.filter(**{link: action}, owner=worker, owner_agency=agency, state__in=LIVE_STATES).update(
                owner=colleague
            )
            log(f"hand_over_{link}", object_type, action.pk, getattr(action, parent).case_id)
    done = Handover(
        to=to,
        cases=len(items.cases),
        deadlines=len(items.deadlines),
        contributions=len(items.contributions),
        plan_actions=len(items.plan_actions),
        meeting_actions=len(items.meeting_actions),
    )
    others = [
        f"{count} {what}"
        for count, what in (
            (done.deadlines, "deadlines"),
            (done.contributions, "assessment contributions"),
            (done.plan_actions, "plan actions"),
            (done.meeting_actions, "meeting actions"),
        )
        if count
    ]
    if others:
        # The cases' new lead is told by reassign_lead, case by case; the rest in one message.
        notify(
            [colleague],
            f"{by.full_name} handed you {worker.full_name}'s work",
            f"{by.full_name} handed you {worker.full_name}'s work: {', '.join(others)}. See My tasks in Tandem.",
        )
    return done
