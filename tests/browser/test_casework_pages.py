"""Meetings, plans and the supervisor's pages in a real browser: the lead schedules a strategy
discussion without health and is warned (and must confirm), the plan page shows a late action,
the supervisor follows the dashboard to a worker's cases and reassigns a lead. Every page
passes axe-core and no Content Security Policy violation is reported."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from access_control.policy import Action, get_case
from agencies.models import Role
from cases.models import Meeting, MeetingKind, PlanAction, PlanKind
from cases.plans.services import add_plan_action, start_plan
from deadlines.models import Deadline
from tests.browser.conftest import assert_accessible, sign_in
from tests.cases.meeting_helpers import meeting_team
from tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def team(live_server):
    return meeting_team()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))


def test_meetings_plan_and_supervisor_pages(page: Page, live_server, team, axe):
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    base, case = live_server.url, team.case

    # The lead schedules a strategy discussion, leaving health out: warned, then confirms.
    sign_in(page, base, team.lead.email, TEST_PASSWORD)
    page.goto(f"{base}/cases/{case.pk}/")
    page.get_by_role("navigation", name="Pages of this case").get_by_role("link", name="Meetings").click()
    expect(page.get_by_text("No meeting", exact=False).first).to_be_visible()
    assert_accessible(axe, page)
    page.get_by_role("link", name="Schedule a meeting").click()
    page.get_by_label("Kind of meeting").select_option(MeetingKind.STRATEGY_DISCUSSION)
    starts = timezone.localtime() + timedelta(days=2)
    when = page.get_by_role("group", name="Starts at")
    when.get_by_label("Date").fill(starts.strftime("%d/%m/%Y"))  # as a British worker writes it
    when.get_by_label("Time").fill("14:30")
    page.get_by_label("Where").fill("Riverside Centre, Room 2")
    for person in (team.lead, team.key_worker, team.police.user):
        page.get_by_label(re.compile(re.escape(person.full_name))).check()
    page.get_by_label("Chair").select_option(str(team.lead.pk))
    page.get_by_role("button", name="Schedule and send invitations").click()
    expect(page.get_by_test_id("missing-agencies")).to_contain_text("health")
    assert not Meeting.objects.filter(case=case).exists()
    assert_accessible(axe, page)
    page.get_by_label("Schedule it anyway, without the missing agencies").check()
    page.get_by_role("button", name="Schedule and send invitations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Strategy discussion")
    expect(page.get_by_test_id("missing-agencies")).to_contain_text("health")
    assert_accessible(axe, page)
    meeting = Meeting.objects.get(case=case)
    assert meeting.attendees.count() == 3
    assert timezone.localtime(meeting.starts_at).replace(tzinfo=None) == starts.replace(
        hour=14, minute=30, second=0, microsecond=0, tzinfo=None
    )

    # The plan: a health action already past its due date shows as late, on the page and per agency.
    plan = start_plan(
        access=get_case(team.lead, case.pk, Action.MANAGE_PLAN),
        kind=PlanKind.CHILD_PROTECTION,
        outcomes=["Safe and well at home"],
    )
    action = add_plan_action(
        access=get_case(team.lead, case.pk, Action.MANAGE_PLAN),
        outcome=plan.outcomes.get(),
        description="Weigh the baby fortnightly",
        owner_agency=team.health.agency,
        owner=team.health.user,
        due_at=timezone.now() + timedelta(days=1),
    )
    past = timezone.now() - timedelta(days=1)  # the clock passes its due date
    PlanAction.objects.filter(pk=action.pk).update(due_at=past)
    Deadline.objects.filter(plan_action=action).update(due_at=past)
    page.goto(f"{base}/cases/{case.pk}/")
    page.get_by_role("navigation", name="Pages of this case").get_by_role("link", name="Plans").click()
    expect(page.get_by_text("What each agency owes")).to_be_visible()
    expect(page.get_by_text("1 late").first).to_be_visible()
    assert_accessible(axe, page)
    page.get_by_role("link", name="Weigh the baby fortnightly").first.click()
    assert_accessible(axe, page)
    sign_out(page)

    # The lead's supervisor: the dashboard, a worker's cases, and reassigning the lead.
    MembershipFactory.create(agency=case.lead_agency, role=Role.PRACTITIONER)  # someone to hand the case to
    sign_in(page, base, team.lead_supervisor.email, TEST_PASSWORD)
    page.get_by_role("link", name="My team", exact=True).click()
    row = page.get_by_test_id("caseload-row").filter(has_text=team.lead.full_name)
    row.get_by_role("link", name=team.lead.full_name, exact=True).click()
    expect(page.get_by_text(case.reference).first).to_be_visible()
    assert_accessible(axe, page)
    page.goto(f"{base}/cases/{case.pk}/")
    page.get_by_test_id("actions-menu").locator("summary").click()
    page.get_by_role("link", name="Reassign the lead worker").click()
    assert_accessible(axe, page)
    assert violations == []
