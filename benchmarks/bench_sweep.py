"""How long one sweep takes over 100,000 open deadlines (claims only, nothing sent).
Run with `make bench`; it is not part of `make test`. The database is pytest-django's
throwaway test database on the embedded PostgreSQL (or DATABASE_URL's server)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from deadlines import reminders
from deadlines.models import Deadline, DeadlineKind, ReminderClaim
from tests.factories import CaseFactory

OPEN_DEADLINES = 100_000


@pytest.mark.django_db(transaction=True)
def test_sweep_over_100000_open_deadlines() -> None:
    case = CaseFactory.create()
    now = timezone.now()
    # Due from two days ago to twelve days ahead, one every ~12 seconds: every kind of
    # reminder comes due for some of them, and some have none due yet.
    span = timedelta(days=14) / OPEN_DEADLINES
    Deadline.objects.bulk_create(
        (
            Deadline(
                kind=DeadlineKind.PLAN_ACTION,
                title="Plan action",
                case=case,
                owner=case.lead_worker,
                owner_agency=case.lead_agency,
                due_at=now - timedelta(days=2) + span * i,
            )
            for i in range(OPEN_DEADLINES)
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE deadlines_deadline")

    started = time.perf_counter()
    claimed = reminders.sweep(now, enqueue=False)
    first = time.perf_counter() - started

    started = time.perf_counter()
    again = reminders.sweep(now, enqueue=False)
    second = time.perf_counter() - started

    print(
        f"\nsweep over {OPEN_DEADLINES:,} open deadlines: {first:.2f} s, {len(claimed):,} reminders claimed; "
        f"a second sweep (nothing new): {second:.2f} s, {len(again)} claimed"
    )
    assert len(claimed) == ReminderClaim.objects.count() > 0
    assert again == []
