"""Every write to deadlines: opening, meeting, cancelling, and extending them with a
supervisor's approval. Each service runs in one transaction and writes the access log."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta  # type: ignore[import-untyped]  # no stubs pinned
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from access_control.policy import Decision, Grounds, decide_asking_extension, decide_on_extension, enforce
from agencies.models import Agency, Jurisdiction, User
from cases.models import Case
from deadlines.calendar import due_after_working_days
from deadlines.models import (
    LIVE_STATES,
    Deadline,
    DeadlineKind,
    DeadlineState,
    Extension,
    Timescale,
    TimescaleUnit,
    TimescaleUrgency,
)
from referrals.models import Referral

DEFAULT_JURISDICTION = Jurisdiction.ENGLAND
SUBJECT_FIELDS = frozenset({"assessment", "contribution", "meeting", "meeting_action", "plan_action"})
logger = logging.getLogger(__name__)


# England's statutory timescales, as the first migration loads them: the last resort when a
# platform admin has removed a row, so that a deadline is never lost for want of one.
STATUTORY_DEFAULTS: dict[str, tuple[int, str]] = {
    DeadlineKind.REFERRAL_DECISION: (1, TimescaleUnit.WORKING_DAYS),
    DeadlineKind.ASSESSMENT: (45, TimescaleUnit.WORKING_DAYS),
    DeadlineKind.STRATEGY_DISCUSSION: (1, TimescaleUnit.WORKING_DAYS),
    DeadlineKind.INITIAL_CONFERENCE: (15, TimescaleUnit.WORKING_DAYS),
    DeadlineKind.FIRST_CORE_GROUP: (10, TimescaleUnit.WORKING_DAYS),
    DeadlineKind.FIRST_REVIEW: (3, TimescaleUnit.MONTHS),
    DeadlineKind.LATER_REVIEW: (6, TimescaleUnit.MONTHS),
    DeadlineKind.CONTRIBUTION: (10, TimescaleUnit.WORKING_DAYS),
}


# England's timescales for an urgency shorter than the kind's own, likewise the last resort.
URGENCY_DEFAULTS: dict[tuple[str, str], tuple[int, str]] = {
    (DeadlineKind.REFERRAL_DECISION, TimescaleUrgency.URGENT): (0, TimescaleUnit.WORKING_DAYS),
    (DeadlineKind.REFERRAL_DECISION, TimescaleUrgency.IMMEDIATE_RISK): (4, TimescaleUnit.HOURS),
    (DeadlineKind.STRATEGY_DISCUSSION, TimescaleUrgency.IMMEDIATE_RISK): (0, TimescaleUnit.WORKING_DAYS),
}


def timescale_for(kind: str, jurisdiction: str, urgency: str = TimescaleUrgency.ANY) -> Timescale:
    """The jurisdiction's timescale for ``kind`` at ``urgency``; England's when the jurisdiction
    has none; and the statutory default (logged) if even that row is missing. A timescale of
    the urgency's own (the jurisdiction's, else England's) comes before one for every urgency,
    so an urgent referral never falls back to the routine timescale while England has one."""
    urgencies = {urgency, TimescaleUrgency.ANY}
    rows = {
        (t.urgency, t.jurisdiction): t
        for t in Timescale.objects.filter(
            kind=kind, urgency__in=urgencies, jurisdiction__in={jurisdiction, DEFAULT_JURISDICTION}
        )
    }
    for key in (
        (urgency, jurisdiction),
        (urgency, DEFAULT_JURISDICTION),
        (TimescaleUrgency.ANY, jurisdiction),
        (TimescaleUrgency.ANY, DEFAULT_JURISDICTION),
    ):
        if key in rows:
            return rows[key]
    default = URGENCY_DEFAULTS.get((kind, urgency)) or STATUTORY_DEFAULTS.get(kind)
    if default is None:
        raise ValidationError({"kind": f"No timescale is set for {kind}."})
    logger.warning("No timescale row for %s (%s) in %s; using the statutory default.", kind, urgency, jurisdiction)
    amount, unit = default
    return Timescale(jurisdiction=DEFAULT_JURISDICTION, kind=kind, urgency=urgency, amount=amount, unit=unit)


def due_at_for(kind: str, start: datetime, jurisdiction: str, urgency: str = TimescaleUrgency.ANY) -> datetime:
    """When a ``kind`` deadline whose clock starts at ``start`` falls due, at ``urgency``.
    Working days end at close of business (0 working days: the same working day's, or the
    next one's if the clock starts after close or on a day off); hours run round the clock;
    calendar days and months keep the start's local time of day."""
    timescale = timescale_for(kind, jurisdiction, urgency)
    if timescale.unit == TimescaleUnit.WORKING_DAYS:
        # The working-day calendar of the jurisdiction whose timescale applies.
        return due_after_working_days(start, timescale.amount, timescale.jurisdiction)
    if timescale.unit == TimescaleUnit.HOURS:
        # Real hours (in UTC): the night the clocks change is no hour shorter or longer.
        return (start.astimezone(UTC) + timedelta(hours=timescale.amount)).astimezone(ZoneInfo(settings.TIME_ZONE))
    local = start.astimezone(ZoneInfo(settings.TIME_ZONE))
    naive = local.replace(tzinfo=None)
    if timescale.unit == TimescaleUnit.CALENDAR_DAYS:
        naive += timedelta(days=timescale.amount)
    else:
        naive += relativedelta(months=timescale.amount)
    return naive.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


def _log(*, by: User | None, action: str, deadline: Deadline, decision: Decision, says: str | None = None) -> None:
    """``decision`` about ``deadline``, in the access log (a refusal raises 403, saying ``says``)."""
    enforce(
        decision,
        user=by,
        action=action,
        object_type="deadline",
        object_id=deadline.pk,
        case_id=deadline.case_id,
        agency=deadline.owner_agency_id,
        says=says,
    )


@transaction.atomic
def open_deadline(
    *,
    kind: str,
    title: str,
    owner_agency: Agency,
    due_at: datetime,
    owner: User | None = None,
    case: Case | None = None,
    referral: Referral | None = None,
    **subject: Any,
) -> Deadline:
    """Open a deadline on a case or a referral. ``title`` goes into reminders and emails, so
    it must never carry a child's details (name, date of birth, address) or anything recorded
    on the case: describe the task, e.g. "Police contribution to the assessment". ``subject``
    names what on the case it is for: ``assessment``, ``contribution``, ``meeting``,
    ``meeting_action`` or ``plan_action``."""
    if kind not in DeadlineKind.values:
        raise ValidationError({"kind": "Unknown kind of deadline."})
    unknown = set(subject) - SUBJECT_FIELDS
    if unknown:
        raise TypeError(f"Not a deadline subject: {', '.join(sorted(unknown))}")
    deadline = Deadline(
        kind=kind,
        title=title,
        owner_agency=owner_agency,
        owner=owner,
        case=case,
        referral=referral,
        due_at=due_at,
        **subject,
    )
    deadline.full_clean()
    deadline.save()
    _log(by=None, action="open_deadline", deadline=deadline, decision=Grounds.DEADLINE_OPENED)
    return deadline


def live_deadlines(**subject: Any) -> list[Deadline]:
    """The deadlines still owed on a subject (e.g. ``contribution=...``, ``case=..., kind__in=...``)."""
    return list(Deadline.objects.filter(state__in=LIVE_STATES, **subject))


def _close(deadline: Deadline, state: str, action: str) -> Deadline:
    locked = Deadline.objects.select_for_update().get(pk=deadline.pk)
    if locked.state not in LIVE_STATES:
        raise ValidationError("This deadline is no longer open.")
    locked.state = state
    if state == DeadlineState.MET:
        locked.met_at = timezone.now()
    locked.save(update_fields=["state", "met_at"])
    _log(by=None, action=action, deadline=locked, decision=Grounds.deadline_closed(state))
    return locked


@transaction.atomic
def meet_deadline(*, deadline: Deadline) -> Deadline:
    """Mark a live deadline met; its unsent reminders become obsolete when their task runs."""
    return _close(deadline, DeadlineState.MET, "meet_deadline")


@transaction.atomic
def cancel_deadline(*, deadline: Deadline) -> Deadline:
    """Cancel a live deadline; nothing more is reminded."""
    return _close(deadline, DeadlineState.CANCELLED, "cancel_deadline")


def request_extension(*, by: User, deadline: Deadline, new_due_at: datetime, reason: str) -> Extension:
    """Ask for a later due time. The requester must see the deadline; a reason is required and
    only one request waits at a time. A refusal is logged (outside the transaction, so it stays)."""
    decision = decide_asking_extension(by, deadline)
    if not decision:
        says = "You cannot see this deadline."
        _log(by=by, action="request_extension", deadline=deadline, decision=decision, says=says)
    return _request_extension(by=by, deadline=deadline, new_due_at=new_due_at, reason=reason, decision=decision)


@transaction.atomic
def _request_extension(
    *, by: User, deadline: Deadline, new_due_at: datetime, reason: str, decision: Decision
) -> Extension:
    locked = Deadline.objects.select_for_update().get(pk=deadline.pk)
    if locked.state not in LIVE_STATES:
        raise ValidationError("Only an open deadline can be extended.")
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for the extension."})
    if new_due_at <= locked.due_at:
        raise ValidationError({"new_due_at": "The new due time must be later than the current one."})
    if locked.extensions.filter(state=Extension.State.PENDING).exists():
        raise ValidationError("An extension is already waiting for approval.")
    extension = Extension(deadline=locked, requested_by=by, reason=reason.strip(), new_due_at=new_due_at)
    extension.full_clean()
    extension.save()
    _log(by=by, action="request_extension", deadline=locked, decision=decision)
    return extension


ONLY_THE_SUPERVISOR = "Only the owner's supervisor decides an extension."


def decide_extension(*, by: User, extension: Extension, approve: bool) -> Extension:
    """Approve or reject a waiting extension. Only the owner's supervisor decides (a refusal is
    logged). Approval moves the due time and bumps ``due_version``, so claims for the old date
    lapse and the sweep plans new ones."""
    deadline = Deadline.objects.get(pk=extension.deadline_id)
    decision = decide_on_extension(by, deadline)
    if not decision:
        _log(by=by, action="decide_extension", deadline=deadline, decision=decision, says=ONLY_THE_SUPERVISOR)
    return _decide_extension(by=by, extension=extension, approve=approve)


@transaction.atomic
def _decide_extension(*, by: User, extension: Extension, approve: bool) -> Extension:
    locked = Extension.objects.select_for_update().get(pk=extension.pk)
    deadline = Deadline.objects.select_for_update().get(pk=locked.deadline_id)
    decision = decide_on_extension(by, deadline)
    if not decision:
        raise PermissionDenied(ONLY_THE_SUPERVISOR)
    if locked.state != Extension.State.PENDING:
        raise ValidationError("This extension has already been decided.")
    if locked.requested_by_id == by.pk:
        raise ValidationError("An extension is approved by someone other than who asked for it.")
    locked.state = Extension.State.APPROVED if approve else Extension.State.REJECTED
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.save(update_fields=["state", "decided_by", "decided_at"])
    if approve:
        if deadline.state not in LIVE_STATES:
            raise ValidationError("Only an open deadline can be extended.")
        deadline.due_at = locked.new_due_at
        deadline.due_version += 1
        deadline.state = DeadlineState.EXTENDED
        deadline.save(update_fields=["due_at", "due_version", "state"])
    _log(
        by=by,
        action="approve_extension" if approve else "reject_extension",
        deadline=deadline,
        decision=decision,
    )
    locked.deadline = deadline
    return locked
