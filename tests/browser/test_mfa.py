"""A second factor in a real browser: set up an authenticator app with a code computed from the
key the page shows, sign out, sign in with the password and then a code. Every page passes
axe-core, breaks no CSP rule (the QR code is inline SVG) and fits 1366 and 360 px."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.clock import session_start
from tests.factories import TEST_PASSWORD, MembershipFactory
from tests.mfa import code_for_secret_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("TANDEM_MFA_SCREENSHOTS", "")  # a directory, to look at the pages


def csp_violations(page: Page) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None)
    return seen


def no_horizontal_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, page.url


def test_set_up_sign_out_and_sign_in_with_a_code(browser, live_server, axe, clock):
    clock.at(session_start() + timedelta(minutes=5))
    person = MembershipFactory.create(user__email="sam@riverside.test", user__full_name="Sam Worker").user
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    violations = csp_violations(page)
    base = live_server.url
    sign_in(page, base, person.email, TEST_PASSWORD)

    page.goto(f"{base}/accounts/")
    expect(page.get_by_test_id("second-factor")).to_contain_text("Not set up")
    page.get_by_role("link", name="Set up a second factor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up a second factor")
    expect(page.get_by_role("img", name="QR code to scan with your authenticator app")).to_be_visible()
    assert_accessible(axe, page)
    no_horizontal_scroll(page)
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "mfa-enrol-1366.png"), full_page=True)

    page.get_by_role("button", name="Confirm and set up").click()  # no code yet
    expect(page.get_by_role("alert")).to_contain_text("This field is required.")
    assert_accessible(axe, page)
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.get_by_label("Code from the app").fill(code_for_secret_text(secret))
    page.get_by_role("button", name="Confirm and set up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your authenticator app is set up")
    expect(page.get_by_test_id("recovery-codes").get_by_role("listitem")).to_have_count(10)
    assert_accessible(axe, page)
    no_horizontal_scroll(page)
    page.get_by_role("link", name="I have kept my recovery codes: continue").click()
    page.goto(f"{base}/accounts/")
    expect(page.get_by_test_id("second-factor")).to_contain_text("You have 10 recovery codes left.")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/accounts/login/")
    clock.at(session_start() + timedelta(minutes=7))  # a later code than the one that set it up
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Give the code from your authenticator app")
    assert "/accounts/two-factor/code/" in page.url
    assert_accessible(axe, page)
    no_horizontal_scroll(page)
    page.get_by_label("Code", exact=True).fill(code_for_secret_text(secret))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{base}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    assert violations == []
    context.close()


def test_the_second_factor_pages_fit_a_360px_phone(phone_page: Page, live_server, axe, clock):
    clock.at(session_start() + timedelta(minutes=5))
    person = MembershipFactory.create(user__email="pat@riverside.test").user
    violations = csp_violations(phone_page)
    base = live_server.url
    sign_in(phone_page, base, person.email, TEST_PASSWORD)
    phone_page.goto(f"{base}/accounts/two-factor/")
    expect(phone_page.get_by_role("img", name="QR code to scan with your authenticator app")).to_be_visible()
    no_horizontal_scroll(phone_page)
    assert_accessible(axe, phone_page)
    if SCREENSHOTS:
        phone_page.screenshot(path=os.path.join(SCREENSHOTS, "mfa-enrol-360.png"), full_page=True)
    secret = phone_page.get_by_test_id("totp-secret").inner_text()
    phone_page.get_by_label("Code from the app").fill(code_for_secret_text(secret))
    phone_page.get_by_role("button", name="Confirm and set up").click()
    expect(phone_page.get_by_test_id("recovery-codes").get_by_role("listitem")).to_have_count(10)
    no_horizontal_scroll(phone_page)
    assert_accessible(axe, phone_page)
    if SCREENSHOTS:
        phone_page.screenshot(path=os.path.join(SCREENSHOTS, "mfa-recovery-codes-360.png"), full_page=True)
    phone_page.goto(f"{base}/accounts/")
    no_horizontal_scroll(phone_page)
    if SCREENSHOTS:
        phone_page.screenshot(path=os.path.join(SCREENSHOTS, "mfa-account-360.png"), full_page=True)
    assert violations == []
