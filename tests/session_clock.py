"""pytest plugin (loaded with -p): the whole session runs on tests.clock's session clock,
10:00 London time on ``TANDEM_TEST_TODAY`` (default: today), ticking."""

from __future__ import annotations

import pytest

from tests.clock import TODAY_ENV, Clock, session_start

_session = Clock()


def pytest_configure(config: pytest.Config) -> None:
    _session.at(session_start())


def pytest_report_header(config: pytest.Config) -> str:
    return f"clock: the session runs from {session_start():%Y-%m-%d %H:%M %Z} ({TODAY_ENV} to move it)"


def pytest_unconfigure(config: pytest.Config) -> None:
    _session.stop()
