from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import pytest
from django.db import transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.backends.postgresql.operations import DatabaseOperations
from rest_framework.test import APIClient

from agencies.models import Agency, Membership, Role
from outbox import delivery
from outbox.models import Message
from tests import limits
from tests.clock import Clock
from tests.factories import AgencyFactory, MembershipFactory


@pytest.fixture(scope="session", autouse=True)
def flush_past_the_access_logs_guard() -> Iterator[None]:
    """Transactional tests (live server, real workers) empty every table after each test with
    one TRUNCATE, which the access log refuses (access_control 0006). The test database's
    superuser runs that flush with triggers silenced for its one transaction
    (``session_replication_role``, which the application's role in production may not set);
    every other statement of the suite meets the triggers as production does."""
    flush = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self: BaseDatabaseOperations, sql_list: Iterable[str]) -> None:
        with transaction.atomic(using=self.connection.alias):
            with self.connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
            flush(self, sql_list)

    DatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]
    try:
        yield
    finally:
        DatabaseOperations.execute_sql_flush = flush  # type: ignore[method-assign]


@pytest.fixture
def clock() -> Iterator[Clock]:
    """The one way a test sets the time: ``clock.at(moment)`` moves this process's clock
    (and, through ``tests.clock.subprocess_environment()``, any subprocess it starts).
    Without it a test runs on the session's clock: 10:00 London on TANDEM_TEST_TODAY."""
    held = Clock()
    try:
        yield held
    finally:
        held.stop()


@pytest.fixture(autouse=True)
def forget_password_reset_limits() -> None:
    """The password-reset pages' limits count in Redis, which outlives a test: none counted
    at the start of each (tests.limits). Lockout's counts are in the database, rolled back."""
    limits.forget_limits()


@pytest.fixture
def agency(db: None) -> Agency:
    return AgencyFactory.create(name="Riverside Children's Services")


@pytest.fixture
def other_agency(db: None) -> Agency:
    return AgencyFactory.create(name="Hillcrest Police")


@pytest.fixture
def admin_membership(agency: Agency) -> Membership:
    return MembershipFactory.create(agency=agency, role=Role.AGENCY_ADMIN)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def deliver_outbox(db: None) -> Callable[[], list[bool]]:
    """Deliver every unsent outbox message now, through the outbox's own delivery (lease,
    sender, stamp), as a worker would: tests run no worker unless they start one, and the
    queue's copies are never consumed. Returns what each delivery answered, oldest first."""

    def deliver() -> list[bool]:
        unsent = Message.objects.filter(sent_at__isnull=True, obsolete=False).order_by("pk")
        return [delivery.deliver(message_id) for message_id in unsent.values_list("pk", flat=True)]

    return deliver
