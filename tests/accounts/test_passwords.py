"""Weak and breached passwords are refused wherever a password is chosen, offline (zxcvbn's
own lists, no call to any other service), with every reason at once."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db

WEAK = {
    "twelve letters a": "aaaaaaaaaaaa",
    "twelve spaces": " " * 12,
    "common with digits": "password1234",
    "keyboard walk": "qwertyuiop123",
    "the product's name": "tandemtandem1",
}


@pytest.mark.parametrize("password", list(WEAK.values()), ids=list(WEAK))
def test_a_weak_or_breached_password_is_refused(password):
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert any("too guessable" in message or "too common" in message for message in refused.value.messages)


def test_a_password_made_of_the_persons_own_name_is_refused():
    person = MembershipFactory.create(user__full_name="Priya Ramanathan").user
    with pytest.raises(ValidationError):
        validate_password("Priya Ramanathan", user=person)


@pytest.mark.parametrize("password", ["lantern orchard velvet quarry", "river otter lantern", "N3w-Passw0rd-2026"])
def test_a_strong_passphrase_is_taken(password):
    validate_password(password)


def test_changing_to_a_weak_password_says_why_and_keeps_the_old_one(client: Client):
    person = MembershipFactory.create().user
    client.force_login(person)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "aaaaaaaaaaaa", "new_password2": "aaaaaaaaaaaa"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your password is too guessable" in page
    assert "Repeats like" in page  # zxcvbn's reason, in words
    # The reasons are on the new password, where it was typed, not on its confirmation.
    errors = response.context["form"].errors
    assert "new_password1" in errors and "new_password2" not in errors
    person.refresh_from_db()
    assert person.check_password(TEST_PASSWORD)


def test_choosing_a_weak_password_by_the_emailed_link_says_why(client: Client):
    MembershipFactory.create(user__email="sam@agency.test")
    client.post(reverse("password_reset"), {"email": "sam@agency.test"})
    link = re.search(r"/accounts/set-password/\S+/", str(mail.outbox[-1].body))
    assert link
    form = client.get(link.group(0), follow=True)
    weak = client.post(form.redirect_chain[-1][0], {"new_password1": " " * 12, "new_password2": " " * 12})
    assert "Your password is too guessable" in weak.content.decode()
    strong = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "river otter lantern", "new_password2": "river otter lantern"},
        follow=True,
    )
    assert strong.redirect_chain[-1][0] == reverse("password_reset_complete")
