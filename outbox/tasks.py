"""The outbox's Celery tasks: the one delivery task, with the one retry policy every message
shares, and the safety net that queues again what was never sent."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from smtplib import SMTPException

from celery import shared_task
from kombu.exceptions import OperationalError

from outbox import delivery

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(SMTPException, OSError, delivery.SendLater),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=None,
)
def deliver_message(self: object, message_id: int) -> bool:
    """Send one outbox message once. Returns whether this run sent it."""
    return delivery.deliver(message_id)


@shared_task
def redeliver_stale(now: datetime | None = None) -> list[int]:
    """Beat, every two minutes: queue again each message whose enqueue was lost or whose worker died."""
    message_ids = delivery.take_stale(now)
    enqueue(message_ids)
    return message_ids


def enqueue(message_ids: Iterable[int]) -> None:
    """Put messages on the queue. If the broker cannot take them now, they stay unsent in the
    database and ``redeliver_stale`` queues them again."""
    for message_id in message_ids:
        try:
            deliver_message.delay(message_id)
        except OperationalError:
            logger.warning("Could not queue outbox message %s; the safety net retries it.", message_id, exc_info=True)
            return
