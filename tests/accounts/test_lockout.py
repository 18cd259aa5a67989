"""Lockout after failed sign-ins (django-axes, per account and per address), its page and its
API answer, unlocking by time and by an agency admin, and the limits on the password-reset
pages: with the real database, Redis and the test's own clock."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from rest_framework.test import APIClient

from access_control.models import AccessLogEntry
from agencies import lockouts
from agencies.models import Role
from tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db

WRONG = "not-the-password"


def fresh_address() -> str:
    """An address no other test (nor an earlier run, within the token throttle's minute) used."""
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


def page_client(address: str | None = None) -> Client:
    return Client(REMOTE_ADDR=address or fresh_address())


def sign_in(client: Client, email: str, password: str = TEST_PASSWORD):
    return client.post(reverse("login"), {"username": email, "password": password})


def security_events(user=None, **filters) -> list[str]:
    rows = AccessLogEntry.objects.filter(object_type="account", **filters)
    if user is not None:
        rows = rows.filter(object_id=str(user.pk))
    return list(rows.order_by("id").values_list("action", flat=True))


@pytest.fixture
def member():
    return MembershipFactory.create(user__email="sam@agency.test").user


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(member):
    client = page_client()
    for _ in range(4):
        assert sign_in(client, member.email, WRONG).status_code == 200
    fifth = sign_in(client, member.email, WRONG)
    assert fifth.status_code == 429
    right = sign_in(client, member.email)
    assert right.status_code == 429
    assert SESSION_KEY not in client.session
    page = right.content.decode()
    assert "Signing in is locked for now" in page
    assert "locked for up to 15 minutes" in page
    assert "ask your agency admin" in page
    assert reverse("public:public_concern") in page
    assert right["Retry-After"] == "900"


def test_the_lock_is_on_the_account_from_any_address_and_whatever_its_case(member):
    for _ in range(5):
        sign_in(page_client(), "Sam@Agency.TEST", WRONG)
    assert sign_in(page_client(), member.email).status_code == 429


def test_a_good_password_clears_the_count(member):
    client = page_client()
    for _ in range(4):
        sign_in(client, member.email, WRONG)
    assert sign_in(client, member.email).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        sign_in(client, member.email, WRONG)
    assert sign_in(client, member.email).status_code == 302


def test_an_address_is_locked_after_many_failures_on_any_accounts(settings):
    address = fresh_address()
    people = [MembershipFactory.create().user for _ in range(5)]
    for person in people:
        for _ in range(4):  # below each account's own limit
            sign_in(page_client(address), person.email, WRONG)
    assert settings.LOCKOUT_ADDRESS_FAILURE_LIMIT == 20
    someone_else = MembershipFactory.create().user
    assert sign_in(page_client(address), someone_else.email).status_code == 429
    assert sign_in(page_client(), someone_else.email).status_code == 302


def test_a_forwarded_for_header_is_not_believed_without_a_trusted_proxy(settings):
    address = fresh_address()
    people = [MembershipFactory.create().user for _ in range(5)]
    for n, person in enumerate(people):
        for m in range(4):
            client = Client(REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=f"192.0.2.{n * 4 + m + 1}")
            sign_in(client, person.email, WRONG)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {address}
    assert sign_in(page_client(address), MembershipFactory.create().user.email).status_code == 429


def test_the_lock_ends_after_the_cool_off(member, clock):
    start = timezone.now()
    clock.at(start)
    client = page_client()
    for _ in range(5):
        sign_in(client, member.email, WRONG)
    clock.at(start + timedelta(minutes=14))
    assert sign_in(client, member.email).status_code == 429
    clock.at(start + timedelta(minutes=15, seconds=5))
    assert sign_in(client, member.email).status_code == 302


def test_an_agency_admin_lets_a_locked_member_sign_in_again(member):
    membership = member.memberships.get()
    admin = MembershipFactory.create(agency=membership.agency, role=Role.AGENCY_ADMIN).user
    for _ in range(5):
        sign_in(page_client(), member.email, WRONG)
    assert lockouts.is_locked(member)
    admin_client = Client()
    admin_client.force_login(admin)
    detail_url = reverse("agencies:member_detail", args=[membership.agency_id, membership.pk])
    unlock_url = reverse("agencies:member_unlock", args=[membership.agency_id, membership.pk])
    detail = admin_client.get(detail_url).content.decode()
    assert "Locked out" in detail and unlock_url in detail
    confirm = admin_client.get(unlock_url)
    assert "Yes, let them sign in again" in confirm.content.decode()
    assert lockouts.is_locked(member)  # asking changes nothing
    done = admin_client.post(unlock_url, follow=True)
    assert f"{member.full_name} can sign in again." in done.content.decode()
    assert not lockouts.is_locked(member)
    assert "Locked out" not in admin_client.get(detail_url).content.decode()
    assert sign_in(page_client(), member.email).status_code == 302
    unlocked = AccessLogEntry.objects.get(action="unlocked")
    assert (unlocked.user, unlocked.object_id, unlocked.agency_id) == (admin, str(member.pk), membership.agency_id)


def test_an_admin_of_another_agency_cannot_unlock(member):
    membership = member.memberships.get()
    other_admin = MembershipFactory.create(role=Role.AGENCY_ADMIN).user
    for _ in range(5):
        sign_in(page_client(), member.email, WRONG)
    client = Client()
    client.force_login(other_admin)
    unlock_url = reverse("agencies:member_unlock", args=[membership.agency_id, membership.pk])
    assert client.post(unlock_url).status_code == 404
    elsewhere = reverse("agencies:member_unlock", args=[other_admin.memberships.get().agency_id, membership.pk])
    assert client.post(elsewhere).status_code == 404
    colleague = Client()
    colleague.force_login(MembershipFactory.create(agency=membership.agency).user)
    assert colleague.post(unlock_url).status_code == 404
    assert lockouts.is_locked(member)
    assert not AccessLogEntry.objects.filter(action="unlocked").exists()


def test_the_token_endpoint_counts_and_answers_a_lock_as_json(member):
    client = APIClient(REMOTE_ADDR=fresh_address())
    url = reverse("api-token")
    for _ in range(4):
        assert client.post(url, {"username": member.email, "password": WRONG}, format="json").status_code in (400, 401)
    fifth = client.post(url, {"username": member.email, "password": WRONG}, format="json")
    assert fifth.status_code == 429
    right = client.post(url, {"username": member.email, "password": TEST_PASSWORD}, format="json")
    assert right.status_code == 429
    assert right["Content-Type"] == "application/json"
    assert "locked for up to 15 minutes" in right.json()["detail"]
    # The same lock holds on the sign-in page.
    assert sign_in(page_client(), member.email).status_code == 429


def test_failures_on_the_page_and_the_api_count_together(member):
    for _ in range(3):
        sign_in(page_client(), member.email, WRONG)
    client = APIClient(REMOTE_ADDR=fresh_address())
    for _ in range(2):
        client.post(reverse("api-token"), {"username": member.email, "password": WRONG}, format="json")
    response = client.post(reverse("api-token"), {"username": member.email, "password": TEST_PASSWORD}, format="json")
    assert response.status_code == 429


# --- the security log ---------------------------------------------------------------------


def test_signing_in_failing_and_being_locked_out_are_in_the_security_log(member):
    client = page_client()
    sign_in(client, member.email, WRONG)
    assert security_events(member) == ["sign_in_failed"]
    sign_in(client, member.email)
    client.post(reverse("logout"))
    assert security_events(member) == ["sign_in_failed", "sign_in", "sign_out"]
    signed_in = AccessLogEntry.objects.get(action="sign_in")
    assert (signed_in.user, signed_in.agency) == (member, member.memberships.get().agency)
    failed = AccessLogEntry.objects.get(action="sign_in_failed")
    assert failed.user is None and failed.outcome == "denied"
    for _ in range(5):
        sign_in(client, member.email, WRONG)
    sign_in(client, member.email)  # refused while locked
    assert security_events(member)[3:] == ["sign_in_failed"] * 5 + ["locked_out", "locked_out"]


def test_a_failure_on_an_unknown_address_names_no_account_and_logs_nothing_typed():
    sign_in(page_client(), "nobody-here@agency.test", WRONG)
    row = AccessLogEntry.objects.get(action="sign_in_failed")
    assert row.object_id == "" and row.user is None
    logged = " ".join(str(value) for value in AccessLogEntry.objects.values_list(flat=False).get())
    assert "nobody-here" not in logged and WRONG not in logged


def test_new_passwords_and_signing_out_everywhere_are_in_the_security_log(member):
    client = page_client()
    sign_in(client, member.email)
    new = "lantern orchard velvet quarry"
    client.post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new},
    )
    client.post(reverse("accounts:sign_out_everywhere"))
    assert security_events(member) == ["sign_in", "password_changed", "sign_out_everywhere", "sign_out"]


def test_a_password_chosen_from_an_emailed_link_is_in_the_security_log(member):
    client = page_client()
    client.post(reverse("password_reset"), {"email": member.email})
    link = re.search(r"/accounts/set-password/\S+/", str(mail.outbox[-1].body))
    assert link is not None
    form_page = client.get(link.group(0), follow=True)
    new = "a brand new long phrase"
    client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert security_events(member) == ["password_reset"]
    row = AccessLogEntry.objects.get(action="password_reset")
    assert row.user == member


def test_a_session_past_its_lifetime_is_in_the_security_log(member, clock, settings):
    settings.SESSION_ABSOLUTE_HOURS = 1
    start = clock.at(timezone.now())
    client = page_client()
    sign_in(client, member.email)
    for minutes in (20, 40, 61):  # busy: the idle timeout does not end it first
        clock.at(start + timedelta(minutes=minutes))
        client.get(reverse("accounts:account"))
    assert security_events(member) == ["sign_in", "session_expired", "sign_out"]
    expired = AccessLogEntry.objects.get(action="session_expired")
    assert expired.user == member


def test_the_admin_reads_their_members_security_log_only(member):
    membership = member.memberships.get()
    admin = MembershipFactory.create(agency=membership.agency, role=Role.AGENCY_ADMIN).user
    stranger = MembershipFactory.create().user
    sign_in(page_client(), member.email, WRONG)
    sign_in(page_client(), stranger.email, WRONG)
    sign_in(page_client(), member.email)
    client = Client()
    client.force_login(admin)
    url = reverse("agencies:security_log", args=[membership.agency_id])
    assert url in client.get(reverse("agencies:member_list", args=[membership.agency_id])).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-testid="security-event"') == 2  # the member's failure and sign-in
    assert escape(member.full_name) in page and escape(stranger.full_name) not in page
    assert "Wrong email address or password" in page and "Signed in with their password" in page
    reading = AccessLogEntry.objects.get(object_type="security_log")
    assert (reading.user, reading.action, reading.agency_id) == (admin, "list", membership.agency_id)
    # Another agency's log, or a member who is not its admin: 404.
    assert client.get(reverse("agencies:security_log", args=[stranger.memberships.get().agency_id])).status_code == 404
    colleague = Client()
    colleague.force_login(member)
    assert colleague.get(url).status_code == 404


def test_a_session_opened_without_a_request_is_no_authentication_event(member):
    client = Client()
    client.force_login(member)
    client.logout()
    assert security_events(member) == []


def test_the_security_log_says_when_there_is_nothing_yet():
    admin = MembershipFactory.create(role=Role.AGENCY_ADMIN).user
    client = Client()
    client.force_login(admin)
    response = client.get(reverse("agencies:security_log", args=[admin.memberships.get().agency_id]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="security-event"' not in page
    assert "Nothing has happened to the accounts of" in page


def test_the_security_log_is_paged(member):
    membership = member.memberships.get()
    admin = MembershipFactory.create(agency=membership.agency, role=Role.AGENCY_ADMIN).user
    for _ in range(4):
        for _ in range(4):
            sign_in(page_client(), member.email, WRONG)
        sign_in(page_client(), member.email)
    # 4 x (4 failures + 1 sign-in) = 20 events and more from other pages: 50 a page.
    for _ in range(8):
        client = page_client()
        for _ in range(4):
            sign_in(client, member.email, WRONG)
        sign_in(client, member.email)
        client.post(reverse("logout"))
    client = Client()
    client.force_login(admin)
    url = reverse("agencies:security_log", args=[membership.agency_id])
    first = client.get(url).content.decode()
    assert first.count('data-testid="security-event"') == 50
    assert "Page 1 of 2" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count('data-testid="security-event"') == 4 * 5 + 8 * 6 - 50


# --- password-reset limits -------------------------------------------------------------------


def test_asking_for_reset_links_is_limited_per_email_address_whether_or_not_it_has_an_account(member):
    for email in (member.email, "nobody@agency.test"):
        answers = [page_client().post(reverse("password_reset"), {"email": email}).status_code for _ in range(4)]
        assert answers == [302, 302, 302, 429]
    assert len(mail.outbox) == 3
    refused = page_client().post(reverse("password_reset"), {"email": member.email.upper()})
    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()


def test_asking_for_reset_links_is_limited_per_address(settings):
    client = page_client()
    answers = [client.post(reverse("password_reset"), {"email": f"p{n}@agency.test"}).status_code for n in range(11)]
    assert answers == [302] * 10 + [429]
    assert page_client().post(reverse("password_reset"), {"email": "p99@agency.test"}).status_code == 302


def test_the_set_password_page_is_limited_per_address(member, settings):
    settings.SET_PASSWORD_RATE_PER_HOUR = 3
    client = page_client()
    url = reverse("password_reset_confirm", args=["MQ", "not-a-token"])
    answers = [client.get(url).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert page_client().get(url).status_code == 200


def test_the_security_log_through_the_api_is_the_admins_members_only(member):
    membership = member.memberships.get()
    admin = MembershipFactory.create(agency=membership.agency, role=Role.AGENCY_ADMIN).user
    stranger = MembershipFactory.create().user
    sign_in(page_client(), member.email, WRONG)
    sign_in(page_client(), stranger.email, WRONG)
    client = APIClient()
    client.force_authenticate(admin)
    response = client.get(reverse("api-security-log", kwargs={"agency_id": membership.agency_id}))
    assert response.status_code == 200
    [event] = response.json()["results"]
    assert event["event"] == "sign_in_failed" and event["outcome"] == "denied"
    assert event["description"] == "wrong email address or password"
    assert event["account"] == {"id": member.pk, "full_name": member.full_name}
    assert event["by"] is None
    assert AccessLogEntry.objects.filter(object_type="security_log", user=admin).count() == 1
    other = reverse("api-security-log", kwargs={"agency_id": stranger.memberships.get().agency_id})
    assert client.get(other).status_code == 404
    colleague = APIClient()
    colleague.force_authenticate(member)
    assert colleague.get(reverse("api-security-log", kwargs={"agency_id": membership.agency_id})).status_code == 404


def test_a_sign_in_without_a_request_is_still_refused_for_a_locked_account(member):
    for _ in range(5):
        sign_in(page_client(), member.email, WRONG)
    assert not Client().login(username=member.email, password=TEST_PASSWORD)
    other = MembershipFactory.create().user
    assert Client().login(username=other.email, password=TEST_PASSWORD)
