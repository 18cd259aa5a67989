"""One line per set-up step, with the time it took:

    [tandem] installing pinned packages (uv) … 1.0 s

The lines go to stderr, so they never mix into a command's own output (``manage.py dumpdata >
file``). On a terminal, a step still running after a second counts its seconds in place, so
a long step (pip, the first demo data) never leaves a silent screen. Standard library only:
the set-up script runs this before the virtual environment exists.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

PREFIX = "[tandem]"
_CLEAR_LINE = "\r\x1b[K"


def say(line: str) -> None:
    """A line of its own, in the same voice as the steps."""
    sys.stderr.write(f"{PREFIX} {line}\n")
    sys.stderr.flush()


def seconds(elapsed: float) -> str:
    return f"{elapsed:.1f} s" if elapsed < 10 else f"{elapsed:.0f} s"


@dataclass
class Step:
    """What a running step may add to its closing line, e.g. ``already loaded``."""

    note: str = ""


@contextmanager
def step(what: str) -> Iterator[Step]:
    """Print ``what``, run the block, and finish the line with the time it took (or ``failed``)."""
    stream = sys.stderr
    live = stream.isatty()
    started = time.monotonic()
    current = Step()
    stream.write(f"{PREFIX} {what} … ")
    stream.flush()
    finished = threading.Event()

    def count_seconds() -> None:
        while not finished.wait(1.0):
            stream.write(f"{_CLEAR_LINE}{PREFIX} {what} … {seconds(time.monotonic() - started)}")
            stream.flush()

    ticker = threading.Thread(target=count_seconds, daemon=True) if live else None
    if ticker is not None:
        ticker.start()

    def finish(outcome: str) -> None:
        finished.set()
        if ticker is not None:
            ticker.join()
            stream.write(f"{_CLEAR_LINE}{PREFIX} {what} … ")
        stream.write(f"{outcome}\n")
        stream.flush()

    try:
        yield current
    except KeyboardInterrupt:  # Ctrl-C: stopped, not failed
        finish(f"stopped after {seconds(time.monotonic() - started)}")
        raise
    except BaseException:
        finish(f"failed after {seconds(time.monotonic() - started)}")
        raise
    elapsed = seconds(time.monotonic() - started)
    finish(f"{current.note}, {elapsed}" if current.note else elapsed)
