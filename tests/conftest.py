from __future__ import annotations

from collections.abc import Iterator

import pytest
from rest_framework.test import APIClient

from agencies.models import Agency, Membership, Role
from tests.clock import Clock
from tests.factories import AgencyFactory, MembershipFactory


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
