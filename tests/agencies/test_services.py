from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from agencies import services
from agencies.models import Membership, MembershipEvent, Role, SupervisionLine, User
from tests.factories import MembershipFactory, SupervisionLineFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_invite_creates_user_membership_and_emails_set_password_link(
    admin_membership, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.invite_member(
            by=admin_membership.user,
            agency=admin_membership.agency,
            email="  New.Person@Agency.TEST ",
            full_name="Nia Okafor",
            role=Role.PRACTITIONER,
        )
    assert membership.user.email == "new.person@agency.test"
    assert not membership.user.has_usable_password()
    assert membership.events.get().action == MembershipEvent.Action.INVITED
    assert membership.events.get().actor == admin_membership.user
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@agency.test"]
    assert "/accounts/set-password/" in mail.outbox[0].body


def test_invite_sends_nothing_when_the_transaction_fails(admin_membership, django_capture_on_commit_callbacks):
    MembershipFactory.create(agency=admin_membership.agency, user__email="taken@agency.test")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.invite_member(
            by=admin_membership.user,
            agency=admin_membership.agency,
            email="taken@agency.test",
            full_name="X Y",
            role="practitioner",
        )
    assert mail.outbox == []


def test_invite_existing_user_into_second_agency_keeps_their_password(admin_membership, other_agency):
    elsewhere = MembershipFactory.create(agency=other_agency)
    membership = services.invite_member(
        by=admin_membership.user,
        agency=admin_membership.agency,
        email=elsewhere.user.email,
        full_name="ignored",
        role=Role.INTAKE,
    )
    assert membership.user == elsewhere.user
    assert membership.user.has_usable_password()
    assert Membership.objects.filter(user=elsewhere.user, active=True).count() == 2


def test_non_admin_cannot_invite(agency):
    supervisor = MembershipFactory.create(agency=agency, role=Role.SUPERVISOR)
    with pytest.raises(PermissionDenied):
        services.invite_member(
            by=supervisor.user, agency=agency, email="a@b.test", full_name="A B", role="practitioner"
        )
    assert not User.objects.filter(email="a@b.test").exists()


def test_admin_of_other_agency_cannot_change_role(admin_membership, other_agency):
    member = MembershipFactory.create(agency=other_agency)
    with pytest.raises(PermissionDenied):
        services.change_role(by=admin_membership.user, membership=member, role=Role.SUPERVISOR)
    member.refresh_from_db()
    assert member.role == Role.PRACTITIONER


def test_change_role_records_event_and_ends_supervision_that_no_longer_fits(admin_membership):
    line = SupervisionLineFactory.create(supervisor__agency=admin_membership.agency)
    services.change_role(by=admin_membership.user, membership=line.supervisee, role=Role.SUPERVISOR)
    line.refresh_from_db()
    assert not line.active and line.ended_on is not None
    event = line.supervisee.events.get()
    assert event.action == MembershipEvent.Action.ROLE_CHANGED
    assert event.detail == "Practitioner → Supervisor"


def test_last_agency_admin_cannot_be_demoted_or_deactivated(admin_membership):
    with pytest.raises(ValidationError):
        services.change_role(by=admin_membership.user, membership=admin_membership, role=Role.PRACTITIONER)
    with pytest.raises(ValidationError):
        services.deactivate_membership(by=admin_membership.user, membership=admin_membership)
    admin_membership.refresh_from_db()
    assert admin_membership.active and admin_membership.role == Role.AGENCY_ADMIN


def test_deactivate_ends_membership_supervision_and_sign_in(admin_membership):
    line = SupervisionLineFactory.create(supervisor__agency=admin_membership.agency)
    member = line.supervisee
    services.deactivate_membership(by=admin_membership.user, membership=member)
    member.refresh_from_db()
    line.refresh_from_db()
    assert not member.active and member.ended_on is not None
    assert not line.active
    assert not member.user.is_active
    assert member.events.get().action == MembershipEvent.Action.DEACTIVATED


def test_deactivate_keeps_sign_in_for_someone_still_in_another_agency(admin_membership, other_agency):
    user = UserFactory.create()
    MembershipFactory.create(user=user, agency=other_agency)
    member = MembershipFactory.create(user=user, agency=admin_membership.agency)
    services.deactivate_membership(by=admin_membership.user, membership=member)
    user.refresh_from_db()
    assert user.is_active


def test_set_supervisor_replaces_the_previous_line(admin_membership):
    agency = admin_membership.agency
    first = MembershipFactory.create(agency=agency, role=Role.SUPERVISOR)
    second = MembershipFactory.create(agency=agency, role=Role.SUPERVISOR)
    worker = MembershipFactory.create(agency=agency)
    services.set_supervisor(by=admin_membership.user, membership=worker, supervisor=first)
    services.set_supervisor(by=admin_membership.user, membership=worker, supervisor=second)
    active = SupervisionLine.objects.get(supervisee=worker, active=True)
    assert active.supervisor == second
    assert SupervisionLine.objects.filter(supervisee=worker).count() == 2


def test_supervisor_must_be_in_the_same_agency(admin_membership, other_agency):
    outsider = MembershipFactory.create(agency=other_agency, role=Role.SUPERVISOR)
    worker = MembershipFactory.create(agency=admin_membership.agency)
    with pytest.raises(ValidationError):
        services.set_supervisor(by=admin_membership.user, membership=worker, supervisor=outsider)
    assert not SupervisionLine.objects.filter(supervisee=worker).exists()
