from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from agencies.models import Membership, MembershipEvent, Role, SupervisionLine
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in_admin(client, admin_membership):
    client.force_login(admin_membership.user)
    return admin_membership


def test_member_list_shows_members_with_role_and_status(client, signed_in_admin):
    agency = signed_in_admin.agency
    MembershipFactory.create(agency=agency, role=Role.INTAKE, user__full_name="Ada Intake")
    gone = MembershipFactory.create(agency=agency, user__full_name="Gone Person", active=False, ended_on="2026-01-05")
    page = client.get(reverse("agencies:member_list", kwargs={"agency_id": agency.pk})).content.decode()
    assert "Ada Intake" in page and "Intake worker" in page
    assert gone.user.full_name not in page  # active only by default
    page = client.get(
        reverse("agencies:member_list", kwargs={"agency_id": agency.pk}), {"status": "ended"}
    ).content.decode()
    assert "Gone Person" in page and "Deactivated" in page


def test_member_list_paginates_at_25(client, signed_in_admin):
    agency = signed_in_admin.agency
    MembershipFactory.create_batch(30, agency=agency)
    url = reverse("agencies:member_list", kwargs={"agency_id": agency.pk})
    first = client.get(url)
    assert len(first.context["page"].object_list) == 25
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(url, {"page": 2})
    assert len(second.context["page"].object_list) == 6


def test_member_list_query_count_does_not_grow_with_members(client, signed_in_admin, django_assert_max_num_queries):
    agency = signed_in_admin.agency
    for _ in range(20):
        line = SupervisionLine.objects.create(
            supervisor=MembershipFactory.create(agency=agency, role=Role.SUPERVISOR),
            supervisee=MembershipFactory.create(agency=agency),
        )
        assert line.pk
    with django_assert_max_num_queries(12):
        client.get(reverse("agencies:member_list", kwargs={"agency_id": agency.pk}))


def test_invite_page_creates_member_and_sends_email(client, signed_in_admin, django_capture_on_commit_callbacks):
    agency = signed_in_admin.agency
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("agencies:member_invite", kwargs={"agency_id": agency.pk}),
            {"full_name": "Kemi Adeyemi", "email": "kemi@agency.test", "role": "intake", "job_title": "MASH worker"},
            follow=True,
        )
    assert response.status_code == 200
    assert "Kemi Adeyemi was invited as Intake worker." in response.content.decode()
    assert Membership.objects.get(user__email="kemi@agency.test").role == Role.INTAKE
    assert len(mail.outbox) == 1


def test_invite_with_bad_input_shows_field_errors_and_keeps_what_was_typed(client, signed_in_admin):
    agency = signed_in_admin.agency
    response = client.post(
        reverse("agencies:member_invite", kwargs={"agency_id": agency.pk}),
        {"full_name": "Kemi Adeyemi", "email": "not-an-email", "role": "wizard"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid email address." in page
    assert "Select a valid choice." in page
    assert 'value="Kemi Adeyemi"' in page
    assert not Membership.objects.filter(user__full_name="Kemi Adeyemi").exists()


def test_invite_of_existing_member_explains_why(client, signed_in_admin):
    agency = signed_in_admin.agency
    existing = MembershipFactory.create(agency=agency)
    response = client.post(
        reverse("agencies:member_invite", kwargs={"agency_id": agency.pk}),
        {"full_name": "Again", "email": existing.user.email, "role": "practitioner"},
    )
    assert "already an active member of this agency" in response.content.decode()


def test_change_role_from_detail_page_is_recorded(client, signed_in_admin):
    member = MembershipFactory.create(agency=signed_in_admin.agency)
    url = reverse("agencies:member_detail", kwargs={"agency_id": member.agency_id, "membership_id": member.pk})
    response = client.post(url, {"form": "role", "role": "supervisor"}, follow=True)
    page = response.content.decode()
    assert "Role changed." in page
    assert "Practitioner → Supervisor" in page
    member.refresh_from_db()
    assert member.role == Role.SUPERVISOR


def test_deactivate_needs_confirmation(client, signed_in_admin):
    member = MembershipFactory.create(agency=signed_in_admin.agency)
    url = reverse("agencies:member_deactivate", kwargs={"agency_id": member.agency_id, "membership_id": member.pk})
    confirm = client.get(url)
    assert "Yes, deactivate" in confirm.content.decode()
    member.refresh_from_db()
    assert member.active
    client.post(url)
    member.refresh_from_db()
    assert not member.active
    assert member.events.filter(action=MembershipEvent.Action.DEACTIVATED, actor=signed_in_admin.user).exists()


def test_last_admin_deactivating_self_is_refused_with_a_reason(client, signed_in_admin):
    url = reverse(
        "agencies:member_deactivate",
        kwargs={"agency_id": signed_in_admin.agency_id, "membership_id": signed_in_admin.pk},
    )
    response = client.post(url)
    assert "at least one agency admin" in response.content.decode()
    signed_in_admin.refresh_from_db()
    assert signed_in_admin.active


def test_navigation_offers_people_page_only_to_agency_admins(client, agency):
    practitioner = MembershipFactory.create(agency=agency)
    client.force_login(practitioner.user)
    assert "People ·" not in client.get(reverse("home")).content.decode()
    admin = MembershipFactory.create(agency=agency, role=Role.AGENCY_ADMIN)
    client.force_login(admin.user)
    assert escape(f"People · {agency.name}") in client.get(reverse("home")).content.decode()
