"""Access-log write throughput with 1, 2, 4 and 8 writer processes, side by side: the log
as it is (ACCESS_LOG_CHAINS independent chains) and as it was (one chain, so one lock held
to commit by every writer in the system). Run with `make bench`; not part of `make test`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings

from access_control.models import AccessLogEntry
from tests.database import session_database_url

ROWS_PER_WRITER = 400
WRITERS = (1, 2, 4, 8)


def _rows_per_second(writers: int, chains: int) -> float:
    env = {**os.environ, "DATABASE_URL": session_database_url(), "ACCESS_LOG_CHAINS": str(chains)}
    start_at = time.time() + 4.0  # every writer has started Django and connected by then
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.access_control.log_writer", str(ROWS_PER_WRITER), f"w{n}", str(start_at)],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
        )
        for n in range(writers)
    ]
    reports = [
        json.loads(process.communicate(timeout=600)[0].decode().strip().splitlines()[-1]) for process in processes
    ]
    assert all(process.returncode == 0 for process in processes)
    elapsed = max(r["finished"] for r in reports) - min(r["started"] for r in reports)
    return writers * ROWS_PER_WRITER / elapsed


@pytest.mark.timeout(0)  # a benchmark runs as long as it takes: no suite timeout
@pytest.mark.django_db(transaction=True)
def test_access_log_write_throughput_by_writer_processes() -> None:
    results: dict[int, dict[int, float]] = {}
    for chains in (settings.ACCESS_LOG_CHAINS, 1):
        results[chains] = {writers: _rows_per_second(writers, chains) for writers in WRITERS}
    print(f"\nAccess-log writes per second ({ROWS_PER_WRITER} single-row transactions per writer process)")
    print(f"{'writers':>8} | {f'{settings.ACCESS_LOG_CHAINS} chains':>10} | {'1 chain':>8} | ratio to 1 writer")
    for writers in WRITERS:
        many, one = results[settings.ACCESS_LOG_CHAINS][writers], results[1][writers]
        ratio = many / results[settings.ACCESS_LOG_CHAINS][1]
        print(f"{writers:>8} | {many:>10.0f} | {one:>8.0f} | {ratio:.2f}x")
    assert AccessLogEntry.objects.count() == 2 * sum(WRITERS) * ROWS_PER_WRITER
