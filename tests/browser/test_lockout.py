"""Locked out after wrong passwords, in a real browser: the readable page (axe-core clean, no
horizontal scroll at 360 px, no CSP violation), the agency admin letting the member in again
from the member's page, and the security log they read."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from agencies.models import Role
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WRONG = "not-the-password"


def try_password(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_locked_out_then_let_in_again_by_the_agency_admin(browser: Browser, page: Page, live_server, axe):
    base = live_server.url
    member = MembershipFactory.create(user__email="sam@riverside.test", user__full_name="Sam Worker")
    MembershipFactory.create(agency=member.agency, role=Role.AGENCY_ADMIN, user__email="admin@riverside.test")

    violations: list[str] = []
    phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    phone_page = phone.new_page()
    phone_page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    for _ in range(4):
        try_password(phone_page, base, "sam@riverside.test", WRONG)
        expect(phone_page.get_by_text("Your email address or password is not right")).to_be_visible()
    try_password(phone_page, base, "sam@riverside.test", WRONG)
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Signing in is locked for now")
    # The right password does not get in while the lock lasts.
    try_password(phone_page, base, "sam@riverside.test", TEST_PASSWORD)
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Signing in is locked for now")
    expect(phone_page.get_by_text("locked for up to 15 minutes")).to_be_visible()
    expect(phone_page.get_by_role("link", name="tell us about your concern")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert_accessible(axe, phone_page)
    assert violations == []

    # The agency admin sees the lock on the member's page and lifts it.
    sign_in(page, base, "admin@riverside.test", TEST_PASSWORD)
    page.get_by_role("link", name=re.compile("People · ")).first.click()
    page.get_by_role("link", name="Sam Worker").click()
    expect(page.get_by_test_id("member-locked-out")).to_be_visible()
    assert_accessible(axe, page)
    page.get_by_role("link", name="Let them sign in again…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Let Sam Worker sign in again?")
    assert_accessible(axe, page)
    page.get_by_role("button", name="Yes, let them sign in again").click()
    expect(page.get_by_text("Sam Worker can sign in again.")).to_be_visible()
    expect(page.get_by_test_id("member-locked-out")).to_have_count(0)

    # The security log says what happened, in words.
    page.get_by_role("link", name="Back to people in").click()
    page.get_by_role("link", name="Security log").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Security log of")
    events = page.get_by_test_id("security-event")
    expect(events.filter(has_text="Let back in by an agency admin")).to_have_count(1)
    expect(events.filter(has_text="Too many failed sign-ins")).to_have_count(2)
    expect(events.filter(has_text="Wrong email address or password")).to_have_count(5)
    assert_accessible(axe, page)

    # And the member signs in.
    sign_in(phone_page, base, "sam@riverside.test", TEST_PASSWORD)
    phone.close()
