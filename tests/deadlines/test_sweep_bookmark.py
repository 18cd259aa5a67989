"""The sweep reads only deadlines whose next reminder has come (their bookmark), so its cost
follows what has come due, not what is open; a deadline moved by any path is looked at again."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from datasets.plans import explain, nodes
from deadlines import reminders
from deadlines.models import LOOK_NOW, REMINDERS_DONE, Deadline, ReminderKind
from outbox.models import Message
from tests.clock import Clock
from tests.deadlines.test_reminders import kinds, police_case_deadline

LONDON = ZoneInfo("Europe/London")
OPENED = datetime(2027, 1, 11, 10, 0, tzinfo=LONDON)  # a Monday
DUE = datetime(2027, 3, 15, 17, 0, tzinfo=LONDON)  # a Monday, nine weeks on
pytestmark = pytest.mark.django_db


@pytest.fixture
def far_deadline(clock: Clock) -> Deadline:
    clock.at(OPENED)
    return police_case_deadline(DUE).deadline


def _bookmark(deadline: Deadline) -> datetime:
    return Deadline.objects.values_list("next_reminder_at", flat=True).get(pk=deadline.pk)


def test_a_new_deadline_is_bookmarked_at_its_first_reminder(far_deadline: Deadline) -> None:
    assert _bookmark(far_deadline) == LOOK_NOW  # not worked out yet
    assert reminders.sweep(OPENED) == []
    # Five working days before Monday 15 March is Monday 8 March, at the deadline's time of day.
    assert _bookmark(far_deadline) == datetime(2027, 3, 8, 17, 0, tzinfo=LONDON)


def test_the_bookmark_moves_on_with_each_reminder_and_ends_when_all_are_claimed(far_deadline: Deadline) -> None:
    reminders.sweep(OPENED)
    assert len(reminders.sweep(datetime(2027, 3, 8, 17, 0, tzinfo=LONDON))) == 1
    assert _bookmark(far_deadline) == datetime(2027, 3, 12, 17, 0, tzinfo=LONDON)  # Friday: due in 1
    reminders.sweep(datetime(2027, 3, 12, 17, 0, tzinfo=LONDON))
    assert _bookmark(far_deadline) == datetime(2027, 3, 15, 0, 0, tzinfo=LONDON)  # due today, from midnight
    reminders.sweep(datetime(2027, 3, 15, 9, 0, tzinfo=LONDON))
    assert _bookmark(far_deadline) == DUE + timedelta(microseconds=1)  # overdue once past due
    reminders.sweep(DUE + timedelta(minutes=1))  # marked overdue (which resets it) and claimed
    assert _bookmark(far_deadline) == REMINDERS_DONE
    assert kinds(far_deadline) == set(ReminderKind)
    assert reminders.sweep(DUE + timedelta(days=30), enqueue=False) == []  # nothing more to claim


def test_a_deadline_moved_behind_the_services_back_is_looked_at_again(far_deadline: Deadline) -> None:
    reminders.sweep(OPENED)
    sooner = datetime(2027, 1, 14, 17, 0, tzinfo=LONDON)  # Thursday, three days after opening
    Deadline.objects.filter(pk=far_deadline.pk).update(due_at=sooner)  # no service, no bookmark
    assert _bookmark(far_deadline) == LOOK_NOW  # the database reset it
    (claim_id,) = reminders.sweep(datetime(2027, 1, 13, 17, 0, tzinfo=LONDON))  # 1 working day before
    assert Message.objects.get(pk=claim_id).payload["kind"] == ReminderKind.BEFORE_1


def test_a_deadline_moved_while_the_sweep_works_it_out_keeps_the_reset_for_the_next_sweep(
    far_deadline: Deadline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the sweep's read and its bookmark write another process moves the deadline:
    the stale bookmark is not written over the database's reset, this sweep does not read
    the deadline again (it ends), and the next sweep works the moved deadline out."""
    work_out = reminders._kinds_and_next
    sooner = datetime(2027, 1, 14, 17, 0, tzinfo=LONDON)

    def moved_by_someone_else(**kwargs: object) -> object:
        with connection.cursor() as cursor:  # as a service would: a new due version
            cursor.execute(
                "UPDATE deadlines_deadline SET due_at = %s, due_version = due_version + 1 WHERE id = %s",
                [sooner, far_deadline.pk],
            )
        return work_out(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reminders, "_kinds_and_next", moved_by_someone_else)
    assert reminders.sweep(OPENED) == []
    assert _bookmark(far_deadline) == LOOK_NOW  # the reset stands
    monkeypatch.setattr(reminders, "_kinds_and_next", work_out)
    (claim_id,) = reminders.sweep(datetime(2027, 1, 13, 17, 0, tzinfo=LONDON))
    claim = Message.objects.get(pk=claim_id).payload
    assert (claim["kind"], claim["due_version"]) == (ReminderKind.BEFORE_1, 2)


def test_the_sweep_reads_deadlines_over_the_bookmark_index() -> None:
    """On a few thousand deadlines, nearly all bookmarked ahead, the sweep's read is an index
    range scan of the bookmark, never a scan of every deadline."""
    case = police_case_deadline(DUE).case
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO deadlines_deadline (id, kind, title, case_id, owner_agency_id, due_at, due_version, state,
                                            created_at, next_reminder_at)
            SELECT gen_random_uuid(), 'plan_action', 'Plan action', %s, %s, %s + i * interval '1 minute', 1, 'open',
                   %s, CASE WHEN i %% 500 = 0 THEN %s ELSE %s + i * interval '1 minute' END
            FROM generate_series(1, 5000) AS i
            """,
            [case.pk, case.lead_agency_id, DUE, OPENED, LOOK_NOW, OPENED],
        )
        cursor.execute("ANALYZE deadlines_deadline")
    plan = explain(reminders.come_due(OPENED + timedelta(minutes=5)))["Plan"]
    scanned = {(node["Node Type"], node.get("Relation Name"), node.get("Index Name")) for node in nodes(plan)}
    assert not any(kind == "Seq Scan" and table == "deadlines_deadline" for kind, table, _ in scanned), scanned
    assert any(index == "deadline_live_next_reminder" for _, _, index in scanned), scanned
