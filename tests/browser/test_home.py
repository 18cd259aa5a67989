"""The home page ("My work") in a real browser: a practitioner signs in, sees their overdue
plan action, follows it to the action and completes it, and back home it is gone. The page
passes axe-core, reports no Content Security Policy violation and does not scroll sideways on
a 360 px phone. Screenshots of each role's home (practitioner, supervisor, front door) at
1366x768 and 360x740 go to /tmp/shots/home/. Runs on the session's pinned clock."""

from __future__ import annotations

import re
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from agencies.models import Role
from cases.models import ClosureRequest, Meeting, MeetingAttendee
from cases.models.meetings import MeetingKind
from tests.browser.conftest import assert_accessible, sign_in
from tests.cases.plan_helpers import add_action, make_late, plan_world, start
from tests.factories import (
    TEST_PASSWORD,
    DeadlineFactory,
    EntryFactory,
    MembershipFactory,
    ReferralFactory,
    front_door_agency,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Where the screenshots go: <temp dir>/shots/home (the lead looks at them there).
SHOTS = Path(tempfile.gettempdir()) / "shots" / "home"


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _watch_csp(page: Page, violations: list[str]) -> None:
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)


def _shoot(page: Page, phone_page: Page, base: str, email: str, role: str, axe) -> None:
    """The role's home at 1366x768 and 360x740 (above the fold: not full page), checked."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    sign_in(page, base, email, TEST_PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 768})
    assert_accessible(axe, page)
    page.screenshot(path=str(SHOTS / f"{role}-1366.png"))
    page.context.clear_cookies()  # signed out, for the next person
    sign_in(phone_page, base, email, TEST_PASSWORD)
    no_sideways_scroll(phone_page)
    assert_accessible(axe, phone_page)
    phone_page.screenshot(path=str(SHOTS / f"{role}-360.png"))
    phone_page.screenshot(path=str(SHOTS / f"{role}-360-full.png"), full_page=True)
    phone_page.context.clear_cookies()


def test_a_practitioner_completes_overdue_work_from_the_home_page(page: Page, phone_page: Page, live_server, axe):
    world = plan_world()
    action = add_action(world, start(world), world.health_agency, owner=world.health, description="Weigh the baby")
    make_late(action)
    meeting = Meeting.objects.create(
        case=world.case,
        kind=MeetingKind.CORE_GROUP,
        starts_at=timezone.now() + timedelta(days=2),
        location="Room 2, Civic Centre",
        chair=world.lead,
        organiser=world.lead,
    )
    MeetingAttendee.objects.create(meeting=meeting, user=world.health, agency=world.health_agency)
    EntryFactory.create(case=world.case, summary="Home visit: baby well")
    base = live_server.url
    violations: list[str] = []
    for each in (page, phone_page):
        _watch_csp(each, violations)

    owed = f"Do the plan action on case {world.case.reference}"
    _shoot(page, phone_page, base, world.health.email, "practitioner", axe)

    sign_in(page, base, world.health.email, TEST_PASSWORD)
    tasks = page.get_by_test_id("section-tasks")
    expect(tasks.get_by_text("Overdue").first).to_be_visible()
    expect(page.get_by_test_id("section-meetings")).to_contain_text(f"Core group on case {world.case.reference}")
    expect(page.get_by_test_id("section-new")).to_contain_text("1 new entry")
    tasks.get_by_role("link", name=owed).click()
    page.wait_for_url(re.compile(re.escape(reverse("cases:plan_action", args=[action.pk])) + "$"))
    page.get_by_label("Done").check()
    page.get_by_label("What has happened").fill("Weighed at clinic; gaining well.")
    page.get_by_role("button", name="Record progress").click()
    expect(page.get_by_test_id("action-state")).to_contain_text("Done")
    page.goto(f"{base}/")
    expect(page.get_by_test_id("section-tasks").get_by_role("link", name=owed)).to_have_count(0)
    expect(page.get_by_test_id("empty-tasks")).to_be_visible()
    assert_accessible(axe, page)
    assert violations == []


def test_each_roles_home_puts_their_queue_first(page: Page, phone_page: Page, live_server, axe):
    world = plan_world()
    ClosureRequest.objects.create(case=world.case, requested_by=world.lead, reason="Family moved away")
    DeadlineFactory.create(case=world.case, due_at=timezone.now() - timedelta(days=2))
    door = front_door_agency(name="Northshire Children's Front Door")
    intake = MembershipFactory.create(agency=door, role=Role.INTAKE).user
    ReferralFactory.create(receiving_agency=door, triage_due_at=timezone.now() - timedelta(hours=3))
    ReferralFactory.create(receiving_agency=door, triage_due_at=timezone.now() + timedelta(hours=20))
    base = live_server.url
    violations: list[str] = []
    for each in (page, phone_page):
        _watch_csp(each, violations)

    _shoot(page, phone_page, base, world.lead_supervisor.email, "supervisor", axe)
    sign_in(page, base, world.lead_supervisor.email, TEST_PASSWORD)
    first = page.locator(".work-section").first
    expect(first).to_have_attribute("data-testid", "section-approvals")
    expect(first).to_contain_text(f"Decide on closing case {world.case.reference}")
    expect(page.get_by_test_id("section-team")).to_contain_text(f"{world.lead.full_name}: 1 overdue")
    page.context.clear_cookies()

    _shoot(page, phone_page, base, intake.email, "front-door", axe)
    sign_in(page, base, intake.email, TEST_PASSWORD)
    first = page.locator(".work-section").first
    expect(first).to_have_attribute("data-testid", "section-front_door")
    expect(first.get_by_test_id("item-front_door")).to_have_count(2)
    assert violations == []
