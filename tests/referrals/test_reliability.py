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
from referrals import notifications
from referrals.models import Referral, ReferralStatus
from referrals.services import submit_public_concern
from referrals.tasks import SWEEP_AFTER, notify_front_door, notify_unnotified_referrals
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
            claimed = Referral.objects.filter(front_door_notified_at__isnull=False)
            FlakySMTPBackend.claimed_while_failing.append(claimed.filter(pk=str(self.watched_referral)).exists())
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
    """The referral as another connection sees it: only committed data."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT status, front_door_notified_at FROM referrals_referral WHERE id = %s", [referral_id])
            row = cursor.fetchone()
    finally:
        other.close()
    return (row[0], row[1]) if row else None


def _assert_tells_nothing_about_the_child(message: EmailMessage, referral: Referral) -> None:
    text = f"{message.subject}\n{message.body}"
    for detail in (referral.child_given_names, referral.child_family_name, referral.child_address):
        if detail:
            assert detail not in text


@pytest.mark.django_db(transaction=True)
def test_public_concern_survives_the_broker_being_down_and_the_sweep_sends_it_once(mailoutbox, eager_celery):
    agency = _front_door()
    down = OperationalError("Error 111 connecting to the broker. Connection refused.")
    with patch.object(notify_front_door, "delay", side_effect=down) as delay:
        referral = submit_public_concern(receiving_agency=agency, data=CONCERN)
    delay.assert_called_once_with(str(referral.pk))

    assert not connection.in_atomic_block
    assert _committed_row(referral.pk) == (ReferralStatus.SUBMITTED, None)
    assert mailoutbox == []

    # Too fresh for the sweep: a queued task may still be on its way.
    assert notify_unnotified_referrals.apply().get() == 0
    Referral.objects.filter(pk=referral.pk).update(submitted_at=timezone.now() - SWEEP_AFTER - timedelta(seconds=1))

    assert notify_unnotified_referrals.apply().get() == 1
    assert len(mailoutbox) == 1
    referral.refresh_from_db()
    assert referral.front_door_notified_at is not None
    message = mailoutbox[0]
    assert referral.reference in message.subject
    assert sorted(message.to) == sorted(
        agency.memberships.filter(role__in=[Role.INTAKE, Role.SUPERVISOR]).values_list("user__email", flat=True)
    )
    _assert_tells_nothing_about_the_child(message, referral)

    assert notify_unnotified_referrals.apply().get() == 0
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_failed_send_releases_the_claim_and_the_next_attempt_sends_once(flaky_smtp):
    referral = ReferralFactory.create(receiving_agency=_front_door())
    flaky_smtp.failures, flaky_smtp.watched_referral = 1, referral.pk

    with pytest.raises(smtplib.SMTPException):
        notifications.notify_front_door(str(referral.pk))

    assert flaky_smtp.claimed_while_failing == [True]
    referral.refresh_from_db()
    assert referral.front_door_notified_at is None
    assert mail.outbox == []

    assert notify_front_door.apply(args=(str(referral.pk),)).get() is True
    assert len(mail.outbox) == 1
    referral.refresh_from_db()
    assert referral.front_door_notified_at is not None
    _assert_tells_nothing_about_the_child(mail.outbox[0], referral)


@pytest.mark.django_db
def test_the_task_retries_an_smtp_failure_and_sends_exactly_once(flaky_smtp):
    referral = ReferralFactory.create(receiving_agency=_front_door())
    flaky_smtp.failures, flaky_smtp.watched_referral = 1, referral.pk

    result = notify_front_door.apply(args=(str(referral.pk),))

    assert flaky_smtp.attempts == 2 and flaky_smtp.claimed_while_failing == [True]
    assert result.get() is True
    assert len(mail.outbox) == 1
    _assert_tells_nothing_about_the_child(mail.outbox[0], referral)


@pytest.mark.django_db
def test_two_deliveries_of_the_same_task_send_one_email(mailoutbox):
    referral = ReferralFactory.create(receiving_agency=_front_door())

    first = notify_front_door.apply(args=(str(referral.pk),)).get()
    second = notify_front_door.apply(args=(str(referral.pk),)).get()

    assert (first, second) == (True, False)
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_delivery_while_the_first_is_sending_sends_nothing(settings, mailoutbox):
    settings.EMAIL_BACKEND = f"{__name__}.SlowSMTPBackend"
    SlowSMTPBackend.entered.clear()
    SlowSMTPBackend.go_on.clear()
    referral = ReferralFactory.create(receiving_agency=_front_door())
    results: dict[str, bool] = {}

    def deliver(name: str) -> None:
        try:
            results[name] = notify_front_door.apply(args=(str(referral.pk),)).get()
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
