"""Every write to a child protection or child in need plan: starting it, its outcomes and the
actions each agency owes, progress on them, reviews, and ending it.

Each function checks the policy itself (``@checked`` logs a refusal before the transaction),
runs in one transaction and is logged. Plan actions and plan reviews are deadlines: opened
here, met or cancelled here, and reminded by the deadline sweep. Deadline titles and
notifications describe the task only (an agency and a date), never what the plan says: they
go into emails.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from access_control.policy import Action, CaseAccess, check_plan_progress
from agencies.models import Agency, User
from cases.models import (
    ActionState,
    Case,
    CaseStatus,
    CaseTeamMember,
    Plan,
    PlanAction,
    PlanKind,
    PlanOutcome,
    PlanReview,
    PlanState,
    ProgressRating,
    ProgressUpdate,
)
from cases.services import checked
from deadlines.calendar import end_of_working_day
from deadlines.models import LIVE_STATES, Deadline, DeadlineKind
from deadlines.reminders import notify
from deadlines.services import cancel_deadline, due_at_for, live_deadlines, meet_deadline, open_deadline

# The case status that goes with each kind of plan.
CASE_STATUS_FOR = {
    PlanKind.CHILD_PROTECTION: CaseStatus.CHILD_PROTECTION_PLAN,
    PlanKind.CHILD_IN_NEED: CaseStatus.CHILD_IN_NEED,
}
REVIEW_KINDS = (DeadlineKind.FIRST_REVIEW, DeadlineKind.LATER_REVIEW)
PLAN_ENDED_NOTE = "The plan ended."
MARKED_DONE_NOTE = "Marked as done."


def default_next_review(case: Case, start: datetime | None = None) -> date:
    """The first review of a new plan: the jurisdiction's first-review timescale (3 months in England)."""
    start = start or timezone.now()
    return timezone.localdate(due_at_for(DeadlineKind.FIRST_REVIEW, start, case.lead_agency.jurisdiction))


def due_at_on(day: date) -> datetime:
    """A plan date falls due at the close of business that day."""
    return end_of_working_day(day)


def format_day(day: date | datetime) -> str:
    """A plan date as deadline titles and notifications write it ("7 Dec 2026", local date)."""
    if isinstance(day, datetime):
        day = timezone.localdate(day)
    return f"{day.day} {day:%b %Y}"


def _lock_plan(access: CaseAccess, plan_id: UUID) -> Plan:
    """The plan, locked, if it is this case's and still active."""
    locked = Plan.objects.select_for_update().filter(pk=plan_id, case=access.case).first()
    if locked is None:
        raise ValidationError("That plan belongs to another case.")
    if locked.state != PlanState.ACTIVE:
        raise ValidationError("This plan has ended.")
    return locked


def _lock_action(access: CaseAccess, plan_action: PlanAction) -> PlanAction:
    """The plan action, locked, if it is on this case's active plan and still open."""
    locked = (
        PlanAction.objects.select_for_update(of=("self",))
        .select_related("plan", "owner_agency")
        .filter(pk=plan_action.pk, plan__case=access.case)
        .first()
    )
    if locked is None:
        raise ValidationError("That action belongs to another case.")
    if locked.plan.state != PlanState.ACTIVE:
        raise ValidationError("This plan has ended.")
    if locked.state != ActionState.OPEN:
        raise ValidationError(f"This action is no longer open ({locked.get_state_display().lower()}).")
    return locked


def _clean_outcomes(outcomes: list[str]) -> list[str]:
    cleaned = [text.strip() for text in outcomes if text.strip()]
    if not cleaned:
        raise ValidationError({"outcomes": "A plan needs at least one outcome."})
    if any(len(text) > 300 for text in cleaned):
        raise ValidationError({"outcomes": "Keep each outcome to 300 characters."})
    return cleaned


def _open_review_deadline(*, case: Case, due_on: date, first: bool) -> Deadline:
    return open_deadline(
        kind=DeadlineKind.FIRST_REVIEW if first else DeadlineKind.LATER_REVIEW,
        title=f"Plan review due {format_day(due_on)}",
        owner_agency=case.lead_agency,
        owner=case.lead_worker,
        case=case,
        due_at=due_at_on(due_on),
    )


def _review_deadlines(case: Case) -> list[Deadline]:
    """The case's live review deadlines, whether the plan or a conference opened them: a
    review recorded on the plan meets them all and opens the one next review."""
    return live_deadlines(case=case, kind__in=REVIEW_KINDS)


# --- starting a plan -------------------------------------------------------------------


@checked(Action.MANAGE_PLAN)
def start_plan(*, access: CaseAccess, kind: str, outcomes: list[str], next_review_on: date | None = None) -> Plan:
    """Start the case's plan with its outcomes. One active plan per case. The first review is
    due by the jurisdiction's timescale unless a date is given, and is a deadline for the lead
    worker. The case's status follows the kind of plan."""
    case = Case.objects.select_for_update().select_related("lead_agency", "lead_worker").get(pk=access.case.pk)
    if case.status == CaseStatus.CLOSED:
        raise ValidationError("This case is closed.")
    if kind not in PlanKind.values:
        raise ValidationError({"kind": "Choose a child protection or a child in need plan."})
    texts = _clean_outcomes(outcomes)
    today = timezone.localdate()
    review_on = next_review_on or default_next_review(case)
    if review_on <= today:
        raise ValidationError({"next_review_on": "The first review must be after today."})
    if Plan.objects.filter(case=case, state=PlanState.ACTIVE).exists():
        raise ValidationError("This case already has an active plan. End it before starting another.")
    plan = Plan(case=case, kind=kind, started_on=today, next_review_on=review_on, created_by=access.user)
    plan.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        raise ValidationError("This case already has an active plan. End it before starting another.") from None
    PlanOutcome.objects.bulk_create(
        [PlanOutcome(plan=plan, description=text, position=i) for i, text in enumerate(texts, start=1)]
    )
    case.status = CASE_STATUS_FOR[PlanKind(kind)]
    case.save(update_fields=["status"])
    access.case.status = case.status
    # The initial conference that made the plan may already have opened the first review
    # (meetings do, from the conference's date): a case has one live review deadline.
    if not Deadline.objects.filter(case=case, kind__in=REVIEW_KINDS, state__in=LIVE_STATES).exists():
        _open_review_deadline(case=case, due_on=review_on, first=True)
    access.log("start_plan", object_type="plan", object_id=plan.pk)
    return plan


# --- outcomes --------------------------------------------------------------------------


@checked(Action.MANAGE_PLAN)
def add_outcome(*, access: CaseAccess, plan: Plan, description: str) -> PlanOutcome:
    """Add an outcome at the end of an active plan's list."""
    locked = _lock_plan(access, plan.pk)
    last = PlanOutcome.objects.filter(plan=locked).order_by("-position").values_list("position", flat=True).first()
    outcome = PlanOutcome(plan=locked, description=description.strip(), position=(last or 0) + 1)
    if not outcome.description:
        raise ValidationError({"description": "Say what the outcome is."})
    outcome.full_clean()
    outcome.save()
    access.log("add_plan_outcome", object_type="planoutcome", object_id=outcome.pk)
    return outcome


@checked(Action.MANAGE_PLAN)
def edit_outcome(*, access: CaseAccess, outcome: PlanOutcome, description: str) -> PlanOutcome:
    """Reword an outcome of an active plan."""
    locked = PlanOutcome.objects.select_for_update().filter(pk=outcome.pk, plan__case=access.case).first()
    if locked is None:
        raise ValidationError("That outcome belongs to another case.")
    _lock_plan(access, locked.plan_id)
    locked.description = description.strip()
    if not locked.description:
        raise ValidationError({"description": "Say what the outcome is."})
    locked.full_clean()
    locked.save(update_fields=["description"])
    access.log("edit_plan_outcome", object_type="planoutcome", object_id=locked.pk)
    return locked


# --- actions ---------------------------------------------------------------------------


def _owing_agency_team(case: Case, agency: Agency) -> list[CaseTeamMember]:
    """Active team places held for ``agency`` by people still active in it."""
    return list(
        CaseTeamMember.objects.filter(
            case=case,
            agency=agency,
            active=True,
            user__is_active=True,
            user__memberships__agency=agency,
            user__memberships__active=True,
        )
        .select_related("user")
        .distinct()
    )


def plan_action_title(owner_agency: Agency, due_at: datetime) -> str:
    """A plan action's deadline title: the agency and the date, never the description (it may
    carry case detail, and the title goes into reminder emails)."""
    return f"{owner_agency.name} plan action due {format_day(due_at)}"


@checked(Action.MANAGE_PLAN)
def add_plan_action(
    *,
    access: CaseAccess,
    outcome: PlanOutcome,
    description: str,
    owner_agency: Agency,
    due_at: datetime,
    owner: User | None = None,
) -> PlanAction:
    """What one agency (and, if named, one of its people on the team) will do towards an
    outcome, by when. Opens a plan-action deadline for the owner, or with no one named for
    the agency's people on the team, and tells them."""
    locked_outcome = PlanOutcome.objects.filter(pk=outcome.pk, plan__case=access.case).first()
    if locked_outcome is None:
        raise ValidationError({"outcome": "Choose an outcome of this plan."})
    plan = _lock_plan(access, locked_outcome.plan_id)
    if not description.strip():
        raise ValidationError({"description": "Say what will be done."})
    team = _owing_agency_team(access.case, owner_agency)
    if not team:
        raise ValidationError({"owner_agency": "Choose an agency with someone active on the case team."})
    if owner is not None and owner.pk not in {member.user_id for member in team}:
        raise ValidationError({"owner": f"Choose someone on the team for {owner_agency.name}, or no one."})
    if due_at <= timezone.now():
        raise ValidationError({"due_at": "The due date must be in the future."})
    action = PlanAction(
        plan=plan,
        outcome=locked_outcome,
        description=description.strip(),
        owner_agency=owner_agency,
        owner=owner,
        due_at=due_at,
    )
    action.full_clean()
    action.save()
    title = plan_action_title(owner_agency, due_at)
    deadline = open_deadline(
        kind=DeadlineKind.PLAN_ACTION,
        title=title,
        owner_agency=owner_agency,
        owner=owner,
        case=access.case,
        plan_action=action,
        due_at=due_at,
    )
    told = [owner] if owner is not None else [member.user for member in team]
    notify(
        [user for user in told if user.pk != access.user.pk],
        f"New plan action for {owner_agency.name}",
        f"A plan action for {owner_agency.name} on case {access.case.reference} is due {format_day(due_at)}. "
        "Open the case's plan in Tandem to see it.",
        deadline=deadline,
    )
    access.log("add_plan_action", object_type="planaction", object_id=action.pk)
    return action


def _complete(plan_action: PlanAction) -> None:
    plan_action.state = ActionState.DONE
    plan_action.completed_at = timezone.now()
    plan_action.save(update_fields=["state", "completed_at"])
    for deadline in live_deadlines(plan_action=plan_action):
        meet_deadline(deadline=deadline)


def record_progress(*, access: CaseAccess, plan_action: PlanAction, rating: str, note: str) -> ProgressUpdate:
    """A note of progress on an open action, by the agency that owes it (its people on the team
    and their supervisors) or by those who manage the plan. "Done" completes the action and
    meets its deadline."""
    check_plan_progress(access, plan_action)
    with transaction.atomic():
        return _record_progress(access=access, plan_action=plan_action, rating=rating, note=note)


def _record_progress(*, access: CaseAccess, plan_action: PlanAction, rating: str, note: str) -> ProgressUpdate:
    locked = _lock_action(access, plan_action)
    if rating not in ProgressRating.values:
        raise ValidationError({"rating": "Choose how the action is going."})
    if not note.strip():
        raise ValidationError({"note": "Say what has happened."})
    agency_id = access.basis.acting_agency_id
    if agency_id is None:
        raise ValidationError("You need an active agency membership to record progress.")
    update = ProgressUpdate(
        action=locked, author=access.user, author_agency_id=agency_id, rating=rating, note=note.strip()
    )
    update.full_clean()
    update.save()
    if rating == ProgressRating.DONE:
        _complete(locked)
    access.log("record_plan_progress", object_type="planaction", object_id=locked.pk)
    return update


def complete_plan_action(*, access: CaseAccess, plan_action: PlanAction, note: str = "") -> ProgressUpdate:
    """Mark an open action done (a "done" progress update): the same people as progress."""
    return record_progress(
        access=access, plan_action=plan_action, rating=ProgressRating.DONE, note=note.strip() or MARKED_DONE_NOTE
    )


def _drop(plan_action: PlanAction, reason: str) -> None:
    plan_action.state = ActionState.DROPPED
    plan_action.dropped_reason = reason
    plan_action.save(update_fields=["state", "dropped_reason"])
    for deadline in live_deadlines(plan_action=plan_action):
        cancel_deadline(deadline=deadline)


@checked(Action.MANAGE_PLAN)
def drop_plan_action(*, access: CaseAccess, plan_action: PlanAction, reason: str) -> PlanAction:
    """An open action is no longer needed: dropped with the reason, its deadline cancelled."""
    locked = _lock_action(access, plan_action)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the action is no longer needed."})
    if len(reason.strip()) > 300:
        raise ValidationError({"reason": "Keep the reason to 300 characters."})
    _drop(locked, reason.strip())
    access.log("drop_plan_action", object_type="planaction", object_id=locked.pk)
    return locked


# --- reviews and the end -----------------------------------------------------------------


@checked(Action.MANAGE_PLAN)
def review_plan(*, access: CaseAccess, plan: Plan, reviewed_on: date, summary: str, next_review_on: date) -> PlanReview:
    """Record a review of an active plan and set its next review: the review deadline due is
    met and the next one opened."""
    locked = _lock_plan(access, plan.pk)
    today = timezone.localdate()
    if reviewed_on > today:
        raise ValidationError({"reviewed_on": "The review date cannot be in the future."})
    if reviewed_on < locked.started_on:
        raise ValidationError({"reviewed_on": "The review cannot be before the plan started."})
    if not summary.strip():
        raise ValidationError({"summary": "Summarise what the review found and decided."})
    if next_review_on <= max(reviewed_on, today):
        raise ValidationError({"next_review_on": "The next review must be after today."})
    review = PlanReview(
        plan=locked,
        reviewed_on=reviewed_on,
        summary=summary.strip(),
        next_review_on=next_review_on,
        recorded_by=access.user,
    )
    review.full_clean()
    review.save()
    locked.next_review_on = next_review_on
    locked.save(update_fields=["next_review_on"])
    for deadline in _review_deadlines(access.case):
        meet_deadline(deadline=deadline)
    case = Case.objects.select_related("lead_agency", "lead_worker").get(pk=access.case.pk)
    _open_review_deadline(case=case, due_on=next_review_on, first=False)
    access.log("review_plan", object_type="plan", object_id=locked.pk)
    return review


@checked(Action.MANAGE_PLAN)
def end_plan(*, access: CaseAccess, plan: Plan, reason: str) -> Plan:
    """End an active plan with the reason: its open actions are dropped and their deadlines
    cancelled, the review deadline too, and the case's status steps back to open."""
    locked = _lock_plan(access, plan.pk)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the plan ends."})
    if len(reason.strip()) > 300:
        raise ValidationError({"reason": "Keep the reason to 300 characters."})
    for plan_action in PlanAction.objects.select_for_update().filter(plan=locked, state=ActionState.OPEN):
        _drop(plan_action, PLAN_ENDED_NOTE)
    for deadline in _review_deadlines(access.case):
        cancel_deadline(deadline=deadline)
    locked.state = PlanState.ENDED
    locked.ended_on = timezone.localdate()
    locked.end_reason = reason.strip()
    locked.save(update_fields=["state", "ended_on", "end_reason"])
    case = Case.objects.select_for_update().get(pk=access.case.pk)
    if case.status == CASE_STATUS_FOR[PlanKind(locked.kind)]:
        case.status = CaseStatus.OPEN
        case.save(update_fields=["status"])
        access.case.status = case.status
    access.log("end_plan", object_type="plan", object_id=locked.pk)
    return locked
