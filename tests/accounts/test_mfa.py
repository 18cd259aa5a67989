"""A second factor: setting up an authenticator app and recovery codes, the code step of
signing in, MFA_REQUIRED, the API and its token endpoint, and an agency admin's reset. Real
sessions and devices in the database; every code computed from the device's key on the test's
clock."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.signals import user_login_failed
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from access_control.models import AccessLogEntry
from accounts import mfa
from agencies import second_factor
from agencies.models import Role
from tests.clock import LONDON, Clock
from tests.factories import TEST_PASSWORD, MembershipFactory
from tests.mfa import code_for, code_for_key, code_for_secret_text, enrol

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 11, 3, 9, 30, tzinfo=LONDON)
STEP = timedelta(seconds=30)
CODE_PAGE = reverse("accounts:mfa_verify")
ENROL_PAGE = reverse("accounts:mfa_enrol")


@pytest.fixture
def person():
    return MembershipFactory.create(user__email="sam@riverside.test").user


@pytest.fixture
def enrolled(person, clock: Clock):
    clock.at(MOMENT)
    device, codes = enrol(person)
    clock.at(MOMENT + 2 * STEP)  # the code that confirmed it is spent
    return device, codes


def password_only(email: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": email, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.content
    return client


def events(user, action: str) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(object_type="account", object_id=str(user.pk), action=action))


@pytest.fixture
def failed_sign_ins():
    seen: list[dict[str, str]] = []

    def receive(sender, credentials, request=None, **kwargs):
        seen.append(credentials)

    user_login_failed.connect(receive, dispatch_uid="tests.mfa.failed")
    yield seen
    user_login_failed.disconnect(dispatch_uid="tests.mfa.failed")


# --- setting up ---------------------------------------------------------------------------


def test_the_enrolment_page_shows_a_qr_code_and_the_key_and_writes_no_device(client, person):
    client.force_login(person)
    page = client.get(ENROL_PAGE).content.decode()
    assert '<svg role="img"' in page and "<title>QR code to scan with your authenticator app</title>" in page
    secret = client.session[mfa.PENDING_SECRET]
    assert mfa.secret_text(secret) in page
    assert not TOTPDevice.objects.filter(user=person).exists()
    # The same key until it is confirmed: a reload does not change what was scanned.
    assert mfa.secret_text(secret) in client.get(ENROL_PAGE).content.decode()


def test_a_wrong_code_sets_nothing_up(client, person, clock):
    clock.at(MOMENT)
    client.force_login(person)
    client.get(ENROL_PAGE)
    right = code_for_key(bytes.fromhex(client.session[mfa.PENDING_SECRET]))
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post(ENROL_PAGE, {"code": wrong})
    assert response.status_code == 200
    assert "That code is not right." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert events(person, "mfa_enrolled") == []


def test_the_right_code_sets_up_the_app_and_shows_ten_recovery_codes_once(client, person, clock):
    clock.at(MOMENT)
    client.force_login(person)
    page = client.get(ENROL_PAGE).content.decode()
    secret_text = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page)
    assert secret_text is not None
    response = client.post(ENROL_PAGE, {"code": code_for_secret_text(secret_text.group(1))})
    assert response.status_code == 200
    shown = re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", response.content.decode())
    assert len(set(shown)) == 10
    assert "This is the only time they are shown." in response.content.decode()
    device = TOTPDevice.objects.get(user=person)
    assert device.confirmed
    # Only their keyed digests are stored, never the codes.
    stored = set(StaticToken.objects.filter(device__user=person).values_list("token", flat=True))
    assert stored == {second_factor.recovery_digest(code) for code in shown}
    assert not stored & {code.replace("-", "") for code in shown}
    [entry] = events(person, "mfa_enrolled")
    assert entry.user == person
    # This session gave a code from the app: it goes on signed in, and the codes are not shown again.
    account = client.get(reverse("accounts:account"))
    assert account.status_code == 200
    page = account.content.decode()
    assert "Set up" in page and "You have 10 recovery codes left." in page
    assert not any(code in page for code in shown)
    assert "Replace your authenticator app" in client.get(ENROL_PAGE).content.decode()


def test_setting_up_ends_every_other_session(person, clock):
    clock.at(MOMENT)
    here, elsewhere = password_only(person.email), password_only(person.email)
    here.get(ENROL_PAGE)
    here.post(ENROL_PAGE, {"code": code_for_key(bytes.fromhex(here.session[mfa.PENDING_SECRET]))})
    assert here.get(reverse("home")).status_code == 200
    assert elsewhere.get(reverse("home"))["Location"].startswith(reverse("login"))


def test_a_session_held_at_the_code_step_goes_on_once_an_admin_has_reset_the_factor(person, enrolled):
    client = password_only(person.email)
    assert client.get(reverse("home")).status_code == 302
    TOTPDevice.objects.filter(user=person).delete()
    assert client.get(reverse("home")).status_code == 200


def test_replacing_the_app_ends_the_old_one_and_its_recovery_codes(client, person, enrolled, clock):
    old, old_codes = enrolled
    client.force_login(person)
    session = client.session
    session["otp_device_id"] = old.persistent_id
    session.save()
    client.get(ENROL_PAGE)
    new_key = bytes.fromhex(client.session[mfa.PENDING_SECRET])
    response = client.post(ENROL_PAGE, {"code": code_for_key(new_key)})
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert TOTPDevice.objects.get(user=person).bin_key == new_key
    assert not StaticToken.objects.filter(token__in=[second_factor.recovery_digest(c) for c in old_codes]).exists()


def test_new_recovery_codes_replace_the_old_ones(client, person, enrolled):
    device, old_codes = enrolled
    client.force_login(person)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    assert "You have 10 recovery codes left." in client.get(reverse("accounts:mfa_recovery_codes")).content.decode()
    response = client.post(reverse("accounts:mfa_recovery_codes"))
    shown = re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", response.content.decode())
    assert len(shown) == 10 and not set(shown) & set(old_codes)
    tokens = set(StaticToken.objects.filter(device__user=person).values_list("token", flat=True))
    assert tokens == {second_factor.recovery_digest(code) for code in shown}


# --- signing in -------------------------------------------------------------------------------


def test_after_the_password_a_person_with_a_second_factor_must_give_a_code(person, enrolled):
    client = password_only(person.email)
    for path in (reverse("home"), reverse("accounts:account"), ENROL_PAGE, "/cases/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(CODE_PAGE + "?next="), path
    page = client.get(CODE_PAGE)
    assert page.status_code == 200
    assert "Give the code from your authenticator app" in page.content.decode()
    # Signing out is always there.
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(CODE_PAGE).status_code == 302


def test_a_wrong_code_is_refused_logged_and_counted_as_a_failed_sign_in(person, enrolled, failed_sign_ins):
    device, _ = enrolled
    client = password_only(person.email)
    right = code_for(device)
    response = client.post(CODE_PAGE, {"code": f"{(int(right) + 500_000) % 1_000_000:06d}"})
    assert response.status_code == 200
    assert "That code is not right." in response.content.decode()
    [failure] = events(person, "mfa_failed")
    assert failure.user is None and failure.outcome == "denied"
    assert failed_sign_ins == [{"username": person.email}]
    assert client.get(reverse("home")).status_code == 302


def test_the_right_code_signs_in_once_and_is_not_good_twice(person, enrolled, clock):
    device, _ = enrolled
    code = code_for(device)
    client = password_only(person.email)
    response = client.post(CODE_PAGE, {"code": code, "next": reverse("accounts:account")})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:account")
    assert client.get(reverse("accounts:account")).status_code == 200
    [verified] = events(person, "mfa_verified")
    assert verified.user == person
    # The same code again, from another browser in the same 30 seconds: refused (replay).
    other = password_only(person.email)
    assert "That code is not right." in other.post(CODE_PAGE, {"code": code}).content.decode()
    assert other.get(reverse("home")).status_code == 302


def test_a_code_one_step_either_side_is_accepted_two_steps_is_not(person, enrolled, clock):
    device, _ = enrolled
    now = MOMENT + 4 * STEP
    clock.at(now - 2 * STEP)
    too_old = code_for(device)
    clock.at(now - STEP)
    one_behind = code_for(device)
    clock.at(now)
    client = password_only(person.email)
    assert "That code is not right." in client.post(CODE_PAGE, {"code": too_old}).content.decode()
    # Past the throttle's second after the wrong code, counted from when that answer came back
    # (a slow machine takes a while to answer; still well inside the step).
    clock.at(timezone.now() + timedelta(seconds=2))
    assert client.post(CODE_PAGE, {"code": one_behind}).status_code == 302


def test_right_after_a_wrong_code_even_the_right_one_waits(person, enrolled, clock):
    device, _ = enrolled
    client = password_only(person.email)
    right = code_for(device)
    client.post(CODE_PAGE, {"code": f"{(int(right) + 1) % 1_000_000:06d}"})
    response = client.post(CODE_PAGE, {"code": right})
    assert "Wait a few seconds" in response.content.decode()
    clock.at(timezone.now() + timedelta(seconds=2))  # past the throttle's second, however slow the answer
    assert client.post(CODE_PAGE, {"code": code_for(device)}).status_code == 302


def test_wrong_codes_lock_the_account_out_like_wrong_passwords_and_end_the_session(person, enrolled, clock, settings):
    device, _ = enrolled
    client = password_only(person.email)
    start = MOMENT + 2 * STEP
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        clock.at(start + attempt * timedelta(minutes=1))  # past the device's throttle each time
        wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
        response = client.post(CODE_PAGE, {"code": wrong})
    assert response.status_code == 429  # the lockout answers the attempt that locked it
    assert len(events(person, "mfa_failed")) == settings.AXES_FAILURE_LIMIT
    # This half-signed-in session has ended, and the password is refused while locked.
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))
    again = Client().post(reverse("login"), {"username": person.email, "password": TEST_PASSWORD})
    assert again.status_code != 302


def test_a_recovery_code_signs_in_once(person, enrolled):
    _, codes = enrolled
    client = password_only(person.email)
    response = client.post(CODE_PAGE, {"code": codes[0].upper()}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "You have 9 left." in response.content.decode()
    [used] = events(person, "mfa_recovery_used")
    assert used.user == person
    again = password_only(person.email)
    assert "That code is not right." in again.post(CODE_PAGE, {"code": codes[0]}).content.decode()
    assert StaticToken.objects.filter(device__user=person).count() == 9


def test_a_stored_digest_is_not_a_recovery_code(person, enrolled):
    """Someone holding a copy of the database has the digests only, and a digest typed as a
    code does not sign in."""
    stored = StaticToken.objects.filter(device__user=person).values_list("token", flat=True).first()
    client = password_only(person.email)
    assert "That code is not right." in client.post(CODE_PAGE, {"code": stored}).content.decode()
    assert StaticToken.objects.filter(device__user=person).count() == 10


def test_recovery_codes_made_before_the_key_was_rotated_still_work(person, enrolled, settings):
    _, codes = enrolled
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "rotated-" + "k" * 50
    client = password_only(person.email)
    response = client.post(CODE_PAGE, {"code": codes[1]}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    # Once the old key is dropped, the codes made under it no longer work.
    settings.SECRET_KEY_FALLBACKS = []
    again = password_only(person.email)
    assert "That code is not right." in again.post(CODE_PAGE, {"code": codes[2]}).content.decode()


def test_a_code_step_never_redirects_off_the_site(person, enrolled):
    device, _ = enrolled
    client = password_only(person.email)
    response = client.post(CODE_PAGE, {"code": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


# --- MFA_REQUIRED ---------------------------------------------------------------------------


def test_without_mfa_required_a_person_without_a_second_factor_signs_in_with_the_password(person):
    client = password_only(person.email)
    assert client.get(reverse("home")).status_code == 200
    page = client.get(reverse("accounts:account")).content.decode()
    assert "Not set up" in page and ENROL_PAGE in page


def test_mfa_required_sends_a_person_without_a_second_factor_to_set_one_up(person, settings, clock):
    settings.MFA_REQUIRED = True
    clock.at(MOMENT)
    client = password_only(person.email)
    for path in (reverse("home"), reverse("accounts:account"), CODE_PAGE, "/cases/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(ENROL_PAGE + "?next="), path
    assert client.get("/api/v1/memberships/").status_code in (401, 403)
    client.get(ENROL_PAGE + "?next=/cases/")
    key = bytes.fromhex(client.session[mfa.PENDING_SECRET])
    response = client.post(ENROL_PAGE, {"code": code_for_key(key), "next": "/cases/"})
    assert response.status_code == 200 and 'href="/cases/"' in response.content.decode()
    assert client.get(reverse("home")).status_code == 200
    assert client.get("/api/v1/memberships/").status_code == 200


def test_mfa_required_still_lets_a_person_sign_out(person, settings):
    settings.MFA_REQUIRED = True
    client = password_only(person.email)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))


# --- the API ----------------------------------------------------------------------------------


def test_an_api_session_that_has_not_given_its_code_is_refused(person, enrolled):
    device, _ = enrolled
    client = password_only(person.email)
    assert client.get("/api/v1/memberships/").status_code in (401, 403)
    client.post(CODE_PAGE, {"code": code_for(device)})
    assert client.get("/api/v1/memberships/").status_code == 200


def test_the_token_endpoint_needs_a_code_for_an_account_with_a_second_factor(
    api_client, person, enrolled, clock, failed_sign_ins
):
    device, codes = enrolled
    url = reverse("api-token")
    credentials = {"username": person.email, "password": TEST_PASSWORD}
    missing = api_client.post(url, credentials, format="json")
    assert missing.status_code == 400 and "code" in missing.json()
    right = code_for(device)
    wrong = api_client.post(url, {**credentials, "code": f"{(int(right) + 1) % 1_000_000:06d}"}, format="json")
    assert wrong.status_code == 400 and "code" in wrong.json()
    assert len(events(person, "mfa_failed")) == 1 and failed_sign_ins == [{"username": person.email}]
    clock.at(timezone.now() + timedelta(seconds=2))  # past the throttle's second, however slow the answer
    issued = api_client.post(url, {**credentials, "code": code_for(device)}, format="json")
    assert issued.status_code == 200 and issued.json()["token"]
    by_recovery_code = api_client.post(url, {**credentials, "code": codes[1]}, format="json")
    assert by_recovery_code.status_code == 200


def test_the_token_endpoint_needs_no_code_for_an_account_without_one_unless_required(api_client, person, settings):
    credentials = {"username": person.email, "password": TEST_PASSWORD}
    assert api_client.post(reverse("api-token"), credentials, format="json").status_code == 200
    settings.MFA_REQUIRED = True
    refused = api_client.post(reverse("api-token"), credentials, format="json")
    assert refused.status_code == 400 and "code" in refused.json()


# --- an agency admin ------------------------------------------------------------------------


@pytest.fixture
def admin(person):
    return MembershipFactory.create(agency=person.memberships.get().agency, role=Role.AGENCY_ADMIN)


def test_an_admin_sees_who_has_set_up_a_second_factor(client, admin, person, enrolled):
    other = MembershipFactory.create(agency=admin.agency, user__full_name="Pat Nofactor")
    client.force_login(admin.user)
    page = client.get(reverse("agencies:member_list", kwargs={"agency_id": admin.agency.pk})).content.decode()
    rows = {name: row for row in page.split("<tr>") for name in (person.full_name, other.user.full_name) if name in row}
    assert "Set up" in rows[person.full_name] and "Not set up" in rows[other.user.full_name]
    membership = person.memberships.get()
    detail = client.get(reverse("agencies:member_detail", args=[admin.agency.pk, membership.pk])).content.decode()
    assert "Reset their second factor" in detail


def test_an_admin_resets_a_members_second_factor_and_it_is_logged(client, admin, person, enrolled):
    membership = person.memberships.get()
    url = reverse("agencies:member_reset_second_factor", args=[admin.agency.pk, membership.pk])
    client.force_login(admin.user)
    assert "Yes, reset their second factor" in client.get(url).content.decode()
    assert TOTPDevice.objects.filter(user=person).exists()  # asking changes nothing
    response = client.post(url)
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert not StaticToken.objects.filter(device__user=person).exists()
    [reset] = events(person, "mfa_reset")
    assert reset.user == admin.user and reset.agency == admin.agency
    # They sign in with their password alone now.
    assert password_only(person.email).get(reverse("home")).status_code == 200


def test_an_admin_of_another_agency_or_a_member_cannot_reset(client, person, enrolled):
    membership = person.memberships.get()
    outsider = MembershipFactory.create(role=Role.AGENCY_ADMIN)
    colleague = MembershipFactory.create(agency=membership.agency)
    for who, agency_id in (
        (outsider, membership.agency.pk),
        (outsider, outsider.agency.pk),
        (colleague, membership.agency.pk),
    ):
        client.force_login(who.user)
        url = reverse("agencies:member_reset_second_factor", args=[agency_id, membership.pk])
        assert client.post(url).status_code == 404
    assert TOTPDevice.objects.filter(user=person).exists()
    assert events(person, "mfa_reset") == []
