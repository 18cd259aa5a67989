"""A person's own account: a new password, signing out everywhere, and the longest a session
lives, with real sessions in the database and the test's own clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import middleware
from accounts.models import ApiToken
from tests.api_tokens import api_token
from tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lantern orchard velvet quarry"


def signed_in(email: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": email, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.content
    return client


def is_signed_in(client: Client) -> bool:
    return client.get(reverse("accounts:account")).status_code == 200


@pytest.fixture
def person():
    return MembershipFactory.create().user


def test_the_account_page_says_how_long_sessions_last(person):
    client = signed_in(person.email)
    page = client.get(reverse("accounts:account")).content.decode()
    assert person.email in page
    assert "30 minutes without use, and 12 hours after you signed in" in page
    assert reverse("accounts:password_change") in page and reverse("accounts:sign_out_everywhere") in page


def test_the_account_page_asks_to_sign_in(client):
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_new_password_keeps_this_session_and_ends_the_others_and_the_tokens(person):
    here, elsewhere = signed_in(person.email), signed_in(person.email)
    api_token(person)
    response = here.post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("accounts:account")
    assert "Your password is changed." in response.content.decode()
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)
    assert not ApiToken.objects.filter(user=person).exists()
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)


def test_a_new_password_shows_every_problem_at_once_and_changes_nothing(person):
    client = signed_in(person.email)
    api_token(person)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "not my password", "new_password1": "short", "new_password2": "different"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your old password was entered incorrectly" in page
    assert "The two password fields didn\u2019t match." in page
    assert ApiToken.objects.filter(user=person).exists()
    person.refresh_from_db()
    assert person.check_password(TEST_PASSWORD)


def test_signing_out_everywhere_asks_first_then_ends_every_session_and_token(person):
    here, elsewhere = signed_in(person.email), signed_in(person.email)
    other_person = signed_in(MembershipFactory.create().user.email)
    api_token(person)

    confirm = here.get(reverse("accounts:sign_out_everywhere"))
    assert confirm.status_code == 200 and "Sign out everywhere?" in confirm.content.decode()
    assert is_signed_in(elsewhere)  # asking changed nothing

    response = here.post(reverse("accounts:sign_out_everywhere"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "You are signed out everywhere" in response.content.decode()
    assert not is_signed_in(here) and not is_signed_in(elsewhere)
    assert is_signed_in(other_person)
    assert not ApiToken.objects.filter(user=person).exists()
    # Signing in again works, and that session lives.
    again = signed_in(person.email)
    assert is_signed_in(again)


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(person, clock, settings):
    assert settings.SESSION_ABSOLUTE_HOURS == 12
    start = clock.at(timezone.now())
    client = signed_in(person.email)
    # Busy all day: a request every 20 minutes keeps the idle timeout from ending it.
    moment = start
    while moment < start + timedelta(hours=12):
        moment += timedelta(minutes=20)
        clock.at(moment)
        if moment <= start + timedelta(hours=12):
            assert is_signed_in(client), moment - start
    clock.at(start + timedelta(hours=12, minutes=1))
    response = client.get(reverse("accounts:account"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "the longest a session lasts: sign in again" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_an_idle_session_still_ends_after_thirty_minutes(person, clock):
    start = clock.at(timezone.now())
    client = signed_in(person.email)
    clock.at(start + timedelta(minutes=31))
    assert not is_signed_in(client)


def test_a_session_from_before_its_sign_in_was_noted_counts_from_its_next_request(person, clock):
    start = clock.at(timezone.now())
    client = signed_in(person.email)
    session = client.session
    del session[middleware.SIGNED_IN_AT]
    session.save()
    later = clock.at(start + timedelta(minutes=20), tick=False)
    assert is_signed_in(client)
    assert client.session[middleware.SIGNED_IN_AT] == later.isoformat()
