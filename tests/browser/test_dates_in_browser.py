"""Dates in a real browser, typed as a British worker writes them: dd/mm/yyyy, and a meeting's
start as a date and a 24-hour time. A browser set to American English still shows 02/11/2026
for 2 November and reads 01/12/2026 as 1 December (Tandem's date inputs are text, not the
browser's own date picker). What was typed wrong comes back as typed, with every problem named."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from cases.models import Meeting, Plan, PlanAction
from tests.browser.conftest import assert_accessible, sign_in
from tests.cases.meeting_helpers import meeting_team
from tests.cases.plan_helpers import plan_world, start
from tests.clock import LONDON
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("TANDEM_SCREENSHOTS")
MONDAY = datetime(2026, 11, 2, 10, 0, tzinfo=LONDON)  # no bank holiday near it


def csp_watch(page: Page) -> list[str]:
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    return violations


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.fixture
def american_page(browser: Browser):
    """A laptop set to American English: the browser's own date inputs would show 11/02/2026."""
    context = browser.new_context(
        locale="en-US", timezone_id="America/New_York", viewport={"width": 1366, "height": 768}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_an_american_browser_shows_and_reads_dates_day_first(american_page: Page, live_server, clock, axe):
    clock.at(MONDAY)
    world = plan_world()
    page = american_page
    assert page.evaluate("navigator.language") == "en-US"
    violations = csp_watch(page)
    sign_in(page, live_server.url, world.lead.email, TEST_PASSWORD)

    # Today, shown in a date input: 2 November, day first.
    page.goto(f"{live_server.url}/cases/{world.case.pk}/entries/add/")
    expect(page.get_by_label("Date of the event")).to_have_value("02/11/2026")
    expect(page.get_by_label("Date of the event")).to_have_attribute("type", "text")

    # 01/12/2026 typed as the first review means 1 December, not 12 January.
    page.goto(f"{live_server.url}/cases/{world.case.pk}/plan/start/")
    page.get_by_label("Child protection plan").check()
    page.get_by_label("Outcomes").fill("Safe and well at home")
    page.get_by_label("First review (optional)").fill("01/12/2026")
    assert_accessible(axe, page)
    shot(page, "plan-start-en-US-1366")
    page.get_by_role("button", name="Start the plan").click()
    plan = Plan.objects.get(case=world.case)
    assert plan.next_review_on == date(2026, 12, 1)
    expect(page.get_by_text("1 Dec 2026").first).to_be_visible()
    assert violations == []


def test_a_plan_action_is_due_on_a_date_typed_day_first_and_a_wrong_one_is_kept(page: Page, live_server, clock, axe):
    clock.at(MONDAY)
    world = plan_world()
    plan = start(world)
    page.set_viewport_size({"width": 1366, "height": 768})
    violations = csp_watch(page)
    sign_in(page, live_server.url, world.lead.email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/cases/plans/{plan.pk}/actions/add/")
    page.get_by_label("What will be done").fill("Weigh the baby fortnightly")
    page.get_by_label("Agency that owes it").select_option(label=world.health_agency.name)

    # No 31 February: the page says so, keeps what was typed and everything else.
    page.get_by_label("Due by").fill("31/02/2027")
    page.get_by_role("button", name="Add the action").click()
    expect(page.get_by_role("alert")).to_contain_text("February 2027 has 28 days")
    expect(page.get_by_label("Due by")).to_have_value("31/02/2027")
    expect(page.get_by_label("What will be done")).to_have_value("Weigh the baby fortnightly")
    assert_accessible(axe, page)
    shot(page, "plan-action-error-1366")

    page.get_by_label("Due by").fill("16/11/2026")
    page.get_by_role("button", name="Add the action").click()
    expect(page.get_by_text("Weigh the baby fortnightly").first).to_be_visible()
    shot(page, "plan-after-adding-an-action-1366")
    action = PlanAction.objects.get(plan=plan, description="Weigh the baby fortnightly")
    assert action.due_at.astimezone(LONDON).date() == date(2026, 11, 16)
    assert violations == []


def test_a_meeting_starts_on_a_date_and_a_24_hour_time_and_a_wrong_one_is_kept(page: Page, live_server, clock, axe):
    clock.at(MONDAY)
    team = meeting_team()
    page.set_viewport_size({"width": 1366, "height": 768})
    violations = csp_watch(page)
    sign_in(page, live_server.url, team.lead.email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/cases/{team.case.pk}/meetings/schedule/")
    page.get_by_label("Kind of meeting").select_option(label="Core group")
    when = page.get_by_role("group", name="Starts at")
    when.get_by_label("Date").fill("05/11/2026")
    when.get_by_label("Time").fill("25:30")
    page.get_by_label("Where").fill("Riverside Centre, Room 2")
    for person in (team.lead, team.key_worker):
        page.get_by_label(person.full_name, exact=False).first.check()
    page.get_by_label("Chair").select_option(str(team.lead.pk))
    page.get_by_role("button", name="Schedule and send invitations").click()

    expect(page.get_by_role("alert")).to_contain_text("Enter the time on the 24-hour clock")
    expect(when.get_by_label("Date")).to_have_value("05/11/2026")
    expect(when.get_by_label("Time")).to_have_value("25:30")
    expect(page.get_by_label("Where")).to_have_value("Riverside Centre, Room 2")
    assert_accessible(axe, page)
    shot(page, "meeting-time-error-1366")
    assert not Meeting.objects.exists()

    when.get_by_label("Time").fill("14:30")
    page.get_by_role("button", name="Schedule and send invitations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Core group")
    meeting = Meeting.objects.get(case=team.case)
    assert meeting.starts_at == datetime(2026, 11, 5, 14, 30, tzinfo=LONDON)
    expect(page.get_by_text("Thu 5 Nov 2026, 14:30").first).to_be_visible()

    # Rescheduling shows the start as it was entered: day first, 24-hour.
    page.goto(f"{live_server.url}/cases/meetings/{meeting.pk}/reschedule/")
    when = page.get_by_role("group", name="Starts at")
    expect(when.get_by_label("Date")).to_have_value("05/11/2026")
    expect(when.get_by_label("Time")).to_have_value("14:30")
    assert violations == []
