"""An agency admin of one agency cannot see or change another agency's members,
through the pages or the API: every such request answers 404 and changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.models import Membership, MembershipEvent, Role, User
from tests.factories import AgencyFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_agencies():
    agency_a = AgencyFactory.create(name="Agency A")
    agency_b = AgencyFactory.create(name="Agency B")
    admin_a = MembershipFactory.create(agency=agency_a, role=Role.AGENCY_ADMIN)
    MembershipFactory.create(agency=agency_b, role=Role.AGENCY_ADMIN)
    member_b = MembershipFactory.create(agency=agency_b, role=Role.PRACTITIONER)
    return admin_a, agency_b, member_b


def _unchanged(member: Membership) -> None:
    fresh = Membership.objects.get(pk=member.pk)
    assert fresh.active and fresh.role == Role.PRACTITIONER
    assert not MembershipEvent.objects.filter(membership__agency=member.agency).exists()


PAGE_REQUESTS = [
    ("get", "agencies:member_list", False, {}),
    ("get", "agencies:member_invite", False, {}),
    (
        "post",
        "agencies:member_invite",
        False,
        {"full_name": "Eve Intruder", "email": "eve@x.test", "role": "practitioner"},
    ),
    ("get", "agencies:member_detail", True, {}),
    ("post", "agencies:member_detail", True, {"form": "role", "role": "supervisor"}),
    ("get", "agencies:member_deactivate", True, {}),
    ("post", "agencies:member_deactivate", True, {}),
]


@pytest.mark.parametrize(("method", "name", "needs_member", "data"), PAGE_REQUESTS)
def test_admin_of_a_gets_404_for_agency_b_pages(client, two_agencies, method, name, needs_member, data):
    admin_a, agency_b, member_b = two_agencies
    client.force_login(admin_a.user)
    kwargs = {"agency_id": agency_b.pk, **({"membership_id": member_b.pk} if needs_member else {})}
    response = getattr(client, method)(reverse(name, kwargs=kwargs), data)
    assert response.status_code == 404
    assert member_b.user.full_name not in response.content.decode()
    _unchanged(member_b)
    assert not User.objects.filter(email="eve@x.test").exists()


@pytest.mark.parametrize(("method", "name", "needs_member", "data"), PAGE_REQUESTS[3:])
def test_admin_of_a_gets_404_for_b_member_under_a_url(client, two_agencies, method, name, needs_member, data):
    """Swapping in another agency's membership id under my own agency's URL finds nothing."""
    admin_a, _, member_b = two_agencies
    client.force_login(admin_a.user)
    url = reverse(name, kwargs={"agency_id": admin_a.agency.pk, "membership_id": member_b.pk})
    response = getattr(client, method)(url, data)
    assert response.status_code == 404
    _unchanged(member_b)


API_REQUESTS = [
    ("get", "api-member-list", False, {}),
    ("post", "api-member-list", False, {"full_name": "Eve Intruder", "email": "eve@x.test", "role": "practitioner"}),
    ("get", "api-member-detail", True, {}),
    ("patch", "api-member-detail", True, {"role": "supervisor"}),
    ("post", "api-member-deactivate", True, {}),
]


@pytest.mark.parametrize(("method", "name", "needs_member", "data"), API_REQUESTS)
def test_admin_of_a_gets_404_for_agency_b_api(api_client, two_agencies, method, name, needs_member, data):
    admin_a, agency_b, member_b = two_agencies
    api_client.force_authenticate(admin_a.user)
    kwargs = {"agency_id": agency_b.pk, **({"membership_id": member_b.pk} if needs_member else {})}
    response = getattr(api_client, method)(reverse(name, kwargs=kwargs), data, format="json")
    assert response.status_code == 404
    _unchanged(member_b)
    assert not User.objects.filter(email="eve@x.test").exists()


@pytest.mark.parametrize(("method", "name", "needs_member", "data"), API_REQUESTS[2:])
def test_admin_of_a_gets_404_for_b_member_under_a_api_url(api_client, two_agencies, method, name, needs_member, data):
    admin_a, _, member_b = two_agencies
    api_client.force_authenticate(admin_a.user)
    url = reverse(name, kwargs={"agency_id": admin_a.agency.pk, "membership_id": member_b.pk})
    response = getattr(api_client, method)(url, data, format="json")
    assert response.status_code == 404
    _unchanged(member_b)


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.INTAKE, Role.SUPERVISOR])
def test_members_who_are_not_admins_cannot_manage_their_own_agency(client, api_client, agency, role):
    member = MembershipFactory.create(agency=agency, role=role)
    client.force_login(member.user)
    assert client.get(reverse("agencies:member_list", kwargs={"agency_id": agency.pk})).status_code == 404
    api_client.force_authenticate(member.user)
    assert api_client.get(reverse("api-member-list", kwargs={"agency_id": agency.pk})).status_code == 404


def test_superuser_without_membership_is_not_an_agency_admin(client, agency):
    MembershipFactory.create(agency=agency)
    superuser = User.objects.create_superuser("root@platform.test", "a-long-platform-password", full_name="Platform")
    client.force_login(superuser)
    assert client.get(reverse("agencies:member_list", kwargs={"agency_id": agency.pk})).status_code == 404


def test_deactivated_admin_loses_access_on_next_request(client, agency):
    admin = MembershipFactory.create(agency=agency, role=Role.AGENCY_ADMIN)
    MembershipFactory.create(agency=agency, role=Role.AGENCY_ADMIN)
    client.force_login(admin.user)
    url = reverse("agencies:member_list", kwargs={"agency_id": agency.pk})
    assert client.get(url).status_code == 200
    Membership.objects.filter(pk=admin.pk).update(active=False, ended_on="2026-01-01")
    assert client.get(url).status_code == 404


def test_anonymous_is_sent_to_sign_in_and_api_refuses(client, api_client, agency):
    response = client.get(reverse("agencies:member_list", kwargs={"agency_id": agency.pk}))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert api_client.get(reverse("api-member-list", kwargs={"agency_id": agency.pk})).status_code in (401, 403)
