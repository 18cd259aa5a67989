"""My tasks, notifications and the access log in a real browser: a practitioner opens My
tasks and follows a task's link to the item itself; the pages pass axe-core, report no
Content Security Policy violation and do not scroll sideways on a 360 px phone."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.cases.plan_helpers import add_action, plan_world, start
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_practitioner_follows_a_task_to_the_item(page: Page, phone_page: Page, live_server, axe, tmp_path):
    world = plan_world()
    action = add_action(world, start(world), world.health_agency, owner=world.health)
    base = live_server.url
    shots = f"{tmp_path}/links"
    violations: list[str] = []
    for each in (page, phone_page):
        each.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)

    sign_in(page, base, world.health.email, TEST_PASSWORD)
    page.goto(f"{base}{reverse('deadlines:tasks')}")
    link = page.get_by_role("link", name=f"Do the plan action on case {world.case.reference}")
    expect(link).to_be_visible()
    assert_accessible(axe, page)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.screenshot(path=f"{shots}-tasks-1366.png")
    link.click()
    page.wait_for_url(re.compile(re.escape(reverse("cases:plan_action", args=[action.pk])) + "$"))
    assert_accessible(axe, page)

    page.goto(f"{base}{reverse('deadlines:notifications')}")
    notice = page.get_by_test_id("notification-link").first
    expect(notice).to_be_visible()
    expect(page.get_by_role("button", name="Mark all read")).to_be_visible()
    assert_accessible(axe, page)
    page.screenshot(path=f"{shots}-notifications-1366.png")

    sign_in(phone_page, base, world.health.email, TEST_PASSWORD)
    for name in ("deadlines:tasks", "deadlines:notifications"):
        phone_page.goto(f"{base}{reverse(name)}")
        no_sideways_scroll(phone_page)
        phone_page.screenshot(path=f"{shots}-{name.split(':')[1]}-360.png", full_page=True)

    # The lead reads the case's access log in words, on a phone.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    sign_in(page, base, world.lead.email, TEST_PASSWORD)
    page.goto(f"{base}{reverse('cases:access_log', args=[world.case.pk])}")
    expect(page.get_by_test_id("access-log")).to_contain_text("added a plan action")
    page.screenshot(path=f"{shots}-access-log-1366.png")
    page.set_viewport_size({"width": 360, "height": 740})
    no_sideways_scroll(page)
    assert_accessible(axe, page)
    page.screenshot(path=f"{shots}-access-log-360.png", full_page=True)
    assert not violations
