"""The generator (datasets/synthetic.py): into empty tables it loads the way a restore does and
leaves the schema exactly as it found it, every constraint validated, the sequences past its
ids and each live deadline's bookmark where the sweep would put it; the same seed gives the
same data; into tables holding rows it commits batch by batch; and a generation is recorded
complete only when all of it is in."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection, transaction

from agencies.models import Agency, AgencyKind, Membership, SupervisionLine
from cases.models import Case, ChronologyEntry, PlanAction, PlanOutcome, Visibility
from datasets.models import Generation
from datasets.synthetic import SCHEMA_SQL, TABLES, DatasetWriter, Report, Scale
from deadlines import reminders
from deadlines.models import LIVE_STATES, LOOK_NOW, REMINDERS_DONE, Deadline
from referrals.models import Referral
from tests.clock import Clock
from tests.factories import AgencyFactory

CASES = 600
MOMENT = datetime(2026, 3, 4, 10, 30, tzinfo=UTC)


def _generate(seed: int = 5, cases: int = CASES) -> Report:
    return DatasetWriter(Scale.for_cases(cases), seed=seed, batch_cases=250, log=lambda line: None).run()


def _schema() -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(SCHEMA_SQL, {"tables": list(TABLES)})
        return list(cursor.fetchall())


def _digest() -> str:
    """The generated data, except what sequences number (identity ids, case references):
    those continue from wherever the database's sequences are."""
    queries = {
        "cases": "SELECT id, status, category, risk_level, opened_on, closed_on, lead_worker_id FROM cases_case",
        "children": "SELECT id, given_names, family_name, date_of_birth, nhs_number FROM cases_child",
        "entries": "SELECT id, case_id, author_id, visibility, recorded_at, summary FROM cases_chronologyentry",
        "team": "SELECT case_id, user_id, role, active FROM cases_caseteammember",
        "referrals": "SELECT id, reference, child_given_names, previous_referral_id FROM referrals_referral",
        "deadlines": "SELECT id, kind, due_at, state, next_reminder_at FROM deadlines_deadline",
        "users": "SELECT id, email, full_name FROM agencies_user",
    }
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for name, query in queries.items():
            cursor.execute(f"{query} ORDER BY 1, 2, 3")
            digest.update(name.encode())
            for row in cursor.fetchall():
                digest.update(repr(row).encode())
    return digest.hexdigest()


@pytest.mark.django_db
def test_into_empty_tables_it_loads_in_bulk_and_leaves_the_schema_as_it_was(clock: Clock) -> None:
    clock.at(MOMENT, tick=False)
    before = _schema()
    report = _generate()
    assert report.mode == "bulk"
    assert any(step.startswith("add and validate") for step in report.steps)
    assert _schema() == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE NOT convalidated")
        assert cursor.fetchall() == []
        cursor.execute("SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid")
        assert cursor.fetchall() == []
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname IN "
            "('deadline_reset_next_reminder', 'access_log_append_only')"
        )
        triggers = sorted(name for (name,) in cursor.fetchall())
        assert triggers == ["access_log_append_only", "deadline_reset_next_reminder"]
    # Every foreign key was checked when it was added back: nothing deferred is left to fail.
    connection.check_constraints()
    assert Case.objects.count() == CASES
    assert ChronologyEntry.objects.filter(visibility=Visibility.NAMED).exists()
    assert Referral.objects.filter(previous_referral__isnull=False).exists()
    generation = Generation.complete(cases=CASES, seed=5)
    assert generation is not None
    assert generation.mode == "bulk"
    assert generation.rows["cases_case"] == CASES


@pytest.mark.django_db
def test_the_sequences_continue_past_the_generated_ids(clock: Clock) -> None:
    clock.at(MOMENT, tick=False)
    _generate()
    for model in (Agency, Membership, SupervisionLine, PlanOutcome, PlanAction):
        highest = model.objects.order_by("-pk").values_list("pk", flat=True).first()
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [model._meta.db_table])
            (following,) = cursor.fetchone()
        assert highest is not None
        assert following > highest, model
    # And the application's own inserts go through.
    AgencyFactory.create(name="Freshly made after the load", kind=AgencyKind.HEALTH)


@pytest.mark.django_db
def test_live_deadlines_are_bookmarked_where_the_sweep_would_leave_them(clock: Clock) -> None:
    clock.at(MOMENT, tick=False)
    _generate()
    generated = dict(Deadline.objects.filter(state__in=LIVE_STATES).values_list("pk", "next_reminder_at"))
    assert len(generated) > CASES // 10
    # The real sweep, at the same moment, on the same deadlines with their bookmarks forgotten.
    Deadline.objects.filter(pk__in=list(generated)).update(next_reminder_at=LOOK_NOW)
    reminders.sweep(MOMENT, enqueue=False)
    swept = dict(Deadline.objects.filter(pk__in=list(generated)).values_list("pk", "next_reminder_at"))
    assert swept == generated
    assert not Deadline.objects.exclude(state__in=LIVE_STATES).exclude(next_reminder_at=REMINDERS_DONE).exists()
    # So the first sweep reads only what comes due after the data was made.
    assert reminders.come_due(MOMENT).count() == 0
    assert reminders.come_due(MOMENT + timedelta(days=3)).count() > 0


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data(clock: Clock) -> None:
    digests = []
    for seed in (5, 5, 6):
        clock.at(MOMENT, tick=False)
        with transaction.atomic():
            _generate(seed=seed, cases=300)
            digests.append(_digest())
            transaction.set_rollback(True)
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


@pytest.mark.django_db
def test_into_tables_holding_rows_it_commits_batch_by_batch(clock: Clock) -> None:
    clock.at(MOMENT, tick=False)
    AgencyFactory.create(name="Already here")
    report = _generate(cases=300)
    assert report.mode == "incremental"
    assert "commits (deferred foreign-key checks)" in report.steps
    assert Case.objects.count() == 300
    (generation,) = Generation.objects.all()
    assert generation.completed_at is not None
    assert Generation.complete(cases=300) == generation
    # A second generation on top: the database no longer holds exactly one.
    _generate(seed=6, cases=300)
    assert Generation.complete(cases=300) is None
