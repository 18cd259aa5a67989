"""The access log as several independent chains with anchored heads: writers in other
transactions or processes never wait for one another, no row is lost, and a cut-off tail or
a wiped chain is found by ``verify_access_log`` against the anchors (in the database or in
the anchor file)."""

from __future__ import annotations

import io
import itertools
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from pytest_django.fixtures import Settings

from access_control import audit
from access_control.models import AccessLogAnchor, AccessLogEntry
from tests.access_control.tampering import ANCHOR_TABLE, tamper
from tests.clock import subprocess_environment
from tests.database import session_database_url

pytestmark = pytest.mark.django_db


def _write(count: int, label: str = "row") -> list[AccessLogEntry]:
    return [
        audit.record(
            user=None, action="view_case", object_type="case", object_id=f"{label}-{n}", allowed=True, rule="t"
        )
        for n in range(count)
    ]


def _cut(rows: list[AccessLogEntry]) -> None:
    tamper("DELETE FROM access_control_accesslogentry WHERE id = ANY(%s)", [[row.pk for row in rows]])


# --- chains ----------------------------------------------------------------------------


def test_one_connection_extends_one_chain_row_after_row():
    rows = _write(4)
    assert len({row.chain for row in rows}) == 1
    assert [row.seq for row in rows] == [1, 2, 3, 4]
    assert rows[0].prev_hash == audit.GENESIS_HASH
    assert all(later.prev_hash == earlier.row_hash for earlier, later in itertools.pairwise(rows))


@pytest.mark.django_db(transaction=True)
def test_a_writer_does_not_wait_for_another_transaction_holding_its_chain():
    """One transaction writes to the log and stays open (as a slow request does); another
    writes and commits meanwhile, on another chain, without waiting for it."""
    held, release, done = threading.Event(), threading.Event(), threading.Event()
    chains: dict[str, int] = {}
    failures: list[BaseException] = []

    def slow_request() -> None:
        try:
            with transaction.atomic():
                chains["slow"] = _write(1, "slow")[0].chain
                held.set()
                release.wait(20)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connection.close()

    def quick_request() -> None:
        try:
            held.wait(20)
            chains["quick"] = _write(1, "quick")[0].chain
            done.set()
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connection.close()

    slow, quick = threading.Thread(target=slow_request), threading.Thread(target=quick_request)
    slow.start()
    quick.start()
    finished_while_held = done.wait(10)
    release.set()
    slow.join(20)
    quick.join(20)
    assert failures == []
    assert finished_while_held, "the second writer waited for the first to commit"
    assert chains["quick"] != chains["slow"]
    assert audit.verify_chain() == (2, None)


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_writers_in_several_processes_lose_no_row_and_break_no_chain():
    processes, rows = 4, 60
    env = subprocess_environment()
    env.update(DATABASE_URL=session_database_url(), DJANGO_ENV="test")
    writers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.clocked", "-m", "tests.access_control.log_writer", str(rows), f"p{n}"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for n in range(processes)
    ]
    outputs = [writer.communicate(timeout=100)[0].decode(errors="replace") for writer in writers]
    assert [writer.returncode for writer in writers] == [0] * processes, "\n".join(outputs)
    assert AccessLogEntry.objects.count() == processes * rows
    for n in range(processes):
        assert AccessLogEntry.objects.filter(object_id__startswith=f"p{n}-").count() == rows
    assert audit.verify_chain() == (processes * rows, None)


# --- anchors ---------------------------------------------------------------------------


def test_anchoring_writes_each_grown_chain_head_once():
    rows = _write(3)
    (anchor,) = audit.anchor_heads()
    assert (anchor.chain, anchor.seq, anchor.row_hash) == (rows[-1].chain, 3, rows[-1].row_hash)
    assert audit.anchor_heads() == []
    _write(1)
    (grown,) = audit.anchor_heads()
    assert grown.seq == 4
    out = io.StringIO()
    call_command("anchor_access_log", stdout=out)
    assert "Anchored 0 chain head(s)." in out.getvalue()


def test_anchors_are_append_only():
    _write(1)
    (anchor,) = audit.anchor_heads()
    with pytest.raises(Exception, match="append-only: UPDATE refused"), transaction.atomic():
        AccessLogAnchor.objects.filter(pk=anchor.pk).update(seq=99)
    with pytest.raises(Exception, match="append-only: DELETE refused"), transaction.atomic():
        AccessLogAnchor.objects.filter(pk=anchor.pk).delete()


def test_a_cut_off_tail_is_found_against_the_anchor():
    rows = _write(5)
    audit.anchor_heads()
    _cut(rows[3:])
    with pytest.raises(
        CommandError,
        match=rf"broken at row #{rows[2].pk}: chain {rows[0].chain} ends at its row 3 "
        r"but was anchored at row 5 \(rows from 5 on were cut off\)",
    ):
        call_command("verify_access_log")


def test_a_wiped_chain_is_found_against_the_anchor():
    rows = _write(3)
    audit.anchor_heads()
    _cut(rows)
    with pytest.raises(CommandError, match=rf"chain {rows[0].chain} is empty but was anchored at row 3"):
        call_command("verify_access_log")


def test_a_rewritten_tail_is_found_against_the_anchor():
    rows = _write(3)
    audit.anchor_heads()
    _cut(rows[2:])
    (forged,) = _write(1, "forged")  # correctly hashed, in the anchored place
    assert (forged.chain, forged.seq) == (rows[2].chain, 3)
    with pytest.raises(CommandError, match=rf"broken at row #{forged.pk}: is not the row that was anchored"):
        call_command("verify_access_log")


def test_rows_written_after_the_last_anchor_verify():
    _write(2)
    audit.anchor_heads()
    _write(2)
    assert audit.verify_chain() == (4, None)


def test_the_anchor_file_finds_a_cut_even_when_the_anchor_table_is_wiped_too(tmp_path: Path, settings: Settings):
    settings.ACCESS_LOG_ANCHOR_FILE = str(tmp_path / "anchors.jsonl")
    rows = _write(4)
    audit.anchor_heads()
    assert Path(settings.ACCESS_LOG_ANCHOR_FILE).read_text().count("\n") == 1
    _cut(rows[2:])
    tamper("DELETE FROM access_control_accessloganchor", [], table=ANCHOR_TABLE)
    assert audit.verify_chain() == (2, None)  # the database alone can no longer tell
    with pytest.raises(CommandError, match="anchored at row 4"):
        call_command("verify_access_log")  # reads ACCESS_LOG_ANCHOR_FILE


def test_an_unreadable_anchor_file_is_a_clear_error(tmp_path: Path):
    with pytest.raises(CommandError, match="Cannot read the anchor file"):
        call_command("verify_access_log", anchor_file=str(tmp_path / "missing.jsonl"))


def test_the_beat_schedule_anchors_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["anchor-access-log"]
    assert entry["task"] == "access_control.tasks.anchor_access_log" and entry["schedule"] == 60.0
    assert audit.chain_count() == settings.ACCESS_LOG_CHAINS > 1
