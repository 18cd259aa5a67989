"""An agency admin manages members in a real browser; every page passes axe-core."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from agencies import services
from agencies.models import Membership, Role
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin(live_server):
    admin = MembershipFactory.create(
        role=Role.AGENCY_ADMIN, agency__name="Riverside Children's Services", user__email="admin@riverside.test"
    )
    supervisor = MembershipFactory.create(agency=admin.agency, role=Role.SUPERVISOR, user__full_name="Sasha Supervisor")
    assert supervisor.pk
    return admin


def test_admin_invites_changes_role_and_deactivates_a_member(page: Page, live_server, admin, axe):
    base = live_server.url
    sign_in(page, base, "admin@riverside.test", TEST_PASSWORD)
    assert_accessible(axe, page)

    page.get_by_role("link", name=re.compile("People · Riverside")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People in Riverside Children's Services")
    assert_accessible(axe, page)

    page.get_by_role("link", name="Invite a person").click()
    assert_accessible(axe, page)
    page.get_by_role("button", name="Send invitation").click()  # empty form first
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    assert_accessible(axe, page)
    page.get_by_label("Full name").fill("Morgan Health")
    page.get_by_label("Work email address").fill("morgan@riverside.test")
    page.get_by_label("Role").select_option("practitioner")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Morgan Health was invited as Practitioner.")).to_be_visible()
    expect(page.get_by_test_id("member-role")).to_have_text("Practitioner")
    assert_accessible(axe, page)
    assert mail.outbox[-1].to == ["morgan@riverside.test"]

    page.get_by_label("Role").select_option("intake")
    page.get_by_role("button", name="Change role").click()
    expect(page.get_by_text("Role changed.")).to_be_visible()
    expect(page.get_by_test_id("member-role")).to_have_text("Intake worker")
    expect(page.get_by_text("Practitioner → Intake worker")).to_be_visible()

    page.get_by_label("Supervised by").select_option(label="Sasha Supervisor")
    page.get_by_role("button", name="Change supervisor").click()
    expect(page.get_by_text("Supervised by Sasha Supervisor")).to_be_visible()

    page.get_by_role("link", name="Deactivate…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deactivate Morgan Health?")
    assert_accessible(axe, page)
    page.get_by_role("button", name="Yes, deactivate").click()
    expect(page.get_by_text("Morgan Health was deactivated.")).to_be_visible()
    expect(page.get_by_test_id("member-status")).to_have_text("Deactivated")

    membership = Membership.objects.get(user__email="morgan@riverside.test")
    assert not membership.active and membership.role == Role.INTAKE
    assert [e.action for e in membership.events.order_by("at", "id")] == [
        "invited",
        "role_changed",
        "supervisor_changed",
        "deactivated",
    ]

    page.get_by_role("link", name="Back to people in Riverside Children's Services").click()
    # The filter submits itself on change once tandem.js (deferred) has run: a change made
    # before the page has loaded would be made with no one listening.
    page.wait_for_load_state("load")
    page.get_by_label("Status").select_option("ended")
    expect(page.get_by_role("cell", name=re.compile("Morgan Health"))).to_be_visible()


def test_invited_person_sets_password_and_signs_in(page: Page, live_server, admin, axe):
    services.invite_member(
        by=admin.user, agency=admin.agency, email="new@riverside.test", full_name="New Starter", role=Role.PRACTITIONER
    )
    link = re.search(r"/accounts/set-password/\S+/", str(mail.outbox[-1].body))
    assert link
    page.goto(live_server.url + link.group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a password")
    assert_accessible(axe, page)
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("New password confirmation").fill("short")
    page.get_by_role("button", name="Save password").click()
    expect(page.get_by_role("alert")).to_contain_text("This password is too short.")
    assert_accessible(axe, page)
    page.get_by_label("New password", exact=True).fill("river otter lantern")
    page.get_by_label("New password confirmation").fill("river otter lantern")
    page.get_by_role("button", name="Save password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Password saved")
    assert_accessible(axe, page)
    sign_in(page, live_server.url, "new@riverside.test", "river otter lantern")
    expect(page.get_by_test_id("section-agencies")).to_contain_text("Riverside Children's Services")


def test_sign_in_reset_and_error_pages_are_accessible(page: Page, live_server, axe):
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    assert_accessible(axe, page)
    page.get_by_label("Email address").fill("nobody@riverside.test")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    assert_accessible(axe, page)
    page.get_by_role("link", name="Forgotten your password?").click()
    assert_accessible(axe, page)
    page.get_by_label("Email").fill("nobody@riverside.test")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(axe, page)


def test_not_found_page_is_accessible(page: Page, live_server, admin, axe, settings):
    settings.DEBUG = False
    sign_in(page, live_server.url, "admin@riverside.test", TEST_PASSWORD)
    response = page.goto(f"{live_server.url}/agencies/999999/members/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(axe, page)


def test_member_list_fits_a_360px_phone_and_has_a_menu(phone_page: Page, live_server, admin, axe):
    MembershipFactory.create_batch(5, agency=admin.agency)
    sign_in(phone_page, live_server.url, "admin@riverside.test", TEST_PASSWORD)
    phone_page.goto(f"{live_server.url}/agencies/{admin.agency_id}/members/")
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    menu = phone_page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    expect(phone_page.get_by_role("button", name="Sign out")).to_be_hidden()
    menu.click()
    expect(phone_page.get_by_role("button", name="Sign out")).to_be_visible()
    assert_accessible(axe, phone_page)


def test_keyboard_user_can_skip_to_content(page: Page, live_server, admin):
    sign_in(page, live_server.url, "admin@riverside.test", TEST_PASSWORD)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()


def test_no_content_security_policy_violations_on_pages(page: Page, live_server, admin):
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    sign_in(page, live_server.url, "admin@riverside.test", TEST_PASSWORD)
    page.goto(f"{live_server.url}/agencies/{admin.agency_id}/members/")
    page.goto(f"{live_server.url}/agencies/{admin.agency_id}/members/invite/")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_load_state("networkidle")
    assert violations == []
