"""The outbox on the real database and a real Celery worker on the test session's Redis: a
message recorded twice is recorded once, nothing leaves before commit or for a rolled-back
transaction, a failing send is retried and sent once, and a dead worker's lease runs out so
another delivers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from smtplib import SMTPException
from typing import Any

import pytest
from django.core import mail
from django.core.mail import send_mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import transaction
from django.utils import timezone
from pytest_django.fixtures import Settings

from outbox import delivery
from outbox import services as outbox
from outbox.models import Message
from outbox.tasks import deliver_message, redeliver_stale
from tests.celery_worker import real_worker, wait_for

TEST_KIND = "tests.greeting"


def send_greeting(*, to: str, subject: str) -> bool:
    """The sender of TEST_KIND: one email. A subject of "nothing" has nothing to send."""
    if subject == "nothing":
        return False
    send_mail(subject=subject, message="Hello.", from_email=None, recipient_list=[to])
    return True


class FailingOnceBackend(EmailBackend):
    """An SMTP server that refuses the first message it is given."""

    failures = 0

    def send_messages(self, email_messages: Any) -> int:
        if FailingOnceBackend.failures == 0:
            FailingOnceBackend.failures += 1
            raise SMTPException("421 try again later")
        return super().send_messages(email_messages)


@pytest.fixture(autouse=True)
def greeting_sender(settings: Settings) -> None:
    settings.OUTBOX_SENDERS = {**settings.OUTBOX_SENDERS, TEST_KIND: f"{__name__}.send_greeting"}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def worker() -> Iterator[None]:
    with real_worker():
        yield


def sent(message_id: int) -> Callable[[], bool]:
    return lambda: Message.objects.filter(pk=message_id, sent_at__isnull=False).exists()


def greet(key: str, subject: str = "Hello", *, enqueue: bool = True) -> int | None:
    return outbox.record(
        kind=TEST_KIND, dedupe_key=key, payload={"to": "someone@example.org", "subject": subject}, enqueue=enqueue
    )


@pytest.mark.django_db
def test_the_same_key_twice_records_one_message():
    first = greet("greeting:1")
    assert greet("greeting:1", "Hello again") is None
    assert (
        outbox.record_many(kind=TEST_KIND, messages=[("greeting:1", {"to": "x@example.org", "subject": "Again"})]) == []
    )
    (message,) = Message.objects.filter(dedupe_key="greeting:1")
    assert message.pk == first and message.payload["subject"] == "Hello"


@pytest.mark.django_db
def test_a_message_is_sent_once_however_often_it_is_delivered():
    message_id = greet("greeting:2", enqueue=False)
    assert message_id is not None
    assert [delivery.deliver(message_id) for _ in range(3)] == [True, False, False]
    assert len(mail.outbox) == 1
    assert Message.objects.get(pk=message_id).attempts == 1


@pytest.mark.django_db
def test_a_message_with_nothing_to_send_is_never_tried_again():
    message_id = greet("greeting:3", "nothing", enqueue=False)
    assert message_id is not None
    assert delivery.deliver(message_id) is False
    message = Message.objects.get(pk=message_id)
    assert message.obsolete and message.sent_at is None
    Message.objects.filter(pk=message_id).update(queued_at=timezone.now() - timedelta(hours=1))
    assert delivery.take_stale() == []


@pytest.mark.django_db
def test_nothing_is_queued_before_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        greet("greeting:4")
        assert mail.outbox == []
    assert len(callbacks) == 1  # the enqueue, after commit


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_a_rolled_back_transaction_sends_nothing(worker: None):
    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), transaction.atomic():
        greet("greeting:rolled-back", "Never")
        raise Abandoned
    with transaction.atomic():
        committed = greet("greeting:committed", "Committed")
    assert committed is not None
    wait_for(sent(committed))
    time.sleep(1.0)  # time for anything else to (wrongly) arrive
    assert [m.subject for m in mail.outbox] == ["Committed"]
    assert not Message.objects.filter(dedupe_key="greeting:rolled-back").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_a_failing_send_is_retried_by_the_one_retry_policy_and_sent_once(worker: None, settings: Settings):
    FailingOnceBackend.failures = 0
    settings.EMAIL_BACKEND = f"{__name__}.FailingOnceBackend"
    with transaction.atomic():
        message_id = greet("greeting:retried")
    assert message_id is not None
    wait_for(sent(message_id))
    time.sleep(1.0)
    assert FailingOnceBackend.failures == 1
    assert len(mail.outbox) == 1
    message = Message.objects.get(pk=message_id)
    assert message.attempts == 2 and message.claimed_at is not None


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_a_dead_workers_lease_runs_out_and_another_worker_delivers(worker: None):
    message_id = greet("greeting:orphaned", enqueue=False)
    assert message_id is not None
    # A worker took the lease and died before sending: its lease holds, so nothing goes.
    Message.objects.filter(pk=message_id).update(claimed_at=timezone.now(), attempts=1)
    deliver_message.delay(message_id)
    wait_for(lambda: Message.objects.get(pk=message_id).attempts == 2)
    time.sleep(1.0)
    assert mail.outbox == []
    long_queued = timezone.now() - delivery.requeue_after() - timedelta(seconds=1)
    Message.objects.filter(pk=message_id).update(queued_at=long_queued)
    assert redeliver_stale() == []  # the lease still holds

    # Once the lease has run out, the safety net queues it again and another worker sends it, once.
    Message.objects.filter(pk=message_id).update(claimed_at=timezone.now() - delivery.lease() - timedelta(seconds=1))
    assert redeliver_stale() == [message_id]
    wait_for(sent(message_id))
    time.sleep(1.0)
    assert [m.subject for m in mail.outbox] == ["Hello"]
