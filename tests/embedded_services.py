"""pytest plugin (loaded with -p before pytest-django configures Django):
start the embedded PostgreSQL and Redis for the test session when
DATABASE_URL / REDIS_URL are unset, and stop them when the session ends."""

from __future__ import annotations

import os
import uuid
from collections.abc import Generator

import pytest

from config.embedded import EmbeddedServices, ensure_services

_services: EmbeddedServices | None = None


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> Generator[None]:
    global _services
    os.environ.setdefault("DJANGO_ENV", "test")
    # Browser tests drive Playwright's sync API from the test thread while
    # live_server answers; Django must allow ORM calls there.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # Rate-limit counters from an earlier run (or a parallel one) must not leak in.
    os.environ["CACHE_KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:12]}"
    # Tests keep their own embedded data directory, apart from `make run`'s.
    _services = ensure_services(pg_dir="pgdata-test", redis_dir="redis-test")
    return (yield)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _services is not None:
        _services.stop()
