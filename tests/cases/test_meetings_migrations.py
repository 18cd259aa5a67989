"""The upgrade of meeting invitations onto the outbox carries over what the attendee lease
knew: no revision sent before is sent again, no invitation owed is lost, a lease held at the
upgrade holds; and going back hands the pending leases to the attendees again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from agencies.models import User
from cases.meetings import invitations
from cases.models import Meeting, MeetingAttendee
from outbox import delivery
from outbox.models import Message
from tests.cases.meeting_helpers import MeetingTeam, in_days, meeting_team, schedule

BEFORE = [("cases", "0008_matching_name_lookups")]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


@pytest.fixture
def before_the_outbox() -> Iterator[MigrationExecutor]:
    """An executor to take the database back to before invitations moved onto the outbox
    (``migrate(executor, BEFORE)``) and up again; the latest at the end whatever happens.
    Each test builds its world with today's models first, then goes back: today's models
    have columns (and tables) that later migrations added, which the old schema has not."""
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        yield executor
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)


def migrate(executor: MigrationExecutor, targets: list[tuple[str, str]] | None = None) -> None:
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


def sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def old_meeting(team: MeetingTeam, *, sequence: int, starts_in_days: float = 3) -> Meeting:
    """A meeting as the old code left it: no outbox messages (the old code wrote none)."""
    meeting = schedule(team, starts_at=in_days(3))
    Message.objects.filter(kind=invitations.INVITATION).delete()
    Meeting.objects.filter(pk=meeting.pk).update(sequence=sequence, starts_at=in_days(starts_in_days))
    return meeting


def attendee(meeting: Meeting, user: User) -> MeetingAttendee:
    return MeetingAttendee.objects.get(meeting=meeting, user=user)


def old_state(row: MeetingAttendee, *, sequence: int | None, claimed: bool = False) -> None:
    sql(
        "UPDATE cases_meetingattendee SET invitation_sequence = %s, invitation_claimed_at = %s WHERE id = %s",
        [sequence, timezone.now() if claimed else None, row.pk],
    )


def test_invitations_sent_or_leased_before_the_upgrade_are_never_sent_twice(before_the_outbox):
    team = meeting_team()
    meeting = old_meeting(team, sequence=1)  # rescheduled once
    long_past = old_meeting(team, sequence=0, starts_in_days=-3)  # the old safety net let it go
    migrate(before_the_outbox, BEFORE)
    up_to_date = attendee(meeting, team.lead)
    behind = attendee(meeting, team.police.user)
    in_flight = attendee(meeting, team.health.user)
    old_state(up_to_date, sequence=1)
    old_state(behind, sequence=0)  # sent the first revision, not yet the update
    old_state(in_flight, sequence=None, claimed=True)  # a worker was sending it at the upgrade
    for row in MeetingAttendee.objects.filter(meeting=meeting).exclude(pk__in=[up_to_date.pk, behind.pk]):
        if row.pk != in_flight.pk:
            old_state(row, sequence=1)

    migrate(before_the_outbox)

    messages = {m.dedupe_key: m for m in Message.objects.filter(kind=invitations.INVITATION)}
    key = invitations.invitation_dedupe_key
    assert messages[key(up_to_date.pk, 1)].sent_at is not None
    assert messages[key(behind.pk, 0)].sent_at is not None
    pending = {k for k, m in messages.items() if m.sent_at is None}
    assert pending == {key(behind.pk, 1), key(in_flight.pk, 1)}
    assert not {int(k.split(":")[1]) for k in messages} & set(long_past.attendees.values_list("pk", flat=True))
    # Recording an invitation already sent records nothing; delivering one sent sends nothing.
    assert invitations.record_invitations([up_to_date], 1) == []
    assert delivery.deliver(messages[key(up_to_date.pk, 1)].pk) is False

    assert delivery.deliver(messages[key(behind.pk, 1)].pk) is True
    leased = messages[key(in_flight.pk, 1)]
    assert delivery.deliver(leased.pk) is False  # the worker's lease holds
    Message.objects.filter(pk=leased.pk).update(claimed_at=timezone.now() - delivery.lease() - timedelta(seconds=1))
    assert delivery.deliver(leased.pk) is True
    assert sorted(m.to[0] for m in mail.outbox) == sorted([team.police.user.email, team.health.user.email])
    assert all(m.subject.startswith("Updated invitation:") for m in mail.outbox)


def test_going_back_hands_pending_leases_to_the_attendees(before_the_outbox):
    team = meeting_team()
    meeting = old_meeting(team, sequence=0)
    migrate(before_the_outbox, BEFORE)
    in_flight = attendee(meeting, team.health.user)
    old_state(in_flight, sequence=None, claimed=True)

    migrate(before_the_outbox)
    migrate(before_the_outbox, BEFORE)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM cases_meetingattendee WHERE meeting_id = %s AND invitation_claimed_at IS NOT NULL",
            [meeting.pk],
        )
        assert [row[0] for row in cursor.fetchall()] == [in_flight.pk]
    assert not Message.objects.filter(kind=invitations.INVITATION).exists()
