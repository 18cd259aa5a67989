"""pytest plugin (loaded with -p): the whole session runs on tests.clock's session clock,
10:00 London time on ``TANDEM_TEST_TODAY`` (default: today), ticking."""

from __future__ import annotations

import time

import pytest
import time_machine

from tests.clock import TODAY_ENV, session_start

_travel: time_machine.travel | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _travel
    _travel = time_machine.travel(session_start(), tick=True)
    _travel.start()
    time.time()  # a travelling clock ticks from its first reading


def pytest_report_header(config: pytest.Config) -> str:
    return f"clock: the session runs from {session_start():%Y-%m-%d %H:%M %Z} ({TODAY_ENV} to move it)"


def pytest_unconfigure(config: pytest.Config) -> None:
    global _travel
    if _travel is not None:
        _travel.stop()
        _travel = None
