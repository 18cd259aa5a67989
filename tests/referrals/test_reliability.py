"""A concern, once submitted, is never lost: it is committed before the front door is told,
a broker or SMTP failure after that is retried by the sweep or the task, and nothing is
sent twice. The broker and the SMTP server are outside the system: those are the only
things made to fail here."""

from __future__ import annotations

import smtplib
import threading
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any
from unittest.mock import patch
from uuid import UUID

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection, connections
from django.utils import timezone
from kombu.exceptions import OperationalError

from agencies.models import Agency, Role
from config.celery import app as celery_app
from outbox import delivery
from outbox import services as outbox
from outbox.models import Message
from outbox.tasks import deliver_message, redeliver_stale
from referrals.models import Referral, ReferralStatus
from referrals.notifications import FRONT_DOOR, front_door_dedupe_key
from referrals.services import submit_public_concern
from tests.factories import ReferralFactory, front_door_agency, front_door_worker

CONCERN = {
    "referrer_name": "A neighbour",
    "referrer_contact": "07700 900 123",
    "child_given_names": "Tamsin",
    "child_family_name": "Wexley",
    "child_address": "14 Mill Lane, Northbridge",
    "concern_description": "I hear a small child crying for hours at night and nobody comes to her.",
}


class FlakySMTPBackend(LocmemBackend):
    """An SMTP server that refuses the first ``failures`` messages, then delivers (to
    ``mail.outbox``). Records whether the referral was claimed while a send was failing."""

    failures = 0
    attempts = 0
    claimed_while_failing: list[bool] = []
    watched_referral: UUID | None = None

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        FlakySMTPBackend.attempts += 1
        if FlakySMTPBackend.failures > 0:
            FlakySMTPBackend.failures -= 1
            claimed = Message.objects.filter(claimed_at__isnull=False, sent_at__isnull=True)
            key = front_door_dedupe_key(self.watched_referral)
            FlakySMTPBackend.claimed_while_failing.append(claimed.filter(dedupe_key=key).exists())
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(email_messages)


class SlowSMTPBackend(LocmemBackend):
    """An SMTP server that holds the first message until told to go on."""

    entered = threading.Event()
    go_on = threading.Event()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        SlowSMTPBackend.entered.set()
        SlowSMTPBackend.go_on.wait(timeout=10)
        return super().send_messages(email_messages)


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Run queued tasks in-process, as a worker would, so the sweep's ``delay`` calls run."""
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = False


@pytest.fixture
def flaky_smtp(settings: Any) -> Iterator[type[FlakySMTPBackend]]:
    settings.EMAIL_BACKEND = f"{__name__}.FlakySMTPBackend"
    FlakySMTPBackend.failures, FlakySMTPBackend.attempts = 0, 0
    FlakySMTPBackend.claimed_while_failing = []
    yield FlakySMTPBackend
    FlakySMTPBackend.failures = 0


def _front_door() -> Agency:
    agency = front_door_agency(name="Northbridge Children's Services")
    front_door_worker(agency)
    front_door_worker(agency, Role.SUPERVISOR)
    return agency


def _committed_row(referral_id: UUID) -> tuple[str, object] | None:
    """The referral, and when its front door was told, as another connection sees them: only committed data."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT r.status, m.sent_at FROM referrals_referral r"
                " LEFT JOIN outbox_message m ON m.dedupe_key = 'front-door:' || r.id::text WHERE r.id = %s",
                [referral_id],
            )
            row = cursor.fetchone()
    finally:
        other.close()
    return (row[0], row[1]) if row else None


def _front_door_message(referral: Referral) -> Message:
    return Message.objects.get(dedupe_key=front_door_dedupe_key(referral.pk))


def _recorded(referral: Referral) -> int:
    """A referral made by the factory, with its front door's notification recorded as
    submitting it records it (but not queued: each test delivers it itself)."""
    message_id = outbox.record(
        kind=FRONT_DOOR,
        dedupe_key=front_door_dedupe_key(referral.pk),
        payload={"referral_id": str(referral.pk)},
        enqueue=False,
    )
    assert message_id is not None
    return message_id


def _assert_tells_nothing_about_the_child(message: EmailMessage, referral: Referral) -> None:
    text = f"{message.subject}\n{message.body}"
    for detail in (referral.child_given_names, referral.child_family_name, referral.child_address):
        if detail:
            assert detail not in text


@pytest.mark.django_db(transaction=True)
def test_public_concern_survives_the_broker_being_down_and_the_sweep_sends_it_once(mailoutbox, eager_celery):
    agency = _front_door()
    down = OperationalError("Error 111 connecting to the broker. Connection refused.")
    with patch.object(deliver_message, "delay", side_effect=down) as delay:
        referral = submit_public_concern(receiving_agency=agency, data=CONCERN)
    delay.assert_called_once_with(_front_door_message(referral).pk)

    assert not connection.in_atomic_block
    assert _committed_row(referral.pk) == (ReferralStatus.SUBMITTED, None)
    assert mailoutbox == []

    # Too fresh for the sweep: a queued task may still be on its way.
    assert redeliver_stale.apply().get() == []
    Message.objects.filter(dedupe_key=front_door_dedupe_key(referral.pk)).update(
        queued_at=timezone.now() - delivery.requeue_after() - timedelta(seconds=1)
    )

    assert redeliver_stale.apply().get() == [_front_door_message(referral).pk]
    assert len(mailoutbox) == 1
    referral.refresh_from_db()
    assert _front_door_message(referral).sent_at is not None
    message = mailoutbox[0]
    assert referral.reference in message.subject
    assert sorted(message.to) == sorted(
        agency.memberships.filter(role__in=[Role.INTAKE, Role.SUPERVISOR]).values_list("user__email", flat=True)
    )
    _assert_tells_nothing_about_the_child(message, referral)

    assert redeliver_stale.apply().get() == []
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_failed_send_releases_the_claim_and_the_next_attempt_sends_once(flaky_smtp):
    referral = ReferralFactory.create(receiving_agency=_front_door())
    message_id = _recorded(referral)
    flaky_smtp.failures, flaky_smtp.watched_referral = 1, referral.pk

    with pytest.raises(smtplib.SMTPException):
        delivery.deliver(message_id)

    assert flaky_smtp.claimed_while_failing == [True]
    message = _front_door_message(referral)
    assert message.sent_at is None and message.claimed_at is None
    assert mail.outbox == []

    assert deliver_message.apply(args=(message_id,)).get() is True
    assert len(mail.outbox) == 1
    assert _front_door_message(referral).sent_at is not None
    _assert_tells_nothing_about_the_child(mail.outbox[0], referral)


@pytest.mark.django_db
def test_the_task_retries_an_smtp_failure_and_sends_exactly_once(flaky_smtp):
    referral = ReferralFactory.create(receiving_agency=_front_door())
    message_id = _recorded(referral)
    flaky_smtp.failures, flaky_smtp.watched_referral = 1, referral.pk

    result = deliver_message.apply(args=(message_id,))

    assert flaky_smtp.attempts == 2 and flaky_smtp.claimed_while_failing == [True]
    assert result.get() is True
    assert len(mail.outbox) == 1
    _assert_tells_nothing_about_the_child(mail.outbox[0], referral)


@pytest.mark.django_db
def test_two_deliveries_of_the_same_task_send_one_email(mailoutbox):
    referral = ReferralFactory.create(receiving_agency=_front_door())
    message_id = _recorded(referral)

    first = deliver_message.apply(args=(message_id,)).get()
    second = deliver_message.apply(args=(message_id,)).get()

    assert (first, second) == (True, False)
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_delivery_while_the_first_is_sending_sends_nothing(settings, mailoutbox):
    settings.EMAIL_BACKEND = f"{__name__}.SlowSMTPBackend"
    SlowSMTPBackend.entered.clear()
    SlowSMTPBackend.go_on.clear()
    referral = ReferralFactory.create(receiving_agency=_front_door())
    message_id = _recorded(referral)
    results: dict[str, bool] = {}

    def deliver(name: str) -> None:
        try:
            results[name] = deliver_message.apply(args=(message_id,)).get()
        finally:
            connection.close()

    first = threading.Thread(target=deliver, args=("first",))
    first.start()
    assert SlowSMTPBackend.entered.wait(timeout=10)
    second = threading.Thread(target=deliver, args=("second",))
    second.start()
    second.join(timeout=0.5)  # it waits on the first one's claim
    SlowSMTPBackend.go_on.set()
    first.join(timeout=10)
    second.join(timeout=10)

    assert results == {"first": True, "second": False}
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_front_door_with_nobody_working_it_is_told_once_somebody_does(mailoutbox):
    agency = front_door_agency(name="Eastfield Children's Services")
    referral = ReferralFactory.create(receiving_agency=agency)
    message_id = _recorded(referral)

    with pytest.raises(delivery.SendLater):
        delivery.deliver(message_id)
    message = _front_door_message(referral)
    assert message.sent_at is None and message.claimed_at is None and not message.obsolete
    assert mailoutbox == []

    worker = front_door_worker(agency)
    assert delivery.deliver(message_id) is True
    assert [m.to for m in mailoutbox] == [[worker.email]]
