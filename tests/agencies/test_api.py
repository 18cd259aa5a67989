from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.models import Membership, Role
from tests.api_tokens import token_headers
from tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_my_memberships_lists_only_my_active_agencies(api_client, agency, other_agency):
    me = MembershipFactory.create(agency=agency, role=Role.SUPERVISOR)
    MembershipFactory.create(user=me.user, agency=other_agency, active=False, ended_on="2026-01-01")
    MembershipFactory.create(agency=other_agency)
    api_client.force_authenticate(me.user)
    body = api_client.get(reverse("api-my-memberships")).json()
    assert [row["agency_name"] for row in body["results"]] == [agency.name]
    assert body["results"][0]["role"] == "supervisor"


def test_admin_lists_invites_changes_and_deactivates_through_api(api_client, admin_membership):
    agency = admin_membership.agency
    api_client.force_authenticate(admin_membership.user)
    list_url = reverse("api-member-list", kwargs={"agency_id": agency.pk})

    created = api_client.post(
        list_url, {"full_name": "Priya Shah", "email": "priya@agency.test", "role": "practitioner"}, format="json"
    )
    assert created.status_code == 201
    member_id = created.json()["id"]
    assert {row["email"] for row in api_client.get(list_url).json()["results"]} == {
        admin_membership.user.email,
        "priya@agency.test",
    }

    detail_url = reverse("api-member-detail", kwargs={"agency_id": agency.pk, "membership_id": member_id})
    assert api_client.patch(detail_url, {"role": "intake"}, format="json").json()["role"] == "intake"

    deactivate_url = reverse("api-member-deactivate", kwargs={"agency_id": agency.pk, "membership_id": member_id})
    assert api_client.post(deactivate_url).json()["active"] is False
    assert not Membership.objects.get(pk=member_id).active


def test_api_validation_errors_name_the_field(api_client, admin_membership):
    api_client.force_authenticate(admin_membership.user)
    url = reverse("api-member-list", kwargs={"agency_id": admin_membership.agency_id})
    response = api_client.post(url, {"full_name": "", "email": "nope", "role": "wizard"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"full_name", "email", "role"}
    last_admin = reverse(
        "api-member-detail", kwargs={"agency_id": admin_membership.agency_id, "membership_id": admin_membership.pk}
    )
    response = api_client.patch(last_admin, {"role": "practitioner"}, format="json")
    assert response.status_code == 400
    assert "at least one agency admin" in response.json()["role"][0]


def test_token_authentication_works_and_obeys_the_same_scope(client, admin_membership, other_agency):
    headers = token_headers(admin_membership.user)
    own = client.get(reverse("api-member-list", kwargs={"agency_id": admin_membership.agency_id}), **headers)
    assert own.status_code == 200
    other = client.get(reverse("api-member-list", kwargs={"agency_id": other_agency.pk}), **headers)
    assert other.status_code == 404


def test_token_endpoint_issues_a_token_for_valid_credentials(client):
    user = UserFactory.create()
    response = client.post(reverse("api-token"), {"username": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    mine = client.get(reverse("api-my-memberships"), HTTP_AUTHORIZATION=f"Token {token}")
    assert mine.status_code == 200
    bad = client.post(reverse("api-token"), {"username": user.email, "password": "wrong"})
    assert bad.status_code == 400


def test_openapi_schema_documents_the_member_endpoints(client):
    response = client.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/agencies/{agency_id}/members/" in paths
    assert "/api/v1/agencies/{agency_id}/members/{membership_id}/deactivate/" in paths


def test_api_docs_page_is_served_without_a_cdn(client):
    response = client.get(reverse("api-docs"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "cdn" not in page.lower() and "https://" not in page
