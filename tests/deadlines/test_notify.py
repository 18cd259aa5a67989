"""Event notifications ("a contribution was asked of your agency"): in-app at once, emailed
once after commit, digest users left to their digest, and a lost email queued again by the
outbox's safety net."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from deadlines import reminders
from deadlines.models import Notification, NotificationPreference
from outbox import delivery
from outbox.models import Message
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_notify_writes_one_notification_each_and_emails_after_commit(django_capture_on_commit_callbacks):
    alice, bob = UserFactory.create(), UserFactory.create()
    with django_capture_on_commit_callbacks() as callbacks:
        ids = reminders.notify([alice, bob], "Contribution requested", "Case TDM-2026-000001, due Mon 7 Dec.")
    assert Notification.objects.filter(pk__in=ids).count() == 2
    assert mail.outbox == []  # nothing leaves before commit
    assert len(callbacks) == 1

    for notification_id in ids:
        assert reminders.email_notification(notification_id) is True
    assert sorted(m.to[0] for m in mail.outbox) == sorted([alice.email, bob.email])
    assert mail.outbox[0].subject == "Contribution requested"


def test_a_second_delivery_of_the_same_email_sends_nothing():
    user = UserFactory.create()
    [notification_id] = reminders.notify([user], "Assessment returned")
    assert reminders.email_notification(notification_id) is True
    assert reminders.email_notification(notification_id) is False
    assert len(mail.outbox) == 1


def test_inactive_people_are_not_told_and_digest_users_wait_for_their_digest():
    gone = UserFactory.create(is_active=False)
    digest = UserFactory.create()
    NotificationPreference.objects.create(user=digest, daily_digest=True)
    ids = reminders.notify([gone, digest], "Meeting invitation")
    assert Notification.objects.filter(pk__in=ids).get().recipient == digest
    assert reminders.email_notification(ids[0]) is False
    assert mail.outbox == []
    assert reminders.send_daily_digests() == 1
    assert "Meeting invitation" in mail.outbox[0].body


def _email_of(notification_id: int) -> Message:
    """The outbox message that emails one notification."""
    return Message.objects.get(kind=reminders.NOTIFICATION_EMAIL, payload__notification_id=notification_id)


def test_the_sweep_queues_again_an_email_whose_task_was_lost(django_capture_on_commit_callbacks):
    user = UserFactory.create()
    [notification_id] = reminders.notify([user], "Contribution requested")
    email = _email_of(notification_id)
    Message.objects.filter(pk=email.pk).update(queued_at=timezone.now() - timedelta(minutes=10))
    now = timezone.now()
    assert delivery.take_stale(now) == [email.pk]
    Message.objects.filter(pk=email.pk).update(queued_at=timezone.now() - timedelta(minutes=10))
    delivery.deliver(email.pk)
    assert delivery.take_stale(now) == []  # sent: never again


def test_the_sweep_leaves_a_live_email_lease_and_reminder_notifications_alone():
    user = UserFactory.create()
    [leased] = reminders.notify([user], "Leased")
    [fresh] = reminders.notify([user], "Just written")
    old = timezone.now() - timedelta(minutes=10)
    Message.objects.filter(pk=_email_of(leased).pk).update(queued_at=old, claimed_at=timezone.now())
    assert delivery.take_stale(timezone.now()) == []
    assert fresh  # written a moment ago: its own task is still on its way
