"""Reminders through a real Celery worker on the test session's Redis (not eager mode):
repeated sweeps, duplicate deliveries, concurrent sweeps, email failures and a worker that
dies mid-send each end with the reminder emailed exactly once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from smtplib import SMTPException
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connections
from django.utils import timezone
from pytest_django.fixtures import Settings

from deadlines import reminders
from outbox import delivery
from outbox.models import Message
from outbox.tasks import deliver_message, redeliver_stale
from tests.celery_worker import real_worker, wait_for
from tests.clock import Clock
from tests.deadlines.test_reminders import DUE, OPENED, PoliceDeadline, notifications_of, police_case_deadline

LONDON = ZoneInfo("Europe/London")
# The BEFORE_5 reminder of DUE (and nothing else) has come due by then.
NOW = datetime(2026, 11, 30, 18, 0, tzinfo=LONDON)
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


class FailingOnceBackend(EmailBackend):
    """An SMTP server that refuses the first message it is given."""

    failures = 0

    def send_messages(self, email_messages: Any) -> int:
        if FailingOnceBackend.failures == 0:
            FailingOnceBackend.failures += 1
            raise SMTPException("421 try again later")
        return super().send_messages(email_messages)


class DyingBackend(EmailBackend):
    """The worker process is killed while talking to the SMTP server."""

    def send_messages(self, email_messages: Any) -> int:
        raise SystemExit("worker killed")


@pytest.fixture
def worker(settings: Settings) -> Iterator[None]:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with real_worker():
        yield


def claim_sent(claim_id: int) -> Callable[[], bool]:
    return lambda: Message.objects.filter(pk=claim_id, sent_at__isnull=False).exists()


def settle() -> None:
    """Give a duplicate delivery time to (wrongly) send a second email."""
    time.sleep(1.0)


@pytest.fixture
def setup(clock: Clock) -> PoliceDeadline:
    """The deadline is opened at OPENED; the clock then stands at NOW, the sweep's moment, so
    leases and sends are stamped when the sweep runs (the worker follows the same clock)."""
    clock.at(OPENED)
    deadline = police_case_deadline(DUE)
    clock.at(NOW)
    return deadline


def test_three_sweeps_email_each_reminder_once(worker: None, setup: PoliceDeadline) -> None:
    claimed = [reminders.sweep(NOW) for _ in range(3)]
    assert [len(c) for c in claimed] == [1, 0, 0]
    wait_for(claim_sent(claimed[0][0]))
    settle()
    assert [m.to for m in mail.outbox] == [[setup.owner.email]]


def test_same_task_delivered_twice_emails_once(worker: None, setup: PoliceDeadline) -> None:
    (claim_id,) = reminders.sweep(NOW, enqueue=False)
    deliver_message.delay(claim_id)
    deliver_message.delay(claim_id)
    wait_for(claim_sent(claim_id))
    settle()
    assert len(mail.outbox) == 1
    assert notifications_of(claim_id).count() == 1


def test_concurrent_sweeps_email_once(worker: None, setup: PoliceDeadline) -> None:
    results: list[list[int]] = []
    start = threading.Barrier(2)

    def sweep() -> None:
        try:
            start.wait()
            results.append(reminders.sweep(NOW))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(len(r) for r in results) == [0, 1]
    wait_for(claim_sent(next(r for r in results if r)[0]))
    settle()
    assert len(mail.outbox) == 1


def test_email_failure_is_retried_then_sent_once(worker: None, setup: PoliceDeadline, settings: Settings) -> None:
    FailingOnceBackend.failures = 0
    settings.EMAIL_BACKEND = f"{__name__}.FailingOnceBackend"
    (claim_id,) = reminders.sweep(NOW)
    wait_for(claim_sent(claim_id), timeout=20)
    settle()
    assert FailingOnceBackend.failures == 1
    assert len(mail.outbox) == 1
    assert Message.objects.get(pk=claim_id).attempts == 2


def test_worker_killed_mid_send_still_sends_once(worker: None, setup: PoliceDeadline, settings: Settings) -> None:
    # acks_late and reject-on-worker-lost make the broker redeliver a message whose worker died.
    assert deliver_message.acks_late and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    (claim_id,) = reminders.sweep(NOW, enqueue=False)
    settings.EMAIL_BACKEND = f"{__name__}.DyingBackend"
    with pytest.raises(SystemExit):
        delivery.deliver(claim_id)  # the dying worker: reminder leased, nothing sent
    notification = notifications_of(claim_id).get()
    assert Message.objects.get(pk=claim_id).claimed_at is not None and notification.emailed_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    # Redelivered at once: the lease is still held, so nothing is sent twice.
    deliver_message.delay(claim_id)
    wait_for(lambda: Message.objects.get(pk=claim_id).attempts >= 2)
    settle()
    assert mail.outbox == []

    # Past the lease, the outbox's safety net queues the unsent reminder again and it goes, once.
    Message.objects.filter(pk=claim_id).update(claimed_at=timezone.now() - delivery.lease() - timedelta(seconds=1))
    assert redeliver_stale(NOW + delivery.requeue_after() + timedelta(minutes=1)) == [claim_id]
    wait_for(claim_sent(claim_id))
    settle()
    assert [m.to for m in mail.outbox] == [[setup.owner.email]]
    assert settings.EMAIL_BACKEND.endswith("locmem.EmailBackend")
