"""Deadline reminders on beat. The sweep records what has come due in the outbox, which sends
each reminder once (outbox.tasks). No countdowns or ETAs: the sweep is the clock."""

from __future__ import annotations

from celery import shared_task

from deadlines import reminders


@shared_task
def sweep_deadlines() -> int:
    """Beat, every two minutes: mark overdue, record each reminder come due in the outbox."""
    return len(reminders.sweep())


@shared_task
def send_daily_digests() -> int:
    """Beat, each morning: one email per digest user."""
    return reminders.send_daily_digests()
