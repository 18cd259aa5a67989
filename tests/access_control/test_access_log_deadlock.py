"""No deadlock through the access log: a transaction that holds a row and then logs never
waits for a chain held by one that is waiting for that row. Real processes, one chain.

(The finding: two workers saving an assessment's analysis, one holding the row and waiting
for the log's lock, the other holding the log's lock and waiting for the row:
DeadlockDetected, a 500.)"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import transaction

from access_control import audit
from access_control.models import AccessLogEntry
from agencies.models import Agency
from tests.cases.assessment_helpers import build_world, open_assessment
from tests.clock import subprocess_environment
from tests.database import session_database_url
from tests.factories import AgencyFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


def _process(module: str, *args: str) -> subprocess.Popen[str]:
    env = subprocess_environment()
    env.update(DATABASE_URL=session_database_url(), DJANGO_ENV="test", ACCESS_LOG_CHAINS="1")
    return subprocess.Popen(
        [sys.executable, "-m", "tests.clocked", "-m", module, *args],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_row_locked_before_logging_and_a_log_before_locking_the_row_both_complete(settings):
    settings.ACCESS_LOG_CHAINS = 1  # one chain: every writer would want the same lock
    agency = AgencyFactory.create()
    with transaction.atomic():
        # This transaction logs first, so it holds the log's only chain...
        audit.record(
            user=None, action="view_case", object_type="case", object_id="log-then-row", allowed=True, rule="t"
        )
        other = _process("tests.access_control.row_then_log", str(agency.pk))
        assert other.stdout is not None
        # ...while the other process locks the agency's row, then logs.
        assert other.stdout.readline().strip() == "locked"
        # Now this one wants the row: it waits for the other process, which must not be
        # waiting for this one's chain.
        Agency.objects.select_for_update().get(pk=agency.pk)
    # Read on through the same buffered stream (communicate would read past its buffer).
    rest = other.stdout.read()
    assert other.wait(timeout=60) == 0, rest
    assert rest.split() == ["logged"]
    assert set(AccessLogEntry.objects.values_list("object_id", flat=True)) == {"log-then-row", "row-then-log"}
    assert audit.verify_chain() == (2, None)


def test_two_processes_saving_an_assessments_analysis_at_once_both_finish(settings):
    settings.ACCESS_LOG_CHAINS = 1
    world = build_world()
    assessment = open_assessment(world)
    times = 25
    start_at = time.time() + 4  # both connected and ready by then
    savers = [
        _process("tests.cases.analysis_saver", str(assessment.pk), str(world.lead.pk), label, str(times), str(start_at))
        for label in ("first", "second")
    ]
    outputs = [saver.communicate(timeout=100)[0] for saver in savers]
    assert [saver.returncode for saver in savers] == [0, 0], outputs
    for output in outputs:
        assert output.split()[-times:] == ["200"] * times, output
    assert AccessLogEntry.objects.filter(action="save_analysis").count() == 2 * times
    assessment.refresh_from_db()
    assert assessment.analysis in {f"first analysis {times - 1}", f"second analysis {times - 1}"}
    assert audit.verify_chain()[1] is None
