"""Handover in a real browser: an agency admin tries to deactivate a worker who leads open cases
and is blocked with counts (and who to ask); the worker's supervisor hands it all to a
colleague; the admin then deactivates. People search on the way. Each page axe clean, with no
CSP violation and no sideways scroll at 360 px."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from agencies.models import Membership
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD
from tests.supervision.handover_helpers import HandoverWorld, busy_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("TANDEM_SCREENSHOTS")
DESKTOP: ViewportSize = {"width": 1366, "height": 768}
PHONE: ViewportSize = {"width": 360, "height": 740}


def _context_page(browser: Browser, viewport: ViewportSize, violations: list[str]) -> Generator[Page]:
    context = browser.new_context(viewport=viewport, is_mobile=viewport == PHONE, has_touch=viewport == PHONE)
    page = context.new_page()
    page.set_default_timeout(30_000)  # the machine is shared: the first page load can be slow
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    yield page
    context.close()


@pytest.fixture
def violations() -> list[str]:
    return []


@pytest.fixture
def desktop(browser: Browser, violations: list[str]) -> Iterator[Page]:
    yield from _context_page(browser, DESKTOP, violations)


@pytest.fixture
def phone(browser: Browser, violations: list[str]) -> Iterator[Page]:
    yield from _context_page(browser, PHONE, violations)


@pytest.fixture
def world(live_server) -> HandoverWorld:
    return busy_worker("Riverside Children's Services", cases=6)


def _check(page: Page, axe, name: str) -> None:
    assert_accessible(axe, page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        width = page.viewport_size["width"] if page.viewport_size else 0
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"))
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}-full.png"), full_page=True)


def _secrets(world: HandoverWorld) -> list[str]:
    found = [case.reference for case in world.cases]
    return found + [child.full_name for case in world.cases for child in case.children.all()]


def test_admin_is_blocked_supervisor_hands_over_then_admin_deactivates(
    browser: Browser, desktop: Page, phone: Page, live_server, world: HandoverWorld, axe, violations
):
    base = live_server.url
    worker = world.worker.user
    deactivate = f"{base}/agencies/{world.agency.pk}/members/{world.worker.pk}/deactivate/"
    handover = f"{base}/cases/team/{world.worker.pk}/handover/"
    people = f"{base}/agencies/{world.agency.pk}/members/"

    # The admin finds the worker by searching People, and tries to deactivate them.
    sign_in(desktop, base, world.admin.user.email, TEST_PASSWORD)
    desktop.goto(people)
    desktop.get_by_label("Name or email").fill(worker.full_name.split(" ")[-1].upper())
    desktop.get_by_role("button", name="Search").click()
    expect(desktop.get_by_role("button", name="Clear search")).to_be_visible()
    assert worker.full_name.split(" ")[-1].lower() not in desktop.url.lower()
    expect(desktop.get_by_role("link", name=worker.full_name)).to_be_visible()
    _check(desktop, axe, "people-search")
    desktop.get_by_role("link", name=worker.full_name).click()
    desktop.get_by_role("link", name="Deactivate…").click()
    blocked = desktop.get_by_test_id("work-to-hand-over")
    expect(blocked).to_contain_text("6 open cases they lead")
    expect(blocked).to_contain_text("1 open meeting action")
    expect(blocked).to_contain_text(world.supervisor.user.full_name)
    expect(desktop.get_by_role("button", name="Yes, deactivate")).to_have_count(0)
    html = desktop.content()
    assert [secret for secret in _secrets(world) if secret in html] == []
    _check(desktop, axe, "deactivate-blocked")

    # At 360 px too.
    sign_in(phone, base, world.admin.user.email, TEST_PASSWORD)
    for url, name in ((deactivate, "deactivate-blocked"), (people, "people-search")):
        phone.goto(url)
        _check(phone, axe, name)

    # The supervisor hands everything over to a colleague.
    supervisor_pages = _context_page(browser, DESKTOP, violations)
    supervisor_page = next(supervisor_pages)
    sign_in(supervisor_page, base, world.supervisor.user.email, TEST_PASSWORD)
    supervisor_page.goto(f"{base}/cases/team/{world.worker.pk}/")
    supervisor_page.get_by_role("link", name="Hand over their work").click()
    expect(supervisor_page.get_by_test_id("handover-cases").get_by_role("listitem")).to_have_count(6)
    expect(supervisor_page.get_by_test_id("handover-plan-actions")).to_contain_text("Weekly check-in with the school")
    _check(supervisor_page, axe, "handover")
    supervisor_page.get_by_role("button", name="Hand it all over").click()  # nothing chosen: every error at once
    # Both errors at once, each in the summary above the form and by its field.
    expect(supervisor_page.get_by_text("This field is required.")).to_have_count(4)
    assert_accessible(axe, supervisor_page)
    supervisor_page.get_by_label("Hand all of this to", exact=True).select_option(str(world.colleague.pk))
    supervisor_page.get_by_label("Why is the work handed over?").fill("Leaving the team")
    supervisor_page.get_by_role("button", name="Hand it all over").click()
    expect(supervisor_page.get_by_text(f"{world.colleague.user.full_name} now has")).to_be_visible()
    expect(supervisor_page.get_by_test_id("handover-empty")).to_be_visible()
    _check(supervisor_page, axe, "handover-done")
    supervisor_pages.close()
    supervisor_phones = _context_page(browser, PHONE, violations)
    supervisor_phone = next(supervisor_phones)
    sign_in(supervisor_phone, base, world.supervisor.user.email, TEST_PASSWORD)
    supervisor_phone.goto(handover)
    _check(supervisor_phone, axe, "handover-done")
    supervisor_phones.close()

    # The admin can now deactivate.
    desktop.goto(deactivate)
    expect(desktop.get_by_test_id("work-to-hand-over")).to_have_count(0)
    desktop.get_by_role("button", name="Yes, deactivate").click()
    expect(desktop.get_by_text(f"{worker.full_name} was deactivated.")).to_be_visible()
    assert not Membership.objects.get(pk=world.worker.pk).active
    assert violations == []


def test_supervisor_handover_page_before_handing_over_at_360px(phone: Page, live_server, world, axe, violations):
    sign_in(phone, live_server.url, world.supervisor.user.email, TEST_PASSWORD)
    phone.goto(f"{live_server.url}/cases/team/{world.worker.pk}/handover/")
    expect(phone.get_by_test_id("handover-cases").get_by_role("listitem")).to_have_count(6)
    _check(phone, axe, "handover")
    assert violations == []
