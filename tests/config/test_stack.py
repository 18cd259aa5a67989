"""`make run`'s own plumbing (config/stack.py); the whole of it runs in test_setup_path.py."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable

from config.stack import HeldOutput


def _soon(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + 5
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_a_servers_output_waits_until_released_then_comes_out_whole_and_in_order():
    read_end, write_end = os.pipe()
    ours = io.StringIO()
    held = HeldOutput()
    with os.fdopen(read_end, "rb") as source, os.fdopen(write_end, "wb", buffering=0) as server:
        held.copy(source, ours)
        server.write(b"Performing system checks...\n")
        server.write(b"Starting development server at http://127.0.0.1:8000/\n")
        assert _soon(lambda: held.waiting == 2)
        assert ours.getvalue() == ""  # a step's line is still being written

        held.release()
        assert ours.getvalue() == (
            "Performing system checks...\nStarting development server at http://127.0.0.1:8000/\n"
        )
        server.write(b'"GET /healthz HTTP/1.1" 200 49\n')
        assert _soon(lambda: ours.getvalue().endswith('"GET /healthz HTTP/1.1" 200 49\n'))
        assert held.waiting == 0


def test_a_server_stopped_while_it_boots_has_its_output_dropped():
    read_end, write_end = os.pipe()
    ours = io.StringIO()
    held = HeldOutput()
    with os.fdopen(read_end, "rb") as source, os.fdopen(write_end, "wb", buffering=0) as server:
        copier = held.copy(source, ours)
        server.write(b"Watching for file changes with StatReloader\n")
        assert _soon(lambda: held.waiting == 1)

        held.drop()
        held.release()
        server.write(b"Traceback (most recent call last):\n")
        server.write(b"KeyboardInterrupt\n")
    copier.join(timeout=5)
    assert not copier.is_alive()
    assert ours.getvalue() == ""
    assert held.waiting == 0
