"""Every write to multi-agency meetings: scheduling (with invitations), rescheduling,
cancelling, recording a meeting held (which moves the statutory clock on), and the actions
agreed there. Each service checks the policy itself, runs in one transaction and is logged.

Scheduling, rescheduling and cancelling record each attendee's invitation in the outbox in
the same transaction (``invitations`` says what it holds and sends it, once per attendee and
revision of the meeting).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from access_control.policy import Action, CaseAccess, decide_completing_meeting_action
from agencies.models import Agency, AgencyKind, User
from cases.meetings import invitations
from cases.meetings.invitations import meeting_summary, meeting_when
from cases.models import (
    ActionState,
    Case,
    CaseStatus,
    CaseTeamMember,
    Meeting,
    MeetingAction,
    MeetingAttendee,
    MeetingKind,
    MeetingState,
)
from cases.services import checked
from deadlines import reminders
from deadlines.models import LIVE_STATES, Deadline, DeadlineKind, Notification
from deadlines.services import cancel_deadline, due_at_for, live_deadlines, meet_deadline, open_deadline

# A strategy discussion needs these three agencies round the table (Working Together 2023).
STRATEGY_AGENCY_KINDS = (AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.POLICE, AgencyKind.HEALTH)
MIN_DURATION_MINUTES = 15
MAX_DURATION_MINUTES = 8 * 60

# The question a held meeting answers about the next statutory stage (none for a core group).
NEXT_STAGE_QUESTIONS: dict[str, str] = {
    MeetingKind.STRATEGY_DISCUSSION: "Convene an initial child protection conference",
    MeetingKind.INITIAL_CONFERENCE: "Make a child protection plan",
    MeetingKind.REVIEW_CONFERENCE: "Continue the child protection plan",
}
# The case's statutory deadline a meeting of each kind meets when it is held.
MET_BY_HOLDING: dict[str, tuple[str, ...]] = {
    MeetingKind.STRATEGY_DISCUSSION: (DeadlineKind.STRATEGY_DISCUSSION,),
    MeetingKind.INITIAL_CONFERENCE: (DeadlineKind.INITIAL_CONFERENCE,),
    MeetingKind.CORE_GROUP: (DeadlineKind.FIRST_CORE_GROUP,),
    MeetingKind.REVIEW_CONFERENCE: (DeadlineKind.FIRST_REVIEW, DeadlineKind.LATER_REVIEW),
}
# What opens when the meeting moves to the next stage: (kind, title). Titles go into emails:
# they name the task, never anything recorded on the case.
OPENED_BY_NEXT_STAGE: dict[str, tuple[tuple[str, str], ...]] = {
    MeetingKind.STRATEGY_DISCUSSION: ((DeadlineKind.INITIAL_CONFERENCE, "Initial child protection conference due"),),
    MeetingKind.INITIAL_CONFERENCE: (
        (DeadlineKind.FIRST_CORE_GROUP, "First core group meeting due"),
        (DeadlineKind.FIRST_REVIEW, "First review child protection conference due"),
    ),
    MeetingKind.REVIEW_CONFERENCE: ((DeadlineKind.LATER_REVIEW, "Review child protection conference due"),),
}


# --- the strategy discussion rule -----------------------------------------------------------


def missing_strategy_agencies(attendance: Meeting | Iterable[Agency]) -> list[str]:
    """The agencies a strategy discussion must have and does not, by name of their kind
    ("Police", "Health"...), in a fixed order. For a meeting of another kind: none. The one
    place for this rule: the form, the service and the meeting page all ask it."""
    if isinstance(attendance, Meeting):
        if attendance.kind != MeetingKind.STRATEGY_DISCUSSION:
            return []
        present = set(attendance.attendees.values_list("agency__kind", flat=True))
    else:
        present = {agency.kind for agency in attendance}
    return [kind.label for kind in STRATEGY_AGENCY_KINDS if kind not in present]


def missing_agencies_message(missing: list[str]) -> str:
    names = " and ".join([", ".join(missing[:-1]), missing[-1]]) if len(missing) > 1 else missing[0]
    return (
        f"A strategy discussion should include children's social care, police and health. "
        f"Missing: {names}. Invite them, or confirm that you schedule it anyway."
    )


# --- scheduling ---------------------------------------------------------------------------


def _team_places(case: Case, users: Iterable[User]) -> dict[int, CaseTeamMember]:
    """Active team places of ``users`` on the case, held for an agency they still belong to."""
    wanted = {user.pk for user in users}
    places = CaseTeamMember.objects.filter(
        case=case,
        user__in=wanted,
        active=True,
        user__is_active=True,
        agency__active=True,
        agency__memberships__user=F("user"),
        agency__memberships__active=True,
    ).select_related("user", "agency")
    return {place.user_id: place for place in places}


def _not_closed(case: Case) -> None:
    if case.status == CaseStatus.CLOSED:
        raise ValidationError("This case is closed.")


def _check_timing(*, starts_at: datetime, duration_minutes: int, location: str) -> None:
    errors = _timing_errors(starts_at=starts_at, duration_minutes=duration_minutes, location=location)
    if errors:
        raise ValidationError(errors)


def _timing_errors(*, starts_at: datetime, duration_minutes: int, location: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if starts_at <= timezone.now():
        errors["starts_at"] = "The meeting must start in the future."
    if not MIN_DURATION_MINUTES <= duration_minutes <= MAX_DURATION_MINUTES:
        errors["duration_minutes"] = (
            f"A meeting lasts between {MIN_DURATION_MINUTES} minutes and {MAX_DURATION_MINUTES // 60} hours."
        )
    if not location.strip():
        errors["location"] = "Say where the meeting is (a room, or 'Video call')."
    return errors


@checked(Action.MANAGE_MEETINGS)
def schedule_meeting(
    *,
    access: CaseAccess,
    kind: str,
    starts_at: datetime,
    duration_minutes: int,
    location: str,
    chair: User,
    agenda: str,
    attendees: list[User],
    confirm_missing_agencies: bool = False,
) -> Meeting:
    """Schedule a meeting with people of the case team, each for the agency of their team
    place, chaired by one of them. A strategy discussion without children's social care,
    police and health is scheduled only when the organiser confirms. Each attendee is invited
    by email with a calendar attachment (after commit) and told in Tandem. Nothing statutory
    is met by scheduling: only holding the meeting meets its deadline."""
    _not_closed(access.case)
    # Every problem at once: the organiser fixes them all before sending again.
    errors = _timing_errors(starts_at=starts_at, duration_minutes=duration_minutes, location=location)
    if kind not in MeetingKind.values:
        errors["kind"] = "Choose a kind of meeting."
    places = _team_places(access.case, attendees)
    if not attendees:
        errors["attendees"] = "Invite at least one person from the case team."
    elif len(places) != len({user.pk for user in attendees}):
        errors["attendees"] = "Only people on the case team can be invited."
    elif chair.pk not in places:
        errors["chair"] = "The chair must be one of the people invited."
    if kind == MeetingKind.STRATEGY_DISCUSSION and "attendees" not in errors:
        missing = missing_strategy_agencies(place.agency for place in places.values())
        if missing and not confirm_missing_agencies:
            errors["confirm_missing_agencies"] = missing_agencies_message(missing)
    if errors:
        raise ValidationError(errors)
    meeting = Meeting(
        case=access.case,
        kind=kind,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        location=location.strip(),
        chair=chair,
        organiser=access.user,
        agenda=agenda.strip(),
    )
    meeting.full_clean()
    meeting.save()
    MeetingAttendee.objects.bulk_create(
        [MeetingAttendee(meeting=meeting, user=place.user, agency=place.agency) for place in places.values()]
    )
    access.log("schedule_meeting", object_type="meeting", object_id=meeting.pk)
    _invite(meeting, change="Invitation")
    return meeting


def _locked_meeting(access: CaseAccess, meeting: Meeting) -> Meeting:
    locked = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("case", "chair", "organiser")
        .filter(pk=meeting.pk, case=access.case)
        .first()
    )
    if locked is None:
        raise ValidationError("That meeting belongs to another case.")
    return locked


def _still_scheduled(meeting: Meeting) -> None:
    if meeting.state != MeetingState.SCHEDULED:
        raise ValidationError(f"This meeting is {meeting.get_state_display().lower()}: it can no longer change.")


@checked(Action.MANAGE_MEETINGS)
def reschedule_meeting(
    *, access: CaseAccess, meeting: Meeting, starts_at: datetime, duration_minutes: int, location: str
) -> Meeting:
    """Move a scheduled meeting. The calendar sequence goes up and every attendee gets the
    updated invitation, which replaces the old one in their calendar."""
    locked = _locked_meeting(access, meeting)
    _still_scheduled(locked)
    _check_timing(starts_at=starts_at, duration_minutes=duration_minutes, location=location)
    locked.starts_at = starts_at
    locked.duration_minutes = duration_minutes
    locked.location = location.strip()
    locked.sequence += 1
    locked.full_clean()
    locked.save(update_fields=["starts_at", "duration_minutes", "location", "sequence"])
    access.log("reschedule_meeting", object_type="meeting", object_id=locked.pk)
    _invite(locked, change="Updated invitation")
    return locked


@checked(Action.MANAGE_MEETINGS)
def cancel_meeting(*, access: CaseAccess, meeting: Meeting, reason: str) -> Meeting:
    """Cancel a scheduled meeting with a reason (kept on the meeting, not sent: it may carry
    case detail). Attendees get a calendar cancellation."""
    locked = _locked_meeting(access, meeting)
    _still_scheduled(locked)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the meeting is cancelled."})
    locked.state = MeetingState.CANCELLED
    locked.cancelled_reason = reason.strip()[:300]
    locked.sequence += 1
    locked.save(update_fields=["state", "cancelled_reason", "sequence"])
    for deadline in live_deadlines(meeting=locked):
        cancel_deadline(deadline=deadline)
    access.log("cancel_meeting", object_type="meeting", object_id=locked.pk)
    _invite(locked, change="Cancelled")
    return locked


# --- holding the meeting: minutes, decisions, attendance and the statutory clock -----------


@checked(Action.MANAGE_MEETINGS)
def record_meeting_held(
    *,
    access: CaseAccess,
    meeting: Meeting,
    held_at: datetime,
    minutes: str,
    decisions: str,
    attended: list[User],
    next_stage_agreed: bool | None = None,
) -> Meeting:
    """Record that the meeting took place: minutes and decisions (seen by the whole case
    team), who attended, and for a strategy discussion or conference whether it moved to the
    next statutory stage. The case's statutory deadline for this kind of meeting is met, and
    the next one opens (owed by the case lead): an initial conference 15 working days after a
    strategy discussion that convenes one; a first core group (10 working days) and first
    review (3 months) after an initial conference that makes a plan; the next review
    (6 months) after a review that continues it."""
    locked = _locked_meeting(access, meeting)
    _still_scheduled(locked)
    errors: dict[str, str] = {}
    if held_at > timezone.now():
        errors["held_at"] = "A meeting cannot be recorded as held in the future."
    if not minutes.strip():
        errors["minutes"] = "Write the minutes of the meeting."
    asks_next_stage = locked.kind in NEXT_STAGE_QUESTIONS
    if asks_next_stage and next_stage_agreed is None:
        errors["next_stage_agreed"] = f"Say whether the meeting decided: {NEXT_STAGE_QUESTIONS[locked.kind].lower()}."
    attendees = {a.user_id: a for a in MeetingAttendee.objects.filter(meeting=locked)}
    present = {user.pk for user in attended}
    if present - set(attendees):
        errors["attended"] = "Only people invited to the meeting can be recorded as attending."
    if errors:
        raise ValidationError(errors)
    locked.state = MeetingState.HELD
    locked.held_at = held_at
    locked.minutes = minutes.strip()
    locked.decisions = decisions.strip()
    locked.next_stage_agreed = next_stage_agreed if asks_next_stage else None
    locked.save(update_fields=["state", "held_at", "minutes", "decisions", "next_stage_agreed"])
    for attendee in attendees.values():
        attendee.attended = attendee.user_id in present
    MeetingAttendee.objects.bulk_update(list(attendees.values()), ["attended"])
    access.log("record_meeting_held", object_type="meeting", object_id=locked.pk)
    advance_statutory_clock(locked)
    return locked


def advance_statutory_clock(meeting: Meeting) -> list[Deadline]:
    """Meet the case's live deadline for this kind of meeting (the earliest due, if any), and
    open the next statutory deadline when the meeting moved to the next stage (unless one of
    that kind is already live). Returns the deadlines opened. Runs inside the caller's
    transaction."""
    case = Case.objects.select_related("lead_agency", "lead_worker").get(pk=meeting.case_id)
    held_at = meeting.held_at or timezone.now()
    due = (
        Deadline.objects.select_for_update()
        .filter(case=case, kind__in=MET_BY_HOLDING[meeting.kind], state__in=LIVE_STATES)
        .order_by("due_at")
        .first()
    )
    if due is not None:
        meet_deadline(deadline=due)
    if not meeting.next_stage_agreed:
        return []
    opened: list[Deadline] = []
    for kind, title in OPENED_BY_NEXT_STAGE.get(meeting.kind, ()):
        if Deadline.objects.filter(case=case, kind=kind, state__in=LIVE_STATES).exists():
            continue
        opened.append(
            open_deadline(
                kind=kind,
                title=title,
                owner=case.lead_worker,
                owner_agency=case.lead_agency,
                case=case,
                due_at=due_at_for(kind, held_at, case.lead_agency.jurisdiction),
            )
        )
    return opened


# --- actions agreed at the meeting ------------------------------------------------------------


def action_deadline_title(meeting: Meeting, due_at: datetime) -> str:
    """A meeting action's deadline title: the kind of meeting and the due date, never the
    description (which may carry case detail) — the title goes into reminder emails."""
    return f"Action from the {meeting.get_kind_display().lower()}: due {timezone.localtime(due_at):%d %b %Y}"


@checked(Action.MANAGE_MEETINGS)
def add_meeting_action(
    *, access: CaseAccess, meeting: Meeting, description: str, owner: User, due_at: datetime
) -> MeetingAction:
    """An action agreed at a held meeting, owed by a person on the case team for the agency of
    their team place, by ``due_at``: a deadline they are reminded of, and told about now."""
    locked = _locked_meeting(access, meeting)
    if locked.state != MeetingState.HELD:
        raise ValidationError("Actions are agreed at a meeting that has been held.")
    errors: dict[str, str] = {}
    if not description.strip():
        errors["description"] = "Describe the action."
    if due_at <= timezone.now():
        errors["due_at"] = "The action must be due in the future."
    place = _team_places(access.case, [owner]).get(owner.pk)
    if place is None:
        errors["owner"] = "The owner must be on the case team."
    if errors:
        raise ValidationError(errors)
    assert place is not None
    action = MeetingAction(
        meeting=locked,
        description=description.strip(),
        owner=owner,
        owner_agency=place.agency,
        due_at=due_at,
        created_by=access.user,
    )
    action.full_clean()
    action.save()
    deadline = open_deadline(
        kind=DeadlineKind.MEETING_ACTION,
        title=action_deadline_title(locked, due_at),
        owner=owner,
        owner_agency=place.agency,
        case=access.case,
        meeting_action=action,
        due_at=due_at,
    )
    access.log("add_meeting_action", object_type="meetingaction", object_id=action.pk)
    reminders.notify(
        [owner],
        f"Action for you from the {locked.get_kind_display().lower()}",
        f"{deadline.title}, on case {access.case.reference}. See it in Tandem.",
        deadline=deadline,
    )
    return action


def _locked_action(access: CaseAccess, action: MeetingAction) -> MeetingAction:
    locked = (
        MeetingAction.objects.select_for_update(of=("self",))
        .select_related("meeting")
        .filter(pk=action.pk, meeting__case=access.case)
        .first()
    )
    if locked is None:
        raise ValidationError("That action belongs to another case.")
    if locked.state != ActionState.OPEN:
        raise ValidationError(f"This action is already {locked.get_state_display().lower()}.")
    return locked


def complete_meeting_action(*, access: CaseAccess, action: MeetingAction) -> MeetingAction:
    """Mark an open action done: by its owner, or anyone who manages the case's meetings.
    Its deadline is met. A refusal is logged (and kept) before anything changes."""
    decision = decide_completing_meeting_action(access.user, access.basis, action)
    access.enforce(
        decision, "complete_meeting_action", object_type="meetingaction", object_id=action.pk, log_allowed=False
    )
    with transaction.atomic():
        locked = _locked_action(access, action)
        locked.state = ActionState.DONE
        locked.completed_at = timezone.now()
        locked.save(update_fields=["state", "completed_at"])
        for deadline in live_deadlines(meeting_action=locked):
            meet_deadline(deadline=deadline)
        access.log("complete_meeting_action", object_type="meetingaction", object_id=locked.pk, rule=decision.rule)
    return locked


@checked(Action.MANAGE_MEETINGS)
def drop_meeting_action(*, access: CaseAccess, action: MeetingAction, reason: str) -> MeetingAction:
    """An open action no longer needed, with the reason; its deadline is cancelled."""
    locked = _locked_action(access, action)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the action is no longer needed."})
    locked.state = ActionState.DROPPED
    locked.dropped_reason = reason.strip()[:300]
    locked.save(update_fields=["state", "dropped_reason"])
    for deadline in live_deadlines(meeting_action=locked):
        cancel_deadline(deadline=deadline)
    access.log("drop_meeting_action", object_type="meetingaction", object_id=locked.pk)
    return locked


# --- invitations --------------------------------------------------------------------------------


def _invite(meeting: Meeting, *, change: str) -> None:
    """Tell every attendee in Tandem now, and record their invitation emails in the outbox
    (sent after commit). The invitation is the email of that notification, so nobody gets two."""
    attendees = list(MeetingAttendee.objects.filter(meeting=meeting).select_related("user"))
    if change == "Cancelled":
        # Only those who were sent the meeting (or are being sent it) need to take it out of their calendar.
        in_flight = invitations.being_sent((a.pk for a in attendees), before=meeting.sequence)
        attendees = [a for a in attendees if a.invitation_sequence is not None or a.pk in in_flight]
    title = f"{change}: {meeting.get_kind_display().lower()}"
    body = f"{meeting_summary(meeting)}\n{meeting_when(meeting)}\n{meeting.location}"
    ids = reminders.notify([a.user for a in attendees], title, body, meeting=meeting)
    Notification.objects.filter(pk__in=ids).update(emailed_at=timezone.now())
    invitations.record_invitations(attendees, meeting.sequence)
