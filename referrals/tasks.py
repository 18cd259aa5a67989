"""Telling a front door that a referral is waiting. Thin tasks over a database claim:
the referral row says whether it was sent, so a retry or a second delivery sends nothing twice."""

from __future__ import annotations

from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone

from referrals import notifications

# A referral not notified this long after submission is picked up by the sweep.
SWEEP_AFTER = timedelta(minutes=2)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=None,
)
def notify_front_door(self: object, referral_id: str) -> bool:
    """Email the receiving front door once. Returns whether this run sent it."""
    return notifications.notify_front_door(referral_id)


@shared_task
def notify_unnotified_referrals() -> int:
    """Beat's safety net: queue every submitted referral whose front door was never told."""
    ids = notifications.unnotified_referral_ids(submitted_before=timezone.now() - SWEEP_AFTER)
    for referral_id in ids:
        notify_front_door.delay(referral_id)
    return len(ids)
