from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from agencies import services
from agencies.models import Role
from tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db


def test_sign_in_with_email_and_password(client):
    member = MembershipFactory.create(user__email="sam@agency.test")
    response = client.post(reverse("login"), {"username": "sam@agency.test", "password": TEST_PASSWORD}, follow=True)
    assert response.status_code == 200
    assert response.context["user"] == member.user


def test_wrong_password_gives_a_clear_message_and_no_session(client):
    MembershipFactory.create(user__email="sam@agency.test")
    response = client.post(reverse("login"), {"username": "sam@agency.test", "password": "wrong-password"})
    assert "email address or password is not right" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_deactivated_person_cannot_sign_in(client, admin_membership):
    member = MembershipFactory.create(agency=admin_membership.agency, user__email="leaver@agency.test")
    services.deactivate_membership(by=admin_membership.user, membership=member)
    response = client.post(reverse("login"), {"username": "leaver@agency.test", "password": TEST_PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


def test_sign_out_is_a_post(client):
    member = MembershipFactory.create()
    client.force_login(member.user)
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email_lets_the_person_choose_a_new_password(client):
    member = MembershipFactory.create(user__email="sam@agency.test")
    client.post(reverse("password_reset"), {"email": "sam@agency.test"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/set-password/\S+/", str(mail.outbox[0].body))
    assert link is not None
    path = link.group(0).split("testserver", 1)[-1]
    form_page = client.get(path, follow=True)
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a brand new long phrase", "new_password2": "a brand new long phrase"},
        follow=True,
    )
    assert "Password saved" in done.content.decode()
    member.user.refresh_from_db()
    assert member.user.check_password("a brand new long phrase")
    assert member.user.password.startswith("argon2")


def test_password_reset_for_unknown_address_reveals_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@agency.test"}, follow=True)
    assert "Check your email" in response.content.decode()
    assert mail.outbox == []


def test_invited_person_sets_password_from_the_invitation(client, admin_membership, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_member(
            by=admin_membership.user,
            agency=admin_membership.agency,
            email="new@agency.test",
            full_name="New Starter",
            role=Role.PRACTITIONER,
        )
    link = re.search(r"/accounts/set-password/\S+/", str(mail.outbox[0].body))
    assert link is not None
    path = link.group(0)
    form_page = client.get(path, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "my own long passphrase", "new_password2": "my own long passphrase"},
    )
    assert client.login(username="new@agency.test", password="my own long passphrase")


def test_session_expires_after_idle_time(client, settings):
    member = MembershipFactory.create()
    client.force_login(member.user)
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert client.session.get_expire_at_browser_close()
