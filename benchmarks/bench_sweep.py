"""How long the deadline sweep takes over 1,000,000 open deadlines (claims only, nothing
sent). Run with `make bench`; it is not part of `make test`. The database is pytest-django's
throwaway test database on the embedded PostgreSQL (or DATABASE_URL's server).

Three sweeps, as beat would meet them:
- the first over deadlines nobody has looked at yet (every bookmark unknown: after the
  migration that added bookmarks, or a bulk import) — a one-off;
- one two minutes later, when only what came due in those two minutes is read;
- one at the same moment again, when nothing is new."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from deadlines import reminders
from deadlines.models import DeadlineKind
from outbox.models import Message
from tests.factories import CaseFactory

OPEN_DEADLINES = int(os.environ.get("BENCH_OPEN_DEADLINES", "1000000"))


def _timed(now: datetime) -> tuple[float, list[int]]:
    started = time.perf_counter()
    claimed = reminders.sweep(now, enqueue=False)
    return time.perf_counter() - started, claimed


@pytest.mark.timeout(0)  # a benchmark runs as long as it takes: no suite timeout
@pytest.mark.django_db(transaction=True)
def test_sweep_over_a_million_open_deadlines() -> None:
    case = CaseFactory.create()
    now = timezone.now()
    # Due from two days ago to twelve days ahead, evenly: every kind of reminder comes due for
    # some of them, and some have none due yet. Written by one INSERT … SELECT (the ORM would
    # hold a million objects in memory).
    span = timedelta(days=14) / OPEN_DEADLINES
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO deadlines_deadline
                (id, kind, title, case_id, owner_id, owner_agency_id, due_at, due_version, state, created_at)
            SELECT gen_random_uuid(), %s, 'Plan action', %s, %s, %s, %s + i * make_interval(secs => %s), 1, 'open', %s
            FROM generate_series(0, %s - 1) AS i
            """,
            [
                DeadlineKind.PLAN_ACTION,
                case.pk,
                case.lead_worker_id,
                case.lead_agency_id,
                now - timedelta(days=2),
                span.total_seconds(),
                now - timedelta(days=30),
                OPEN_DEADLINES,
            ],
        )
        cursor.execute("VACUUM ANALYZE deadlines_deadline")  # autocommit here: a transactional test

    first, claimed = _timed(now)
    later, came_due = _timed(now + timedelta(minutes=2))
    again_seconds, again = _timed(now + timedelta(minutes=2))

    print(
        f"\nsweep over {OPEN_DEADLINES:,} open deadlines: first (no bookmarks yet) {first:.2f} s, "
        f"{len(claimed):,} reminders claimed; two minutes later {later:.2f} s, {len(came_due):,} claimed; "
        f"again with nothing new {again_seconds:.2f} s, {len(again)} claimed"
    )
    assert len(claimed) + len(came_due) == Message.objects.filter(kind=reminders.REMINDER).count() > 0
    assert again == []
