"""A real Celery worker for the tests that need one (not eager mode): in a thread, on the test
Redis, its database connection closed after each task so it never outlives the test database."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from config.celery import app


def _close_worker_connections(**kwargs: object) -> None:
    connections.close_all()


@contextmanager
def real_worker() -> Iterator[None]:
    """A worker taking tasks from an emptied queue for the length of the block."""
    assert not app.conf.task_always_eager
    app.control.purge()
    task_postrun.connect(_close_worker_connections, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
            yield
    finally:
        task_postrun.disconnect(_close_worker_connections)


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Until ``condition()`` holds, or fail after ``timeout`` seconds."""
    give_up = time.monotonic() + timeout
    while time.monotonic() < give_up:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the worker")
