"""Run a Python module or script on the test session's clock (see tests/clock.py).

    python -m tests.clocked -m celery -A config worker ...
    python -m tests.clocked manage.py check --deploy

The parent passes ``TANDEM_TEST_CLOCK_OFFSET`` (``tests.clock.subprocess_environment()``);
this process's clock then runs that far from the real one, ticking, before the program
imports anything of its own. Forked children (a prefork pool) inherit the moved clock."""

from __future__ import annotations

import os
import runpy
import sys

from tests.clock import OFFSET_ENV, travel_by_offset


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit("usage: python -m tests.clocked (-m MODULE | SCRIPT) [ARGS...]")
    offset = os.environ.get(OFFSET_ENV)
    if offset is None:
        raise SystemExit(f"tests.clocked needs {OFFSET_ENV}: start it with tests.clock.subprocess_environment()")
    travel_by_offset(float(offset))
    if argv[0] == "-m":
        if len(argv) < 2:
            raise SystemExit("usage: python -m tests.clocked -m MODULE [ARGS...]")
        sys.argv = [argv[1], *argv[2:]]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = list(argv)
        runpy.run_path(argv[0], run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
