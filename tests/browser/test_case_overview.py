"""The case overview in a real browser: the child's name, age, the child protection plan alert
and the next statutory deadline are above the fold at 1366x768 and on a 360x740 phone; the tabs
lead to each page of the case; the actions menu opens (keyboard too) and its links work; axe
finds nothing serious, no CSP violation, and no page of the case scrolls sideways at 360 px."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, ViewportSize, expect

from agencies.models import AgencyKind
from cases.models import Case, EntryKind, FamilyLink, LegalStatus, Person, Plan, PlanKind, Relationship
from deadlines.models import DeadlineKind
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import (
    TEST_PASSWORD,
    AgencyFactory,
    CaseFactory,
    ChildFactory,
    DeadlineFactory,
    EntryFactory,
    TeamMemberFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/case")  # noqa: S108 (where the lead looks for them)
SIZES: dict[str, ViewportSize] = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 360, "height": 740}}
TABS = ("Chronology", "Family", "Assessments", "Meetings", "Plans", "Documents", "Team", "Access")


@pytest.fixture
def world(live_server):
    case = CaseFactory.create(lead_agency__name="Riverside Children's Services")
    Case.objects.filter(pk=case.pk).update(safety_note="Visit in pairs; a large dog is kept at the address.")
    child = case.children.get()
    child.given_names, child.family_name = "Amira", "Khan"
    child.date_of_birth = timezone.localdate() - timedelta(days=8 * 365 + 30)
    child.legal_status = LegalStatus.CHILD_PROTECTION
    child.interpreter_needed, child.first_language = True, "Tigrinya"
    child.save()
    case.children.add(
        ChildFactory.create(
            given_names="Leo", family_name="Khan", date_of_birth=timezone.localdate() - timedelta(days=330)
        )
    )
    adult = Person.objects.create(full_name="Darren Hale")
    FamilyLink.objects.create(
        child=child, person=adult, relationship=Relationship.STEP_PARENT, poses_risk=True, risk_note="Violent to staff"
    )
    Plan.objects.create(
        case=case,
        kind=PlanKind.CHILD_PROTECTION,
        started_on=date(2026, 3, 2),
        next_review_on=timezone.localdate() + timedelta(days=30),
        created_by=case.lead_worker,
    )
    DeadlineFactory.create(case=case, kind=DeadlineKind.FIRST_CORE_GROUP, due_at=timezone.now() + timedelta(days=2))
    police = TeamMemberFactory.create(
        case=case, agency=AgencyFactory.create(kind=AgencyKind.POLICE, name="Hillcrest Police")
    )
    EntryFactory.create(case=case, kind=EntryKind.VISIT, summary="Both children seen at home")
    return {"case": case, "lead": case.lead_worker, "police": police.user}


@pytest.fixture
def sized(browser: Browser) -> Iterator[Callable[[str], Page]]:
    contexts = []

    def open_page(size: str) -> Page:
        phone = size == "phone"
        context = browser.new_context(viewport=SIZES[size], is_mobile=phone, has_touch=phone)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def watch_csp(page: Page) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None)
    return seen


def above_the_fold(page: Page, test_id: str) -> None:
    box = page.get_by_test_id(test_id).first.bounding_box()
    assert page.viewport_size is not None
    height = page.viewport_size["height"]
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, (test_id, box, height)


def no_sideways_scroll(page: Page) -> None:
    wide, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= inner, (page.url, wide, inner)


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("who", ["lead", "police"])
def test_key_facts_are_above_the_fold(sized, live_server, world, axe, size, who):
    page = sized(size)
    csp = watch_csp(page)
    sign_in(page, live_server.url, world[who].email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/cases/{world['case'].pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Amira and Leo Khan")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"overview-{who}-{size}.png"))
    for test_id in ("case-name", "child-age", "alert-cp_plan", "next-deadline"):
        above_the_fold(page, test_id)
    expect(page.get_by_test_id("alert-cp_plan")).to_contain_text("On a child protection plan since 2 Mar 2026")
    expect(page.get_by_test_id("alert-risk")).to_contain_text("Risk: Darren Hale — Violent to staff")
    expect(page.get_by_test_id("next-deadline")).to_contain_text("Hold the first core group")
    assert_accessible(axe, page)
    if size == "phone":
        no_sideways_scroll(page)
    assert not csp


def test_tabs_lead_to_each_page_without_sideways_scroll_on_a_phone(sized, live_server, world, axe):
    page = sized("phone")
    csp = watch_csp(page)
    sign_in(page, live_server.url, world["lead"].email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/cases/{world['case'].pk}/")
    no_sideways_scroll(page)
    tabs = page.get_by_role("navigation", name="Pages of this case")
    for label in TABS:
        tabs.get_by_role("link", name=label, exact=True).click()
        expect(tabs.get_by_role("link", name=label, exact=True)).to_have_attribute("aria-current", "page")
        expect(page.get_by_test_id("case-header")).to_contain_text("Amira and Leo Khan")
        no_sideways_scroll(page)
        assert_accessible(axe, page)
    tabs.get_by_role("link", name="Overview", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Amira and Leo Khan")
    assert not csp


def test_a_contributor_has_no_access_tab(page: Page, live_server, world):
    sign_in(page, live_server.url, world["police"].email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/cases/{world['case'].pk}/")
    tabs = page.get_by_role("navigation", name="Pages of this case")
    expect(tabs.get_by_role("link", name="Documents", exact=True)).to_be_visible()
    expect(tabs.get_by_role("link", name="Access", exact=True)).to_have_count(0)


def test_actions_menu_opens_by_keyboard_and_its_links_work(sized, live_server, world, axe):
    page = sized("desktop")
    sign_in(page, live_server.url, world["lead"].email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/cases/{world['case'].pk}/")
    menu = page.get_by_test_id("actions-menu")
    expect(menu.get_by_role("link", name="Edit case details")).to_be_hidden()
    menu.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(menu.get_by_role("link", name="Edit case details")).to_be_visible()
    assert_accessible(axe, page)
    menu.get_by_role("link", name="Edit case details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Edit case {world['case'].reference}")
    page.get_by_label("Safety note for visits").fill("Visit in pairs only.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_test_id("alert-safety")).to_contain_text("Visit in pairs only.")
    page.get_by_test_id("actions-menu").locator("summary").click()
    page.get_by_test_id("actions-menu").get_by_role("link", name="Upload a document").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload a document")
