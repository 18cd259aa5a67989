from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from agencies.models import Agency, Membership, Role
from tests.factories import AgencyFactory, MembershipFactory


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
