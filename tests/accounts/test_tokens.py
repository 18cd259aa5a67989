"""API tokens (django-rest-knox): a new one at each sign-in, per client; they expire, are
listed to their owner alone, and are revoked by their owner, their agency's admin, signing out
everywhere, a new password and the end of the last membership. Each issue and revocation is in
the security log. Real database, the test's own clock."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from access_control.models import AccessLogEntry
from accounts import tokens
from accounts.models import ApiToken
from agencies.models import Role
from tests.api_tokens import api_token, issue_token
from tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db

FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.fixture
def member():
    return MembershipFactory.create()


@pytest.fixture
def person(member):
    return member.user


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def works(token: str) -> bool:
    status = with_token(token).get(reverse("api-my-memberships")).status_code
    assert status in (200, 401, 403), status
    return status == 200


def events(action: str, person) -> list[AccessLogEntry]:
    return list(
        AccessLogEntry.objects.filter(object_type="account", object_id=str(person.pk), action=action).order_by("id")
    )


# --- issuing ----------------------------------------------------------------------------------


def test_each_sign_in_issues_a_new_token_of_its_own_and_each_works(person):
    laptop = issue_token(person, client="Laptop")
    phone = issue_token(person, client="Case app on phone")
    assert set(laptop) == {"id", "token", "client", "expiry"}
    assert laptop["token"] != phone["token"] and laptop["id"] != phone["id"]
    assert works(laptop["token"]) and works(phone["token"])
    assert list(ApiToken.objects.filter(user=person).order_by("id").values_list("client", flat=True)) == [
        "Laptop",
        "Case app on phone",
    ]


def test_one_person_holds_at_most_the_set_number_of_working_tokens(person, clock, settings):
    settings.API_TOKENS_PER_PERSON = 3
    start = clock.at(timezone.now())
    first = [issue_token(person, client=f"Client {n}") for n in range(3)]
    response = APIClient().post(
        reverse("api-token"), {"username": person.email, "password": TEST_PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert "3 API tokens in use" in str(response.json())
    assert ApiToken.objects.filter(user=person).count() == 3
    # Revoking one makes room; so does one running out.
    tokens.revoke_mine(person, first[0]["id"])
    issue_token(person, client="After revoking")
    clock.at(start + timedelta(hours=settings.API_TOKEN_TTL_HOURS, minutes=1))
    assert works(issue_token(person, client="After they ran out")["token"])


def test_only_a_digest_of_the_token_is_stored(person):
    token = api_token(person)
    row = ApiToken.objects.get(user=person)
    stored = [str(value) for value in ApiToken.objects.filter(pk=row.pk).values().get().values()]
    assert token not in stored
    assert row.digest != token and len(row.digest) == 128


def test_a_token_without_a_client_name_is_named_for_its_user_agent(person):
    assert issue_token(person, HTTP_USER_AGENT=FIREFOX_ON_WINDOWS)["client"] == "Firefox on Windows"
    assert issue_token(person, HTTP_USER_AGENT="python-requests/2.32.3")["client"] == "python-requests/2.32.3"
    assert issue_token(person, client="  Laptop\n")["client"] == "Laptop"


@pytest.mark.parametrize(
    ("user_agent", "name"),
    [
        (FIREFOX_ON_WINDOWS, "Firefox on Windows"),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/18.1 Safari/605.1.15",
            "Safari on macOS",
        ),
        ("curl/8.5.0", "curl/8.5.0"),
        ("", "Unnamed client"),
        ("\x00\x01", "Unnamed client"),
        ("x" * 300, "x" * 100),
    ],
)
def test_the_client_name_read_from_a_user_agent(user_agent, name):
    assert tokens.client_from_user_agent(user_agent) == name


def test_the_token_endpoint_reads_no_other_credential(person):
    """A client whose old token has expired still signs in for a new one, old header and all."""
    client = with_token("0" * 64)
    response = client.post(reverse("api-token"), {"username": person.email, "password": TEST_PASSWORD}, format="json")
    assert response.status_code == 200


def test_issuing_is_a_security_event(person, member):
    api_token(person)
    (issued,) = events("token_issued", person)
    assert (issued.user, issued.agency, issued.outcome) == (person, member.agency, "allowed")


# --- expiry -----------------------------------------------------------------------------------


def test_a_token_ends_its_lifetime_after_it_was_issued_however_much_it_is_used(person, clock, settings):
    assert settings.API_TOKEN_TTL_HOURS == 12
    start = clock.at(timezone.now())
    issued = issue_token(person)
    token = issued["token"]
    expiry = ApiToken.objects.get(user=person).expiry
    assert abs(expiry - (start + timedelta(hours=12))) < timedelta(seconds=5)
    assert datetime.fromisoformat(issued["expiry"]) == expiry
    # Used all day: that does not make it last longer (no auto-refresh).
    for hour in range(1, 12):
        clock.at(start + timedelta(hours=hour))
        assert works(token), hour
    assert ApiToken.objects.get(user=person).expiry == expiry
    clock.at(start + timedelta(hours=12, minutes=1))
    assert not works(token)
    assert not ApiToken.objects.filter(user=person).exists()  # knox deletes it when it is refused
    assert works(api_token(person))  # signing in again gives a new one


def test_the_lifetime_is_a_setting(person, clock, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(hours=1)}
    start = clock.at(timezone.now())
    token = api_token(person)
    clock.at(start + timedelta(minutes=59))
    assert works(token)
    clock.at(start + timedelta(minutes=61))
    assert not works(token)


# --- last use ---------------------------------------------------------------------------------


def test_last_use_is_written_at_most_once_a_minute(person, clock):
    start = clock.at(timezone.now(), tick=False)
    token = api_token(person)
    assert ApiToken.objects.get(user=person).last_used is None
    assert works(token)
    assert ApiToken.objects.get(user=person).last_used == start
    clock.at(start + timedelta(seconds=30), tick=False)
    with CaptureQueriesContext(connection) as queries:
        assert works(token)
    assert not [query for query in queries if query["sql"].startswith('UPDATE "accounts_apitoken"')]
    assert ApiToken.objects.get(user=person).last_used == start  # not written again
    clock.at(start + timedelta(minutes=2), tick=False)
    assert works(token)
    assert ApiToken.objects.get(user=person).last_used == start + timedelta(minutes=2)


# --- listing ----------------------------------------------------------------------------------


def test_i_list_only_my_own_tokens_never_the_tokens_themselves(person):
    mine = issue_token(person, client="Laptop")
    other = issue_token(MembershipFactory.create().user, client="Their laptop")
    body = with_token(mine["token"]).get(reverse("api-my-tokens")).json()
    assert [row["client"] for row in body["results"]] == ["Laptop"]
    (row,) = body["results"]
    assert set(row) == {"id", "client", "created", "last_used", "expiry", "current"}
    assert row["current"] is True and row["id"] == mine["id"]
    assert other["token"] not in str(body) and mine["token"] not in str(body)


def test_the_account_page_lists_my_tokens_and_no_one_elses(client: Client, person):
    issue_token(person, client="Laptop")
    issue_token(MembershipFactory.create().user, client="Their laptop")
    client.force_login(person)
    page = client.get(reverse("accounts:account")).content.decode()
    assert "Laptop" in page and "Their laptop" not in page
    assert "Not used yet" in page
    assert reverse("accounts:tokens_revoke_all") in page


# --- revoking ---------------------------------------------------------------------------------


def test_i_revoke_one_of_my_tokens_through_the_api_and_not_anothers(person):
    laptop, phone = issue_token(person, client="Laptop"), issue_token(person, client="Phone")
    theirs = issue_token(MembershipFactory.create().user)
    client = with_token(laptop["token"])
    assert client.delete(reverse("api-my-token", kwargs={"token_id": theirs["id"]})).status_code == 404
    assert works(theirs["token"])
    assert client.delete(reverse("api-my-token", kwargs={"token_id": phone["id"]})).status_code == 204
    assert not works(phone["token"]) and works(laptop["token"])
    (revoked,) = events("token_revoked", person)
    assert (revoked.user, revoked.outcome) == (person, "allowed")


def test_signing_out_through_the_api_revokes_the_token_used_only(person):
    laptop, phone = api_token(person, client="Laptop"), api_token(person, client="Phone")
    assert with_token(laptop).post(reverse("api-logout")).status_code == 204
    assert not works(laptop) and works(phone)
    assert len(events("token_revoked", person)) == 1
    # Signing out needs the token itself: a browser session has none to revoke.
    session = APIClient()
    session.force_login(person)
    assert session.post(reverse("api-logout")).status_code in (401, 403)


def test_i_revoke_a_token_from_my_account_page_after_confirming(client: Client, person):
    laptop, phone = issue_token(person, client="Laptop"), issue_token(person, client="Phone")
    theirs = issue_token(MembershipFactory.create().user)
    client.force_login(person)
    url = reverse("accounts:token_revoke", kwargs={"token_id": laptop["id"]})
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Revoke the API token for “Laptop”?" in confirm.content.decode()
    assert works(laptop["token"])  # asking changed nothing
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:account")
    assert "The API token for “Laptop” is revoked." in response.content.decode()
    assert not works(laptop["token"]) and works(phone["token"])
    other = reverse("accounts:token_revoke", kwargs={"token_id": theirs["id"]})
    assert client.get(other).status_code == 404
    assert client.post(other).status_code == 404
    assert works(theirs["token"])


def test_i_revoke_all_my_tokens_from_my_account_page(client: Client, person):
    laptop, phone = api_token(person), api_token(person)
    theirs = api_token(MembershipFactory.create().user)
    client.force_login(person)
    assert "Revoke all your API tokens?" in client.get(reverse("accounts:tokens_revoke_all")).content.decode()
    response = client.post(reverse("accounts:tokens_revoke_all"), follow=True)
    assert "All your API tokens are revoked." in response.content.decode()
    assert not works(laptop) and not works(phone) and works(theirs)
    assert len(events("token_revoked", person)) == 2
    assert client.get(reverse("accounts:account")).status_code == 200  # the session goes on


def test_an_agency_admin_revokes_a_members_tokens_logged(client: Client, member, person):
    admin = MembershipFactory.create(agency=member.agency, role=Role.AGENCY_ADMIN).user
    token = api_token(person)
    admins_own = api_token(admin)
    client.force_login(admin)
    detail = client.get(reverse("agencies:member_detail", args=[member.agency_id, member.pk])).content.decode()
    assert "API tokens in use: 1" in detail
    url = reverse("agencies:member_revoke_tokens", args=[member.agency_id, member.pk])
    assert "Revoke" in client.get(url).content.decode() and works(token)
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("agencies:member_detail", args=[member.agency_id, member.pk])
    assert "API tokens are revoked (1)" in response.content.decode()
    assert not works(token) and works(admins_own)
    (revoked,) = events("token_revoked", person)
    assert (revoked.user, revoked.agency) == (admin, member.agency)


def test_no_one_else_revokes_a_members_tokens(client: Client, member, person):
    token = api_token(person)
    url = reverse("agencies:member_revoke_tokens", args=[member.agency_id, member.pk])
    colleague = MembershipFactory.create(agency=member.agency, role=Role.SUPERVISOR).user
    elsewhere_admin = MembershipFactory.create(role=Role.AGENCY_ADMIN).user
    for someone in (colleague, elsewhere_admin):
        client.force_login(someone)
        assert client.post(url).status_code in (403, 404)
    assert works(token)
    assert events("token_revoked", person) == []


# --- revoked by what ends a person's access ---------------------------------------------------


def test_a_new_password_by_the_emailed_link_revokes_the_tokens(client: Client, person):
    token = api_token(person)
    client.post(reverse("password_reset"), {"email": person.email})
    link = re.search(r"/accounts/set-password/\S+/", str(mail.outbox[-1].body))
    assert link
    form = client.get(link.group(0), follow=True)
    new = "river otter lantern"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("password_reset_complete")
    assert not works(token)
    assert len(events("token_revoked", person)) == 1


def test_a_new_password_and_signing_out_everywhere_revoke_the_tokens(client: Client, person):
    client.force_login(person)
    token = api_token(person)
    new = "lantern orchard velvet quarry"
    client.post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert not works(token)
    again = APIClient().post(reverse("api-token"), {"username": person.email, "password": new}, format="json")
    assert again.status_code == 200
    client.post(reverse("accounts:sign_out_everywhere"))
    assert not works(again.json()["token"])
    assert len(events("token_revoked", person)) == 2


def test_the_end_of_the_last_membership_revokes_the_tokens(client: Client, member, person):
    admin = MembershipFactory.create(agency=member.agency, role=Role.AGENCY_ADMIN).user
    second = MembershipFactory.create(user=person, role=Role.PRACTITIONER)
    token = api_token(person)
    client.force_login(admin)
    client.post(reverse("agencies:member_deactivate", args=[member.agency_id, member.pk]))
    assert works(token)  # still a member of another agency
    other_admin = MembershipFactory.create(agency=second.agency, role=Role.AGENCY_ADMIN).user
    client.force_login(other_admin)
    client.post(reverse("agencies:member_deactivate", args=[second.agency_id, second.pk]))
    assert not works(token)
    assert not ApiToken.objects.filter(user=person).exists()
    (revoked,) = events("token_revoked", person)
    assert (revoked.user, revoked.agency) == (other_admin, second.agency)


def test_a_token_of_the_kind_issued_before_knox_is_refused(person):
    """DRF's tokens (40 hex characters, kept in plain text) are gone with their table."""
    assert not works("9a38483c8f2474592085be9d5a1fc00c20fb6689")


def test_an_agency_admin_does_not_revoke_the_tokens_of_someone_who_has_left(client: Client, member, person):
    admin = MembershipFactory.create(agency=member.agency, role=Role.AGENCY_ADMIN).user
    MembershipFactory.create(user=person)  # still working elsewhere
    member.active, member.ended_on = False, timezone.localdate()
    member.save()
    token = api_token(person)
    client.force_login(admin)
    page = client.get(reverse("agencies:member_detail", args=[member.agency_id, member.pk])).content.decode()
    assert reverse("agencies:member_revoke_tokens", args=[member.agency_id, member.pk]) not in page
    assert client.post(reverse("agencies:member_revoke_tokens", args=[member.agency_id, member.pk])).status_code == 403
    assert works(token)
