"""Reminders of deadlines and notifications of events. The database is the source of truth:
the sweep records each (deadline, reminder kind, due version) once in the outbox, whose
dedupe key makes a second sweep record nothing; the outbox delivers it once (a duplicate
delivery or a worker killed mid-send sends nothing twice and loses nothing) to
``send_reminder``, which tells each recipient in Tandem and by email. An event notification's
email (``notify``) is an outbox message of its own, sent by ``email_notification``.

What a reminder says is limited to what its recipient may see: the deadline's title (which
never carries a child's details) and due time, and the case or referral reference only when
the policy lets that recipient see it."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from access_control.policy import FRONT_DOOR_ROLES, supervision_over, visible_cases, visible_referrals
from agencies.models import Membership, Role, User
from cases.models import CaseTeamMember, Meeting
from deadlines.calendar import is_working_day
from deadlines.models import (
    LIVE_STATES,
    REMINDERS_DONE,
    Deadline,
    DeadlineState,
    Notification,
    NotificationPreference,
    ReminderKind,
)
from outbox import services as outbox

# The outbox kinds of a reminder and of an event notification's email (settings.OUTBOX_SENDERS).
REMINDER = "deadlines.reminder"
NOTIFICATION_EMAIL = "deadlines.notification_email"

SWEEP_BATCH = 5000


BEFORE_DAYS = {ReminderKind.BEFORE_5: 5, ReminderKind.BEFORE_1: 1}


@functools.lru_cache(maxsize=4096)
def subtract_working_days(day: date, days: int, jurisdiction: str = "GB-ENG") -> date:
    """The working day ``days`` working days before ``day``."""
    remaining = days
    while remaining:
        day -= timedelta(days=1)
        if is_working_day(day, jurisdiction):
            remaining -= 1
    return day


def _reminder_moments(
    *, due_at: datetime, jurisdiction: str, opened_at: datetime | None = None
) -> list[tuple[ReminderKind, datetime, bool]]:
    """Each reminder of a deadline due at ``due_at`` with the moment it comes due and whether
    it comes due *at* that moment (True) or only once it has passed (False: overdue)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    local_due = due_at.astimezone(zone)
    moments = []
    for kind, days in BEFORE_DAYS.items():
        remind_on = subtract_working_days(local_due.date(), days, jurisdiction)
        # The same time of day as the deadline, n working days earlier.
        moment = datetime.combine(remind_on, local_due.timetz())
        # A "due in 5 working days" for a deadline opened with one day to run would mislead.
        if opened_at is not None and moment < opened_at:
            continue
        moments.append((kind, moment, True))
    moments.append((ReminderKind.DUE_TODAY, datetime.combine(local_due.date(), time(0, 0), tzinfo=zone), True))
    moments.append((ReminderKind.OVERDUE, due_at, False))
    return moments


def _due_kinds(
    *, due_at: datetime, state: str, jurisdiction: str, now: datetime, opened_at: datetime | None = None
) -> list[ReminderKind]:
    return _kinds_and_next(due_at=due_at, state=state, jurisdiction=jurisdiction, now=now, opened_at=opened_at)[0]


def _kinds_and_next(
    *, due_at: datetime, state: str, jurisdiction: str, now: datetime, opened_at: datetime | None = None
) -> tuple[list[ReminderKind], datetime]:
    """The reminders come due by ``now``, and when the next one will (REMINDERS_DONE if none)."""
    if state not in LIVE_STATES:
        return [], REMINDERS_DONE
    kinds, upcoming = [], REMINDERS_DONE
    for kind, moment, at_the_moment in _reminder_moments(due_at=due_at, jurisdiction=jurisdiction, opened_at=opened_at):
        if now >= moment if at_the_moment else now > moment:
            kinds.append(kind)
        else:
            # Overdue comes due just after its moment: the sweep looks again from then on.
            upcoming = min(upcoming, moment if at_the_moment else moment + timedelta(microseconds=1))
    return kinds, upcoming


def next_reminder_at(
    *, due_at: datetime, state: str, jurisdiction: str, now: datetime, opened_at: datetime | None = None
) -> datetime:
    """The bookmark a sweep at ``now`` leaves on such a deadline: when its next reminder comes
    due (REMINDERS_DONE if none will). For writers of deadlines in bulk (generate_dataset)."""
    return _kinds_and_next(due_at=due_at, state=state, jurisdiction=jurisdiction, now=now, opened_at=opened_at)[1]


def reminders_due(deadline: Deadline, now: datetime) -> list[ReminderKind]:
    """The reminders of ``deadline`` whose time has come by ``now`` (claimed or not)."""
    return _due_kinds(
        due_at=deadline.due_at,
        state=deadline.state,
        jurisdiction=deadline.owner_agency.jurisdiction,
        now=now,
        opened_at=deadline.created_at,
    )


def reminder_dedupe_key(deadline_id: object, kind: str, due_version: int) -> str:
    """The outbox key of one reminder of one deadline at one due version: recorded once, ever."""
    return f"reminder:{deadline_id}:{kind}:{due_version}"


# Writes each deadline's new bookmark where its due version is still the one read, and
# returns the ids it could not write: deadlines moved meanwhile, whose reset bookmark the
# next sweep reads.
_BOOKMARK_SQL = """
WITH t AS (
    SELECT * FROM unnest(%s::uuid[], %s::int[], %s::timestamptz[]) AS t(id, due_version, next_at)
), written AS (
    UPDATE deadlines_deadline AS d SET next_reminder_at = t.next_at
    FROM t WHERE d.id = t.id AND d.due_version = t.due_version
    RETURNING d.id
)
SELECT t.id FROM t WHERE t.id NOT IN (SELECT id FROM written)
"""


def come_due(now: datetime) -> QuerySet[Deadline, tuple[Any, ...]]:
    """The live deadlines whose bookmark has come by ``now``, soonest first, as the sweep reads
    them: (id, due_at, due_version, state, jurisdiction, created_at)."""
    return (
        Deadline.objects.filter(state__in=LIVE_STATES, next_reminder_at__lte=now)
        .order_by("next_reminder_at")
        .values_list("id", "due_at", "due_version", "state", "owner_agency__jurisdiction", "created_at")
    )


def sweep(now: datetime | None = None, *, enqueue: bool = True) -> list[int]:
    """Mark live deadlines past due overdue and record in the outbox every reminder that has
    come due (each once, ever), queued after commit unless ``enqueue`` is False. Returns the
    new outbox messages' ids. (A reminder whose send was lost is the outbox's safety net's.)

    Only deadlines whose bookmark (``next_reminder_at``) has come are read (a new or moved
    deadline's is LOOK_NOW), over the ``deadline_live_next_reminder`` index, in batches: a
    sweep costs what has come due, not what is open. Each batch's reminders are one INSERT and
    its new bookmarks one UPDATE (guarded by the due version, so a deadline moved meanwhile
    keeps the database's reset and is looked at by the next sweep)."""
    now = now or timezone.now()
    claimed: list[int] = []
    with transaction.atomic():
        Deadline.objects.filter(state__in=[DeadlineState.OPEN, DeadlineState.EXTENDED], due_at__lt=now).update(
            state=DeadlineState.OVERDUE
        )
    # Every deadline read gets a bookmark after ``now``, so the next batch does not read it
    # again; only one moved meanwhile keeps its reset bookmark, and is left to the next sweep.
    # So this set holds only those (a handful), not every deadline read.
    moved_meanwhile: set[UUID] = set()
    while True:
        rows = list(come_due(now).exclude(pk__in=moved_meanwhile)[:SWEEP_BATCH])
        if not rows:
            break
        due_reminders: list[tuple[str, dict[str, object]]] = []
        bookmarks: tuple[list[object], list[int], list[datetime]] = ([], [], [])
        for deadline_id, due_at, due_version, state, jurisdiction, opened_at in rows:
            due, upcoming = _kinds_and_next(
                due_at=due_at, state=state, jurisdiction=jurisdiction, now=now, opened_at=opened_at
            )
            for kind in due:
                payload = {"deadline_id": str(deadline_id), "kind": kind.value, "due_version": due_version}
                due_reminders.append((reminder_dedupe_key(deadline_id, kind.value, due_version), payload))
            bookmarks[0].append(deadline_id)
            bookmarks[1].append(due_version)
            bookmarks[2].append(upcoming)
        with transaction.atomic(), connection.cursor() as cursor:
            claimed.extend(outbox.record_many(kind=REMINDER, messages=due_reminders, enqueue=enqueue))
            cursor.execute(_BOOKMARK_SQL, list(bookmarks))
            moved_meanwhile.update(row[0] for row in cursor.fetchall())
    return claimed


# --- who is told, and what they may be told -------------------------------------------


def _active_users(user_ids: Iterable[int | None]) -> list[User]:
    wanted = {pk for pk in user_ids if pk is not None}
    return list(User.objects.filter(pk__in=wanted, is_active=True).order_by("pk"))


def _supervisor_ids(deadline: Deadline) -> list[int]:
    if deadline.owner_id is None:
        return list(
            Membership.objects.filter(agency=deadline.owner_agency_id, role=Role.SUPERVISOR, active=True).values_list(
                "user_id", flat=True
            )
        )
    return list(
        supervision_over(deadline.owner_id, deadline.owner_agency_id).values_list("supervisor__user_id", flat=True)
    )


def recipients_for(deadline: Deadline, kind: str) -> list[User]:
    """The owner (or, with no one named, the owner agency's people on it); once overdue also
    the owner's supervisors and the case lead."""
    ids: list[int | None]
    if deadline.owner_id is not None:
        ids = [deadline.owner_id]
    elif deadline.case_id is not None:
        ids = list(
            CaseTeamMember.objects.filter(
                case=deadline.case_id,
                agency=deadline.owner_agency_id,
                active=True,
                user__memberships__agency=deadline.owner_agency_id,
                user__memberships__active=True,
            ).values_list("user_id", flat=True)
        )
    else:
        ids = list(
            Membership.objects.filter(
                agency=deadline.owner_agency_id, active=True, role__in=FRONT_DOOR_ROLES
            ).values_list("user_id", flat=True)
        )
    if kind == ReminderKind.OVERDUE:
        ids += _supervisor_ids(deadline)
        if deadline.case is not None:
            ids.append(deadline.case.lead_worker_id)
    return _active_users(ids)


def _subject_phrase(deadline: Deadline, recipient: User) -> str:
    case, referral = deadline.case, deadline.referral
    if case is not None:
        if visible_cases(recipient).filter(pk=case.pk).exists():
            return f"case {case.reference}"
        return "a case your agency works on"
    if referral is not None and visible_referrals(recipient).filter(pk=referral.pk).exists():
        return f"referral {referral.reference}"
    return "a referral your agency works on"


def notification_text(deadline: Deadline, kind: str, recipient: User) -> tuple[str, str]:
    """Title and body for one recipient: the deadline's title, its due time and a reference
    the recipient may see. Never a child's name or anything recorded on the case."""
    due = timezone.localtime(deadline.due_at).strftime("%a %d %b %Y %H:%M")
    title = f"{ReminderKind(kind).label}: {deadline.title}"[:200]
    body = f"{deadline.title}\nDue {due}, on {_subject_phrase(deadline, recipient)}."
    if kind == ReminderKind.OVERDUE and deadline.owner_id != recipient.pk:
        body += "\nYou are told because it is overdue and you supervise or lead this work."
    return title, body


def _digest_user_ids(user_ids: Iterable[int]) -> set[int]:
    return set(
        NotificationPreference.objects.filter(user__in=list(user_ids), daily_digest=True).values_list(
            "user_id", flat=True
        )
    )


def _email(notification: Notification) -> None:
    send_mail(
        subject=notification.title,
        message=f"{notification.body}\n\n{settings.SITE_URL.rstrip('/')}/",
        from_email=None,
        recipient_list=[notification.recipient.email],
    )
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())


def send_reminder(*, deadline_id: str, kind: str, due_version: int) -> bool:
    """The outbox's sender of one reminder: unless it has lapsed (met, cancelled, or the
    deadline extended since), tell each recipient in Tandem (one notification per reminder
    and person, whatever the retries) and email those who take no digest and were not emailed
    yet, so a retry after one person's email failed sends only the rest. Returns whether there
    was a reminder to send; SMTP errors propagate so the outbox retries."""
    deadline = Deadline.objects.select_related("case", "referral").filter(pk=deadline_id).first()
    if deadline is None or deadline.due_version != due_version or deadline.state not in LIVE_STATES:
        return False
    with transaction.atomic():
        for recipient in recipients_for(deadline, kind):
            title, body = notification_text(deadline, kind, recipient)
            Notification.objects.get_or_create(
                deadline=deadline,
                reminder_kind=kind,
                reminder_due_version=due_version,
                recipient=recipient,
                defaults={"title": title, "body": body},
            )
    notifications = list(
        Notification.objects.filter(deadline=deadline, reminder_kind=kind, reminder_due_version=due_version)
        .select_related("recipient")
        .order_by("pk")
    )
    digest = _digest_user_ids(n.recipient_id for n in notifications)
    for notification in notifications:
        if notification.emailed_at is None and notification.recipient_id not in digest:
            _email(notification)
    return True


# --- notifications of events (a contribution asked for, an assessment returned, ...) -----


def notify(
    recipients: Iterable[User],
    title: str,
    body: str = "",
    *,
    deadline: Deadline | None = None,
    meeting: Meeting | None = None,
) -> list[int]:
    """Tell people something happened: an in-app notification each, and an email recorded in
    the outbox, sent once after commit (digest users get it in their digest instead). The
    caller writes ``title`` and ``body`` for these recipients: nothing in them may be out of
    any recipient's sight, and never a child's details. The notification links to its
    ``deadline``'s item, or else to its ``meeting``, while the recipient may see it.
    Returns the notification ids."""
    people = [user for user in recipients if user.is_active]
    created = Notification.objects.bulk_create(
        [
            Notification(recipient=user, deadline=deadline, meeting=meeting, title=title[:200], body=body)
            for user in people
        ]
    )
    digest = _digest_user_ids(user.pk for user in people)
    outbox.record_many(
        kind=NOTIFICATION_EMAIL,
        messages=[
            (f"notification-email:{n.pk}", {"notification_id": n.pk}) for n in created if n.recipient_id not in digest
        ],
    )
    return [n.pk for n in created]


def email_notification(notification_id: int) -> bool:
    """The outbox's sender of an event notification's email. Returns whether it sent one:
    not when it was emailed already (a meeting's invitation is its notification's email), nor
    to someone who has since chosen a digest. SMTP errors propagate so the outbox retries."""
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or notification.emailed_at is not None:
        return False
    if _digest_user_ids([notification.recipient_id]):
        return False
    _email(notification)
    return True


def send_daily_digests(now: datetime | None = None) -> int:
    """One email to each digest user listing their unread notifications not yet in a digest.
    The notifications are claimed and the email sent in one transaction: a failure rolls the
    claim back for the retry. Returns how many digests were sent."""
    now = now or timezone.now()
    sent = 0
    user_ids = NotificationPreference.objects.filter(daily_digest=True, user__is_active=True).values_list(
        "user_id", flat=True
    )
    for user_id in list(user_ids):
        with transaction.atomic():
            pending = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(recipient=user_id, read_at__isnull=True, in_digest_at__isnull=True)
                .order_by("created_at")
            )
            if not pending:
                continue
            Notification.objects.filter(pk__in=[n.pk for n in pending]).update(in_digest_at=now)
            user = User.objects.get(pk=user_id)
            lines = "\n\n".join(f"- {n.title}\n  {n.body.replace(chr(10), chr(10) + '  ')}" for n in pending)
            send_mail(
                subject=f"Tandem: {len(pending)} reminder{'s' if len(pending) != 1 else ''} today",
                message=f"{lines}\n\n{settings.SITE_URL.rstrip('/')}/",
                from_email=None,
                recipient_list=[user.email],
            )
            sent += 1
    return sent
