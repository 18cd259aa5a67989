"""Deadline reminders. Thin tasks over database claims: beat's sweep claims what is due,
each send is idempotent, so retries, duplicate deliveries and redeliveries after a worker
dies send nothing twice. No countdowns or ETAs: the sweep is the clock."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from deadlines import reminders


@shared_task
def sweep_deadlines() -> int:
    """Beat, every two minutes: mark overdue, claim due reminders, queue their sends."""
    return len(reminders.sweep())


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=None,
)
def send_reminder(self: object, claim_id: int) -> bool:
    """Send one claimed reminder once. Returns whether this run finished it."""
    return reminders.send_reminder(claim_id)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=None,
)
def email_notification(self: object, notification_id: int) -> bool:
    """Email one event notification once (a contribution asked for, an assessment returned...)."""
    return reminders.email_notification(notification_id)


@shared_task
def send_daily_digests() -> int:
    """Beat, each morning: one email per digest user."""
    return reminders.send_daily_digests()
