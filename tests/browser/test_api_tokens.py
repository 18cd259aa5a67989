"""A person's API tokens on their account page, in a real browser at a laptop's width and a
phone's: listed with their client, revoked one at a time and all at once, each after a
confirmation; every page passes axe-core, breaks no Content Security Policy and fits 360 px."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from accounts.models import ApiToken
from tests.api_tokens import issue_token
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check(page: Page, axe: Axe, violations: list[str]) -> None:
    assert_accessible(axe, page)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, page.url
    assert violations == [], page.url


@pytest.mark.parametrize("width", [1366, 360])
def test_listing_and_revoking_api_tokens_on_the_account_page(browser: Browser, live_server, axe, width):
    person = MembershipFactory.create(user__email="sam@riverside.test").user
    laptop = issue_token(person, client="Laptop")
    issue_token(person, client="Case app on phone with a rather long name for a small screen")
    issue_token(MembershipFactory.create().user, client="Someone else's laptop")
    context = browser.new_context(viewport={"width": width, "height": 900}, is_mobile=width < 400)
    page = context.new_page()
    page.set_default_timeout(10_000)
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    try:
        sign_in(page, live_server.url, person.email, TEST_PASSWORD)
        page.goto(f"{live_server.url}/accounts/")
        tokens = page.get_by_test_id("api-tokens")
        expect(tokens.get_by_test_id("api-token")).to_have_count(2)
        expect(tokens.get_by_role("heading", name="Laptop")).to_be_visible()
        expect(tokens).not_to_contain_text("Someone else's laptop")
        expect(tokens.get_by_text("Not used yet").first).to_be_visible()
        check(page, axe, violations)

        tokens.get_by_role("link", name="Revoke the token for Laptop").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Revoke the API token for “Laptop”?")
        check(page, axe, violations)
        page.get_by_role("button", name="Yes, revoke it").click()
        expect(page.get_by_text("The API token for “Laptop” is revoked.")).to_be_visible()
        expect(tokens.get_by_test_id("api-token")).to_have_count(1)
        assert not ApiToken.objects.filter(pk=laptop["id"]).exists()
        check(page, axe, violations)

        tokens.get_by_role("link", name="Revoke all your API tokens").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Revoke all your API tokens?")
        check(page, axe, violations)
        page.get_by_role("button", name="Yes, revoke them all").click()
        expect(page.get_by_text("All your API tokens are revoked.")).to_be_visible()
        expect(tokens.get_by_text("You have no API tokens in use.")).to_be_visible()
        check(page, axe, violations)
        assert not ApiToken.objects.filter(user=person).exists()
        assert ApiToken.objects.count() == 1  # the other person's
    finally:
        context.close()
