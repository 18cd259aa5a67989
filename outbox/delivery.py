"""Delivering what the outbox holds: lease one message, hand it to its sender, stamp it sent.

The lease is a conditional UPDATE committed before the sender runs, so two deliveries of the
same message (a retry, a duplicate on the queue, a redelivery after a worker died) send it
once; a dead worker's lease runs out and the next delivery sends. A sender that raises gives
the lease back at once, and the error goes on to the task's retry policy (outbox.tasks).

A sender is a function of the message's payload (as keyword arguments) that returns whether
it sent anything: False means there is nothing left to send (the deadline was met, the person
takes a digest...), and the message is never tried again. It must be idempotent about what it
writes, because a worker may die after sending and before the message is stamped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from outbox.models import Message

Sender = Callable[..., bool]


class SendLater(Exception):
    """Raised by a sender that cannot send yet (say, nobody is there to receive it): the
    lease is given back and the delivery retried, like a failing mail server."""


def lease() -> timedelta:
    """How long a lease holds before it is taken to be a dead worker's (read at call time)."""
    return timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def requeue_after() -> timedelta:
    """How long a queued, unsent message waits before the safety net queues it again."""
    return timedelta(seconds=settings.OUTBOX_REQUEUE_SECONDS)


@cache
def sender_for(kind: str) -> Sender:
    """The sender of a kind of message, named in settings.OUTBOX_SENDERS: the outbox sits below
    the apps whose messages it carries, so it learns their senders from the settings."""
    sender: Sender = import_string(settings.OUTBOX_SENDERS[kind])
    return sender


# Every delivery of an unsent message counts as an attempt; it takes the lease only when the
# lease is free or has run out. One statement, so two deliveries cannot both take it.
_LEASE_SQL = """
UPDATE outbox_message
SET attempts = attempts + 1,
    claimed_at = CASE WHEN claimed_at IS NULL OR claimed_at < %(expired)s THEN %(now)s ELSE claimed_at END
WHERE id = %(id)s AND sent_at IS NULL AND NOT obsolete
RETURNING claimed_at = %(now)s
"""


def deliver(message_id: int) -> bool:
    """Send one message unless it was sent, has nothing left to send or is leased by another
    worker. Returns whether this run sent it; a sender's error propagates (after the lease is
    given back) so the task retries."""
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_LEASE_SQL, {"id": message_id, "now": now, "expired": now - lease()})
        row = cursor.fetchone()
    if row is None or not row[0]:
        return False
    message = Message.objects.get(pk=message_id)
    try:
        sent = sender_for(message.kind)(**message.payload)
    except Exception:
        Message.objects.filter(pk=message_id, claimed_at=now, sent_at__isnull=True).update(claimed_at=None)
        raise
    finished = timezone.now()
    if sent:
        Message.objects.filter(pk=message_id).update(sent_at=finished)
    else:
        Message.objects.filter(pk=message_id).update(obsolete=True)
    return sent


_TAKE_STALE_SQL = """
UPDATE outbox_message SET queued_at = %(now)s
WHERE id IN (
    SELECT id FROM outbox_message
    WHERE sent_at IS NULL AND NOT obsolete AND queued_at < %(stale)s
      AND (claimed_at IS NULL OR claimed_at < %(expired)s)
    ORDER BY queued_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED
)
RETURNING id
"""


def take_stale(now: datetime | None = None, *, limit: int = 5000) -> list[int]:
    """The unsent messages queued longer ago than the requeue delay and not leased by a live
    worker (their enqueue was lost, or their worker died), stamped as queued again at ``now``."""
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _TAKE_STALE_SQL, {"now": now, "stale": now - requeue_after(), "expired": now - lease(), "limit": limit}
        )
        return sorted(row[0] for row in cursor.fetchall())
