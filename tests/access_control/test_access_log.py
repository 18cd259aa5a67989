"""The access log is append-only at the database, tamper-evident (a changed, removed or
cut-off row is found), free of the child's personal data, and each of its chains stays
linear under concurrent writers, threads or processes, who do not queue behind one lock."""

from __future__ import annotations

import itertools
import threading
from io import StringIO
from pathlib import Path
from uuid import uuid4

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import OperationalError, ProgrammingError, connection, transaction
from django.http import Http404
from django.utils import timezone

from access_control import audit, policy
from access_control.models import AccessLogEntry
from cases import services
from cases.models import Case, RiskLevel
from tests.access_control.tampering import tamper
from tests.factories import CaseFactory, ChildFactory, EntryFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _write_rows(count: int) -> list[AccessLogEntry]:
    return [
        audit.record(user=None, action="view_case", object_type="case", object_id=n, allowed=True, rule="test")
        for n in range(count)
    ]


# --- append-only at the database ------------------------------------------------------


def test_orm_update_is_refused_by_the_database():
    row = _write_rows(1)[0]
    with pytest.raises(ProgrammingError, match="append-only: UPDATE refused"), transaction.atomic():
        AccessLogEntry.objects.filter(pk=row.pk).update(rule="nothing to see")
    row.refresh_from_db()
    assert row.rule == "test"


def test_orm_delete_is_refused_by_the_database():
    row = _write_rows(1)[0]
    with pytest.raises(ProgrammingError, match="append-only: DELETE refused"), transaction.atomic():
        AccessLogEntry.objects.filter(pk=row.pk).delete()
    with pytest.raises(ProgrammingError, match="append-only: DELETE refused"), transaction.atomic():
        row.delete()
    assert AccessLogEntry.objects.filter(pk=row.pk).exists()


def test_raw_sql_update_and_delete_are_refused_by_the_database():
    row = _write_rows(1)[0]
    with connection.cursor() as cursor:
        with pytest.raises(ProgrammingError, match="append-only: UPDATE refused"), transaction.atomic():
            cursor.execute("UPDATE access_control_accesslogentry SET outcome = 'denied' WHERE id = %s", [row.pk])
        with pytest.raises(ProgrammingError, match="append-only: DELETE refused"), transaction.atomic():
            cursor.execute("DELETE FROM access_control_accesslogentry")
    assert AccessLogEntry.objects.get(pk=row.pk).outcome == "allowed"


@pytest.mark.parametrize("table", ["access_control_accesslogentry", "access_control_accessloganchor"])
def test_truncate_is_refused_by_the_database(table):
    _write_rows(3)
    audit.anchor_heads()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # this test's own inserts, checked first
        with pytest.raises(ProgrammingError, match="append-only: TRUNCATE refused"), transaction.atomic():
            cursor.execute(f"TRUNCATE {table}")
        with pytest.raises(ProgrammingError, match="append-only: TRUNCATE refused"), transaction.atomic():
            cursor.execute(f"TRUNCATE {table} CASCADE")
    assert AccessLogEntry.objects.count() == 3
    assert audit.verify_chain() == (3, None)


def test_a_truncate_past_the_triggers_is_found_against_the_anchors():
    # Only a superuser can silence the triggers (the application's role in production is not
    # one): what they wipe, anchors written before still tell.
    _write_rows(3)
    audit.anchor_heads()
    with connection.cursor() as cursor, transaction.atomic():
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("TRUNCATE access_control_accesslogentry")
    assert not AccessLogEntry.objects.exists()
    with pytest.raises(CommandError, match=r"is empty but was anchored at row 3"):
        call_command("verify_access_log")


APP_ROLE_SQL = Path(settings.BASE_DIR) / "deploy" / "app-role.sql"


def test_the_application_role_of_the_readme_appends_to_the_log_and_cannot_alter_it():
    """deploy/app-role.sql, as the README has production run it, on a real role."""
    role = f"tandem_app_{uuid4().hex[:12]}"  # roles are shared by every database of the server
    _write_rows(1)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"CREATE ROLE {role} NOSUPERUSER NOLOGIN")  # rolled back with the test
        cursor.execute(APP_ROLE_SQL.read_text().replace("tandem_app", role))
        cursor.execute(f"SET LOCAL ROLE {role}")
        try:
            row = audit.record(user=None, action="view_case", object_type="case", allowed=True, rule="test")
            assert audit.verify_chain() == (2, None)
            for refused in (
                f"UPDATE access_control_accesslogentry SET rule = 'x' WHERE id = {int(row.pk)}",  # noqa: S608
                "DELETE FROM access_control_accesslogentry",
                "TRUNCATE access_control_accesslogentry",
                "DELETE FROM access_control_accessloganchor",
                "TRUNCATE access_control_accessloganchor",
                "ALTER TABLE access_control_accesslogentry DISABLE TRIGGER access_log_append_only",
                "SET session_replication_role = replica",
            ):
                # Refused for want of the privilege, before any trigger is reached.
                with (
                    pytest.raises((ProgrammingError, OperationalError), match=r"permission denied|must be owner"),
                    transaction.atomic(),
                ):
                    cursor.execute(refused)
            case = CaseFactory.create()  # the rest of the schema it reads and writes
            assert Case.objects.filter(pk=case.pk).update(risk_level=RiskLevel.HIGH) == 1
        finally:
            cursor.execute("RESET ROLE")
    assert AccessLogEntry.objects.count() == 2


# --- tamper evidence ------------------------------------------------------------------


def test_each_row_carries_the_hash_of_the_row_before_it():
    _write_rows(5)
    rows = list(AccessLogEntry.objects.order_by("id"))
    assert rows[0].prev_hash == audit.GENESIS_HASH
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.row_hash
    assert all(audit.row_hash(row) == row.row_hash for row in rows)


def test_a_batch_is_chained_in_its_order_between_single_rows():
    _write_rows(2)
    events = [
        audit.Event(user=None, action="view_child", object_type="child", object_id=n, allowed=True, rule="batch")
        for n in range(5)
    ]
    batch = audit.record_many(events)
    _write_rows(1)
    assert [row.object_id for row in batch] == ["", "1", "2", "3", "4"]  # object id 0 is "none given"
    ids = [row.id for row in batch]
    assert ids == sorted(ids)
    assert audit.verify_chain() == (8, None)
    assert audit.record_many([]) == []


def test_verify_access_log_reports_an_intact_log():
    _write_rows(4)
    out = StringIO()
    call_command("verify_access_log", stdout=out)
    assert "Access log intact: 4 rows checked." in out.getvalue()


def test_verify_access_log_names_a_changed_row():
    rows = _write_rows(5)
    tamper("UPDATE access_control_accesslogentry SET rule = %s WHERE id = %s", ["supervisor", rows[2].pk])
    with pytest.raises(CommandError, match=rf"Access log broken at row #{rows[2].pk}: .*changed"):
        call_command("verify_access_log")


def test_verify_access_log_names_the_row_after_a_removed_one():
    rows = _write_rows(5)
    tamper("DELETE FROM access_control_accesslogentry WHERE id = %s", [rows[2].pk])
    with pytest.raises(CommandError, match=rf"Access log broken at row #{rows[3].pk}: .*removed"):
        call_command("verify_access_log")


def test_trigger_is_back_on_after_tampering():
    rows = _write_rows(2)
    tamper("UPDATE access_control_accesslogentry SET rule = %s WHERE id = %s", ["x", rows[0].pk])
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        AccessLogEntry.objects.filter(pk=rows[1].pk).update(rule="y")


# --- no personal data -----------------------------------------------------------------


def test_log_holds_no_personal_data_of_the_child():
    child = ChildFactory.create(given_names="Peregrine-Zephyrine", family_name="Quillfeather-Ashdown")
    case = CaseFactory.create()
    case.children.set([child])
    entry = EntryFactory.create(case=case, summary="Peregrine-Zephyrine seen at home")
    policy.get_case(case.lead_worker, case.pk)
    policy.get_entry(case.lead_worker, entry.pk)
    access = policy.get_case(case.lead_worker, case.pk, policy.Action.EDIT_CASE)
    access.log("view_child", object_type="child", object_id=child.pk)
    services.add_entry(
        access=access, event_date=timezone.localdate(), kind="visit", summary="Peregrine-Zephyrine seen alone"
    )
    with pytest.raises(Http404):
        policy.get_case(MembershipFactory.create().user, case.pk)

    columns = [f.attname for f in AccessLogEntry._meta.concrete_fields]
    rows = list(AccessLogEntry.objects.values_list(*columns))
    assert len(rows) >= 6
    text = " ".join(str(value) for row in rows for value in row).lower()
    for fragment in ("peregrine", "zephyrine", "quillfeather", "ashdown", str(child.date_of_birth)):
        assert fragment not in text


# --- concurrent writers ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_each_chain_linear():
    writers, per_writer = 4, 25
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            start.wait()
            for n in range(per_writer):
                audit.record(
                    user=None,
                    action="view_case",
                    object_type="case",
                    object_id=f"{writer}-{n}",
                    allowed=True,
                    rule="concurrency test",
                )
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert audit.verify_chain() == (writers * per_writer, None)
    # No fork: no two rows of a chain follow the same row.
    assert AccessLogEntry.objects.values("chain", "prev_hash").distinct().count() == writers * per_writer


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_and_single_rows_keep_each_chain_linear():
    writers, per_writer = 4, 10
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            start.wait()
            for n in range(per_writer):
                events = [
                    audit.Event(
                        user=None,
                        action="view_child",
                        object_type="child",
                        object_id=f"{writer}-{n}-{k}",
                        allowed=True,
                        rule="concurrency test",
                    )
                    for k in range(3)
                ]
                if writer % 2:
                    audit.record_many(events)
                else:
                    for event in events:
                        audit.record_many([event])
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert audit.verify_chain() == (writers * per_writer * 3, None)
