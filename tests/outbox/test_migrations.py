"""The upgrade onto the outbox carries over what the old send-once mechanisms knew: nothing
sent before is sent again, nothing pending is lost, and a lease held at the upgrade holds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from deadlines import reminders
from deadlines.models import Notification, NotificationPreference, ReminderKind
from outbox import delivery
from outbox.models import Message
from referrals.models import ReferralStatus
from referrals.notifications import front_door_dedupe_key
from tests.clock import Clock
from tests.deadlines.test_reminders import DUE, OPENED, police_case_deadline
from tests.factories import ReferralFactory, UserFactory, front_door_agency, front_door_worker

BEFORE = [("deadlines", "0005_deadline_live_unowned"), ("referrals", "0001_initial")]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


@pytest.fixture
def before_the_outbox() -> Iterator[MigrationExecutor]:
    """The database as it was before the outbox's migrations; migrated to the latest after."""
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        yield executor
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)


def upgrade(executor: MigrationExecutor) -> None:
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def sql(statement: str, params: list[Any]) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0] if cursor.description else None


def old_claim(deadline_id: object, kind: str, *, sent_at: datetime | None = None, obsolete: bool = False) -> int:
    return sql(
        "INSERT INTO deadlines_reminderclaim (deadline_id, kind, due_version, claimed_at, sent_at, obsolete, attempts)"
        " VALUES (%s, %s, 1, %s, %s, %s, 1) RETURNING id",
        [deadline_id, kind, timezone.now(), sent_at, obsolete],
    )


def old_notification(
    recipient_id: int,
    *,
    claim_id: int | None = None,
    deadline_id: object = None,
    created_at: datetime | None = None,
    email_claimed_at: datetime | None = None,
    emailed_at: datetime | None = None,
) -> int:
    return sql(
        "INSERT INTO deadlines_notification (recipient_id, claim_id, deadline_id, title, body, created_at,"
        " email_claimed_at, emailed_at) VALUES (%s, %s, %s, 'Told', '', %s, %s, %s) RETURNING id",
        [recipient_id, claim_id, deadline_id, created_at or timezone.now(), email_claimed_at, emailed_at],
    )


def test_reminders_sent_or_claimed_before_the_upgrade_are_never_sent_again(
    before_the_outbox: MigrationExecutor, clock: Clock
) -> None:
    clock.at(OPENED)
    setup = police_case_deadline(DUE)
    deadline_id = setup.deadline.pk
    clock.at(DUE + timedelta(hours=1))  # every reminder has come due
    now = timezone.now()
    sent = old_claim(deadline_id, ReminderKind.BEFORE_5, sent_at=now)
    old_notification(setup.owner.pk, claim_id=sent, deadline_id=deadline_id, emailed_at=now)
    old_claim(deadline_id, ReminderKind.BEFORE_1, obsolete=True)
    # Being sent at the upgrade: the owner's email leased by a worker a moment ago.
    in_flight = old_claim(deadline_id, ReminderKind.DUE_TODAY)
    old_notification(setup.owner.pk, claim_id=in_flight, deadline_id=deadline_id, email_claimed_at=now)

    upgrade(before_the_outbox)

    messages = {m.payload["kind"]: m for m in Message.objects.filter(kind=reminders.REMINDER)}
    assert set(messages) == {ReminderKind.BEFORE_5, ReminderKind.BEFORE_1, ReminderKind.DUE_TODAY}
    assert messages[ReminderKind.BEFORE_5].sent_at is not None
    assert messages[ReminderKind.BEFORE_1].obsolete
    pending = messages[ReminderKind.DUE_TODAY]
    assert pending.sent_at is None and pending.claimed_at is not None  # the worker's lease holds
    assert Notification.objects.filter(reminder_kind=ReminderKind.BEFORE_5, recipient=setup.owner).count() == 1

    # The sweep records only the reminder never claimed; the one in flight waits out its lease.
    (overdue,) = reminders.sweep(enqueue=False)
    assert Message.objects.get(pk=overdue).payload["kind"] == ReminderKind.OVERDUE
    assert delivery.deliver(pending.pk) is False
    Message.objects.filter(pk=pending.pk).update(claimed_at=now - delivery.lease() - timedelta(seconds=1))
    assert delivery.deliver(pending.pk) is True
    assert [m.to for m in mail.outbox] == [[setup.owner.email]]
    assert Notification.objects.filter(reminder_kind=ReminderKind.DUE_TODAY, recipient=setup.owner).count() == 1


def test_event_emails_still_owed_at_the_upgrade_are_sent_once(before_the_outbox: MigrationExecutor) -> None:
    owed, emailed, old, digest = UserFactory.create_batch(4)
    NotificationPreference.objects.create(user=digest, daily_digest=True)
    now = timezone.now()
    owed_id = old_notification(owed.pk)
    old_notification(emailed.pk, emailed_at=now)
    old_notification(old.pk, created_at=now - timedelta(days=3))
    old_notification(digest.pk)

    upgrade(before_the_outbox)

    (message,) = Message.objects.filter(kind=reminders.NOTIFICATION_EMAIL)
    assert message.payload == {"notification_id": owed_id}
    assert delivery.deliver(message.pk) is True
    assert [m.to for m in mail.outbox] == [[owed.email]]


def test_front_doors_told_before_the_upgrade_are_not_told_again(before_the_outbox: MigrationExecutor) -> None:
    agency = front_door_agency()
    front_door_worker(agency)
    told = ReferralFactory.create(receiving_agency=agency)
    sql("UPDATE referrals_referral SET front_door_notified_at = now() WHERE id = %s RETURNING id", [told.pk])
    waiting = ReferralFactory.create(receiving_agency=agency)
    draft = ReferralFactory.create(receiving_agency=agency, status=ReferralStatus.DRAFT, submitted_at=None)

    upgrade(before_the_outbox)

    messages = {m.dedupe_key: m for m in Message.objects.filter(kind="referrals.front_door")}
    assert set(messages) == {front_door_dedupe_key(told.pk), front_door_dedupe_key(waiting.pk)}
    assert messages[front_door_dedupe_key(told.pk)].sent_at is not None
    assert delivery.deliver(messages[front_door_dedupe_key(told.pk)].pk) is False
    assert delivery.deliver(messages[front_door_dedupe_key(waiting.pk)].pk) is True
    assert len(mail.outbox) == 1 and waiting.reference in mail.outbox[0].subject
    assert front_door_dedupe_key(draft.pk) not in messages
