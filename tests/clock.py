"""The test session's clock: the one way tests set the time.

The whole session runs as if it were 10:00 London time on one day: ``TANDEM_TEST_TODAY``
(YYYY-MM-DD) or, when it is unset, the real today. The clock ticks from there, so timeouts
and sleeps behave as usual. Pinning the hour as well as the day keeps a test from passing
at 10:00 and failing at 23:59; setting another day proves the suite does not lean on the
calendar (CI runs the date-sensitive parts a year ahead and in a Christmas week).

A test that needs a particular moment asks for the ``clock`` fixture (tests/conftest.py)
and moves it: ``clock.at(datetime(2026, 12, 24, 17, 0, tzinfo=LONDON))``. Everything in the
test process follows: ``timezone.now()``, ``auto_now`` fields, the live server and in-process
Celery workers.

Subprocesses (a real ``celery worker``, ``manage.py``) cannot share this process's patched
clock, so they are started through ``python -m tests.clocked`` with the environment from
``subprocess_environment()``: it carries the offset between this process's clock and the
real one, and the child travels by the same offset. An offset rather than a moment, because
a child needs a second or two to start and would otherwise run that much behind."""

from __future__ import annotations

import os
import time as _time
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from time_machine import escape_hatch

LONDON = ZoneInfo("Europe/London")
TODAY_ENV = "TANDEM_TEST_TODAY"
OFFSET_ENV = "TANDEM_TEST_CLOCK_OFFSET"
SESSION_HOUR = time(10, 0)


def session_today() -> date:
    """The day the session runs on: ``TANDEM_TEST_TODAY`` or the real today in London."""
    value = os.environ.get(TODAY_ENV, "").strip()
    if not value:
        return real_now().date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SystemExit(f"{TODAY_ENV} must be a date as YYYY-MM-DD, not {value!r}") from None


def session_start() -> datetime:
    """10:00 London time on the session's day."""
    return datetime.combine(session_today(), SESSION_HOUR, tzinfo=LONDON)


def _real_time() -> float:
    return escape_hatch.time.time() if escape_hatch.is_travelling() else _time.time()


def real_now() -> datetime:
    """The machine's clock, whatever any test has done to this process's clock."""
    return datetime.fromtimestamp(_real_time(), tz=LONDON)


def offset_seconds() -> float:
    """How far this process's clock runs ahead of (or behind) the real one."""
    return _time.time() - _real_time()


def subprocess_environment(environment: dict[str, str] | None = None) -> dict[str, str]:
    """``environment`` (default: this process's) plus the clock offset for ``tests.clocked``."""
    env = dict(os.environ if environment is None else environment)
    env[OFFSET_ENV] = repr(offset_seconds())
    return env


def travel_by_offset(offset: float) -> Clock:
    """Move this process's clock ``offset`` seconds from the real one, ticking."""
    clock = Clock()
    clock.at(real_now() + timedelta(seconds=offset))
    return clock


class Clock:
    """A hold on this process's clock (a test's, the session's, a subprocess's); ``stop``
    gives it back to whatever held it before."""

    def __init__(self) -> None:
        self._travel: time_machine.travel | None = None
        self._traveller: time_machine.Traveller | None = None

    def at(self, moment: datetime, *, tick: bool = True) -> datetime:
        """Move the clock to ``moment`` (timezone-aware). It ticks on from there unless
        ``tick=False``, which freezes it (never with a worker or a sleep waiting on it)."""
        if moment.tzinfo is None:
            raise ValueError("clock.at needs an aware datetime, e.g. tzinfo=LONDON")
        if self._traveller is None:
            self._travel = time_machine.travel(moment, tick=tick)
            self._traveller = self._travel.start()
        else:
            self._traveller.move_to(moment, tick=tick)
        _time.time()  # a travelling clock ticks from its first reading: read it now
        return moment

    def stop(self) -> None:
        if self._travel is not None:
            self._travel.stop()
            self._travel = None
            self._traveller = None
