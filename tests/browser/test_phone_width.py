"""Every page at 360 x 740, as a phone shows it: nothing makes the page wider than the screen
(``scrollWidth <= innerWidth``), and tables are stacked rows, each value under its column's
name (static/js/tandem.js labels the cells; static/css/tandem.css stacks them below 40em).

One small world (tests.cases.plan_helpers.plan_world plus a household, entries, a plan with
actions, a meeting, a joint assessment, a referral at a front door, a service referral, tasks
and notifications) and each role signs in once and visits the pages it uses."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import Browser, Page, ViewportSize

from access_control.policy import Action, get_case
from agencies.models import AgencyKind, Membership, Role, User
from cases import services as case_services
from cases.assessments import services as assessment_services
from cases.assessments.services import ContributionRequest
from cases.meetings import services as meeting_services
from cases.models import MeetingKind, Visibility
from cases.plans import services as plan_services
from referrals import services as referral_services
from tests.browser.conftest import assert_accessible, sign_in
from tests.cases.families import add_family
from tests.cases.plan_helpers import PlanWorld, plan_world, start
from tests.factories import (
    TEST_PASSWORD,
    AgencyFactory,
    DeadlineFactory,
    EntryFactory,
    MembershipFactory,
    NotificationFactory,
    ReferralFactory,
    front_door_worker,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("TANDEM_SCREENSHOTS")
PHONE: ViewportSize = {"width": 360, "height": 740}
LONG = "Supercalifragilisticexpialidocious-and-then-some-more-words-without-a-break"


@dataclass
class PhoneWorld:
    plan: PlanWorld
    intake: User
    urls: dict[str, list[tuple[str, str]]]  # role -> [(name, path)]


@pytest.fixture
def world(live_server, settings, tmp_path) -> PhoneWorld:
    settings.MEDIA_ROOT = tmp_path
    w = plan_world()
    case, lead = w.case, w.lead
    access = get_case(lead, case.pk)
    add_family(case, 5)
    entry = EntryFactory.create(case=case, summary=f"Home visit: {LONG}", visibility=Visibility.TEAM)
    EntryFactory.create_batch(3, case=case, visibility=Visibility.TEAM)
    document = case_services.upload_document(
        access=access,
        upload=SimpleUploadedFile("plan.txt", b"Family plan", content_type="text/plain"),
        title="Family plan agreed at the core group",
    )
    plan = start(w)
    outcome = plan.outcomes.first()
    assert outcome is not None
    action = plan_services.add_plan_action(
        access=get_case(lead, case.pk, Action.MANAGE_PLAN),
        outcome=outcome,
        description=f"Weigh the baby fortnightly and tell the health visitor {LONG}",
        owner_agency=w.health_agency,
        owner=w.health,
        due_at=timezone.now() + timedelta(days=7),
    )
    meeting = meeting_services.schedule_meeting(
        access=get_case(lead, case.pk),
        kind=MeetingKind.CORE_GROUP,
        starts_at=timezone.now() + timedelta(days=3),
        duration_minutes=60,
        location="Riverside Centre, Room 2",
        chair=lead,
        agenda="",
        attendees=[lead, w.key_worker, w.police, w.health],
    )
    assessment = assessment_services.open_assessment(access=get_case(lead, case.pk))
    assessment_services.request_contributions(
        access=get_case(lead, case.pk, Action.LEAD_ASSESSMENT),
        assessment=assessment,
        requests=[ContributionRequest(agency=w.health_agency, due_at=None)],
    )
    service = AgencyFactory.create(kind=AgencyKind.COMMUNITY, name="Family Support Network")
    MembershipFactory.create(agency=service, role=Role.PRACTITIONER)
    service_referral = referral_services.make_service_referral(
        access=get_case(lead, case.pk),
        to_agency=service,
        service="Parenting programme",
        reason="Mother asked for help with routines.",
        shared_entries=[entry],
        shared_documents=[document],
    )
    DeadlineFactory.create(case=case, title=f"Child and family assessment {LONG}")
    DeadlineFactory.create(case=case, due_at=timezone.now() - timedelta(days=2))
    NotificationFactory.create(recipient=lead, title=f"Reminder: {LONG}")
    referral = ReferralFactory.create(concern_description=f"Arrives hungry. {LONG}")
    intake = front_door_worker(referral.receiving_agency)
    lead_membership = Membership.objects.get(user=lead, agency=case.lead_agency)
    agency = case.lead_agency.pk
    c = f"/cases/{case.pk}"
    urls = {
        "lead": [
            ("home", "/"),
            ("my meetings", "/my-work/meetings/"),
            ("case list", "/cases/"),
            ("case overview", f"{c}/"),
            ("chronology", f"{c}/chronology/"),
            ("entry", f"/cases/entries/{entry.pk}/"),
            ("add an entry", f"{c}/entries/add/"),
            ("family", f"{c}/family/"),
            ("documents", f"{c}/documents/"),
            ("team", f"{c}/team/"),
            ("access log", f"{c}/access-log/"),
            ("plan", f"{c}/plan/"),
            ("plan detail", f"/cases/plans/{plan.pk}/"),
            ("plan action", f"/cases/plan-actions/{action.pk}/"),
            ("add a plan action", f"/cases/plans/{plan.pk}/actions/add/"),
            ("plan review", f"/cases/plans/{plan.pk}/review/"),
            ("meetings", f"{c}/meetings/"),
            ("meeting", f"/cases/meetings/{meeting.pk}/"),
            ("schedule a meeting", f"{c}/meetings/schedule/"),
            ("record a meeting", f"/cases/meetings/{meeting.pk}/held/"),
            ("assessments", f"{c}/assessments/"),
            ("assessment", f"/cases/assessments/{assessment.pk}/"),
            ("my tasks", "/deadlines/tasks/"),
            ("notifications", "/deadlines/notifications/"),
            ("my referrals", "/referrals/"),
            ("make a referral", "/referrals/new/"),
            ("service referrals", "/referrals/services/"),
            ("service referral", f"/referrals/services/{service_referral.pk}/"),
            ("emergency access", "/cases/emergency-access/"),
            ("account", "/accounts/"),
            ("change password", "/accounts/password/"),
            ("two-factor", "/accounts/two-factor/"),
        ],
        "intake": [
            ("referral inbox", "/referrals/inbox/"),
            ("referral", f"/referrals/{referral.pk}/"),
            ("triage", f"/referrals/{referral.pk}/triage/"),
        ],
        "supervisor": [
            ("supervision dashboard", "/cases/team/"),
            ("worker's cases", f"/cases/team/{lead_membership.pk}/"),
            ("worker's deadlines", f"/cases/team/{lead_membership.pk}/deadlines/"),
            ("reassign the lead", f"{c}/lead/"),
            ("approvals", "/deadlines/approvals/"),
            ("handover", f"/cases/team/{lead_membership.pk}/handover/"),
        ],
        "admin": [
            ("people", f"/agencies/{agency}/members/"),
            ("person", f"/agencies/{agency}/members/{lead_membership.pk}/"),
            ("invite", f"/agencies/{agency}/members/invite/"),
            ("security log", f"/agencies/{agency}/security-log/"),
        ],
        "anonymous": [
            ("sign in", "/accounts/login/"),
            ("password reset", "/accounts/password-reset/"),
            ("public concern form", "/concern/"),
            ("public reference check", "/concern/check/"),
        ],
    }
    return PhoneWorld(plan=w, intake=intake, urls=urls)


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


# How wide the page is, and each labelled table cell's label as the stylesheet shows it.
MEASURE = """() => {
  const cells = Array.from(document.querySelectorAll("table.stacked > tbody > tr > td[data-label]"));
  const shown = cells.filter((td) => getComputedStyle(td).display !== "none");
  const labelShown = (td) => getComputedStyle(td, "::before").content === JSON.stringify(td.dataset.label);
  const rows = Array.from(document.querySelectorAll("table.stacked > tbody > tr"));
  const tooWide = (el) => el.getBoundingClientRect().right > window.innerWidth + 1;
  const named = (el) => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ")[0] : "");
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    tables: document.querySelectorAll("table").length,
    labelled: shown.length,
    labelsShown: shown.filter(labelShown).length,
    rowsAsBlocks: rows.every((tr) => getComputedStyle(tr).display === "block"),
    wide: Array.from(document.querySelectorAll("main *")).filter(tooWide).slice(0, 4).map(named),
  };
}"""


def visit_all(page: Page, base: str, pages: list[tuple[str, str]], *, screenshots: str) -> list[str]:
    """Each page's problems at 360 px, as sentences (an empty list when every page is fine)."""
    problems: list[str] = []
    csp: list[str] = []
    page.on("console", lambda msg: csp.append(msg.text) if "Content Security Policy" in msg.text else None)
    for name, path in pages:
        response = page.goto(f"{base}{path}")
        if response is None or response.status >= 400:
            problems.append(f"{name} ({path}): answered {response.status if response else 'nothing'}")
            continue
        page.wait_for_load_state("load")
        seen = page.evaluate(MEASURE)
        if seen["scrollWidth"] > seen["innerWidth"]:
            problems.append(f"{name}: {seen['scrollWidth']} px wide (too wide: {seen['wide']})")
        if seen["tables"] and not seen["rowsAsBlocks"]:
            problems.append(f"{name}: a stacked table's rows are not blocks")
        if seen["labelled"] != seen["labelsShown"]:
            problems.append(f"{name}: {seen['labelled'] - seen['labelsShown']} cells without their label shown")
        if SHOTS:
            slug = name.replace(" ", "-").replace("'", "")
            page.screenshot(path=str(Path(SHOTS) / f"{screenshots}-{slug}-360.png"), full_page=True)
    problems.extend(f"CSP: {text}" for text in csp)
    return problems


def test_every_page_a_practitioner_uses_fits_a_phone(phone: Page, live_server, world: PhoneWorld):
    sign_in(phone, live_server.url, world.plan.lead.email, TEST_PASSWORD)
    assert visit_all(phone, live_server.url, world.urls["lead"], screenshots="lead") == []


def test_the_front_door_supervisor_and_admin_pages_fit_a_phone(phone: Page, live_server, world: PhoneWorld):
    problems: list[str] = []
    for user, role in (
        (world.intake, "intake"),
        (world.plan.lead_supervisor, "supervisor"),
        (world.plan.agency_admin, "admin"),
    ):
        sign_in(phone, live_server.url, user.email, TEST_PASSWORD)
        problems += visit_all(phone, live_server.url, world.urls[role], screenshots=role)
        phone.context.clear_cookies()
    problems += visit_all(phone, live_server.url, world.urls["anonymous"], screenshots="anonymous")
    assert problems == []


def test_stacked_tables_read_label_then_value_and_pass_axe(phone: Page, live_server, world: PhoneWorld, axe):
    """The plan's tables on a phone: each row a block, each value under its column's name; the
    page is no wider than the phone and axe-core finds nothing serious."""
    sign_in(phone, live_server.url, world.plan.lead.email, TEST_PASSWORD)
    for path in (f"/cases/{world.plan.case.pk}/plan/", "/deadlines/tasks/", f"/cases/{world.plan.case.pk}/team/"):
        phone.goto(f"{live_server.url}{path}")
        table = phone.locator("table.stacked").first
        cell = table.locator("tbody tr td[data-label]").first
        label = cell.get_attribute("data-label")
        assert label
        assert phone.evaluate("(td) => getComputedStyle(td, '::before').content", cell.element_handle()) == f'"{label}"'
        label_box, cell_box = cell.bounding_box(), table.locator("tbody tr").first.bounding_box()
        assert label_box and cell_box and label_box["x"] >= cell_box["x"]
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert_accessible(axe, phone)


def test_without_the_script_a_table_scrolls_inside_its_frame_not_the_page(browser: Browser, live_server, world):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server.url, world.plan.lead.email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/cases/{world.plan.case.pk}/plan/")
    assert page.locator("table.stacked").count() == 0
    seen = page.evaluate(MEASURE)
    assert seen["scrollWidth"] <= seen["innerWidth"], seen["wide"]
    wraps = page.evaluate(
        "Array.from(document.querySelectorAll('.table-wrap')).map((w) => w.scrollWidth > w.clientWidth)"
    )
    assert any(wraps)  # at least one table is wider than the phone, and scrolls inside its frame
    context.close()
