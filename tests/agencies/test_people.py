"""People: searching an agency's members by name and email (posted, kept in the session, never
in a URL), and inviting an address that is already someone's Tandem account."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from agencies import services
from agencies.models import Membership, MembershipEvent, Role, User
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in_admin(client, admin_membership):
    client.force_login(admin_membership.user)
    return admin_membership


def _people(agency):
    MembershipFactory.create(
        agency=agency, role=Role.PRACTITIONER, user__full_name="Priya Okafor", user__email="p.okafor@riverside.test"
    )
    MembershipFactory.create(
        agency=agency, role=Role.SUPERVISOR, user__full_name="Tom Okafor-Reid", user__email="tom@riverside.test"
    )
    MembershipFactory.create(
        agency=agency, role=Role.PRACTITIONER, user__full_name="Jane Smith", user__email="jsmith@riverside.test"
    )
    MembershipFactory.create(
        agency=agency,
        role=Role.PRACTITIONER,
        user__full_name="Olga Okafor",
        user__email="olga@riverside.test",
        active=False,
        ended_on="2026-01-05",
    )


def _names(response) -> list[str]:
    return [m.user.full_name for m in response.context["page"].object_list]


# --- search --------------------------------------------------------------------------------


def test_search_by_name_any_case_is_kept_in_the_session_not_the_url(client, signed_in_admin):
    agency = signed_in_admin.agency
    _people(agency)
    url = reverse("agencies:member_list", args=[agency.pk])
    posted = client.post(url, {"search": "OKAFOR"})
    assert posted.status_code == 302 and "okafor" not in posted["Location"].lower()
    listed = client.get(posted["Location"])
    assert sorted(_names(listed)) == ["Priya Okafor", "Tom Okafor-Reid"]
    assert "Clear search" in listed.content.decode()
    assert client.session[f"member_search:{agency.pk}"] == "OKAFOR"


def test_search_by_email(client, signed_in_admin):
    agency = signed_in_admin.agency
    _people(agency)
    url = reverse("agencies:member_list", args=[agency.pk])
    client.post(url, {"search": "JSMITH@river"})
    assert _names(client.get(url)) == ["Jane Smith"]


def test_search_combines_with_the_status_and_role_filters(client, signed_in_admin):
    agency = signed_in_admin.agency
    _people(agency)
    url = reverse("agencies:member_list", args=[agency.pk])
    posted = client.post(f"{url}?status=all&role=practitioner", {"search": "okafor"})
    assert posted["Location"].endswith("?status=all&role=practitioner")
    assert sorted(_names(client.get(posted["Location"]))) == ["Olga Okafor", "Priya Okafor"]
    assert _names(client.get(url, {"status": "ended"})) == ["Olga Okafor"]


def test_clear_search_and_the_empty_state(client, signed_in_admin):
    agency = signed_in_admin.agency
    _people(agency)
    url = reverse("agencies:member_list", args=[agency.pk])
    client.post(url, {"search": "nobody-like-this"})
    empty = client.get(url)
    assert _names(empty) == []
    assert "No one matches “nobody-like-this”" in empty.content.decode()
    client.post(url, {"search": "nobody-like-this", "action": "clear"})
    assert f"member_search:{agency.pk}" not in client.session
    assert len(_names(client.get(url))) == 4  # three active and the admin


def test_search_results_are_paginated(client, signed_in_admin):
    agency = signed_in_admin.agency
    for n in range(30):
        MembershipFactory.create(agency=agency, user__full_name=f"Sam Searchable {n:02d}")
    url = reverse("agencies:member_list", args=[agency.pk])
    client.post(url, {"search": "searchable"})
    first = client.get(url)
    assert len(_names(first)) == 25 and "Page 1 of 2" in first.content.decode()
    assert len(_names(client.get(url, {"page": 2}))) == 5


def test_search_api_takes_post_json_with_filters(api_client, admin_membership):
    agency = admin_membership.agency
    _people(agency)
    api_client.force_authenticate(admin_membership.user)
    url = reverse("api-member-search", args=[agency.pk])
    found = api_client.post(url, {"search": "okafor"}, format="json").json()
    assert sorted(row["full_name"] for row in found["results"]) == ["Priya Okafor", "Tom Okafor-Reid"]
    found = api_client.post(url, {"search": "OKAFOR", "status": "all", "role": "practitioner"}, format="json").json()
    assert sorted(row["full_name"] for row in found["results"]) == ["Olga Okafor", "Priya Okafor"]
    assert api_client.post(url, {"search": ""}, format="json").status_code == 400
    assert api_client.get(url).status_code == 405


def test_search_api_is_404_for_another_agency(api_client, admin_membership, other_agency):
    _people(other_agency)
    api_client.force_authenticate(admin_membership.user)
    response = api_client.post(
        reverse("api-member-search", args=[other_agency.pk]), {"search": "okafor"}, format="json"
    )
    assert response.status_code == 404


def test_the_member_list_runs_the_same_number_of_queries_for_3_and_25_members(client, signed_in_admin):
    agency = signed_in_admin.agency
    url = reverse("agencies:member_list", args=[agency.pk])
    counts = []
    for size in (3, 24):
        while Membership.objects.filter(agency=agency).count() < size + 1:
            supervisor = MembershipFactory.create(agency=agency, role=Role.SUPERVISOR)
            worker = MembershipFactory.create(agency=agency)
            services.set_supervisor(by=signed_in_admin.user, membership=worker, supervisor=supervisor)
        client.post(url, {"search": "a"})
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


# --- inviting an address that is already someone's account -----------------------------------


def test_inviting_someone_active_in_another_agency_links_them(
    client, signed_in_admin, other_agency, django_capture_on_commit_callbacks
):
    agency = signed_in_admin.agency
    elsewhere = MembershipFactory.create(
        agency=other_agency, user__full_name="Kim Police", user__email="kim@police.test"
    )
    users = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("agencies:member_invite", args=[agency.pk]),
            {"full_name": "Kimberley P", "email": "KIM@Police.test", "role": Role.PRACTITIONER},
            follow=True,
        )
    assert User.objects.count() == users
    membership = Membership.objects.get(user=elsewhere.user, agency=agency)
    assert membership.active and membership.role == Role.PRACTITIONER
    assert elsewhere.user.full_name == "Kim Police"
    page = response.content.decode()
    said = f"Kim Police already has a Tandem account; they have been added to {agency.name} as Practitioner"
    assert escape(said) in page
    assert mail.outbox[-1].to == ["kim@police.test"]
    assert agency.name in mail.outbox[-1].subject
    assert membership.events.get().detail == "Added (existing account) as Practitioner"


def test_inviting_a_former_member_reactivates_them(client, signed_in_admin):
    agency = signed_in_admin.agency
    former = MembershipFactory.create(
        agency=agency, user__email="back@riverside.test", active=False, ended_on="2026-01-05"
    )
    User.objects.filter(pk=former.user_id).update(is_active=False)
    client.post(
        reverse("agencies:member_invite", args=[agency.pk]),
        {"full_name": "Back Again", "email": "back@riverside.test", "role": Role.SUPERVISOR},
    )
    former.user.refresh_from_db()
    assert former.user.is_active
    now = Membership.objects.get(user=former.user, agency=agency, active=True)
    assert now.role == Role.SUPERVISOR and now.pk != former.pk
    assert MembershipEvent.objects.get(membership=now).detail == "Rejoined (existing account) as Supervisor"


def test_inviting_an_active_member_of_this_agency_is_a_form_error(client, signed_in_admin):
    agency = signed_in_admin.agency
    member = MembershipFactory.create(agency=agency, user__full_name="Already Here", user__email="here@riverside.test")
    response = client.post(
        reverse("agencies:member_invite", args=[agency.pk]),
        {"full_name": "Again", "email": "HERE@riverside.test", "role": Role.INTAKE},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Already Here is already an active member of this agency."]
    assert Membership.objects.filter(user=member.user).count() == 1


def test_inviting_an_existing_address_through_the_api_says_so(api_client, admin_membership, other_agency):
    agency = admin_membership.agency
    elsewhere = MembershipFactory.create(agency=other_agency, user__email="sam@health.test")
    api_client.force_authenticate(admin_membership.user)
    url = reverse("api-member-list", args=[agency.pk])
    response = api_client.post(url, {"full_name": "Sam", "email": "Sam@Health.test", "role": "intake"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["existing_account"] is True and "already has a Tandem account" in body["message"]
    assert User.objects.filter(email__iexact="sam@health.test").count() == 1
    again = api_client.post(url, {"full_name": "Sam", "email": "sam@health.test", "role": "intake"}, format="json")
    assert again.status_code == 400 and "already an active member" in again.json()["email"][0]
    new = api_client.post(
        url, {"full_name": "New Person", "email": "new@riverside.test", "role": "intake"}, format="json"
    )
    assert new.json()["existing_account"] is False
    assert elsewhere.active
