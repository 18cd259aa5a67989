"""The chronology tab in a real browser, at 1366 and 360 px: filter to significant entries in a
date range, open an entry in place and read it, expand and collapse them all, search (the
words never in the address bar) and clear the search. axe clean, no CSP violation, no
sideways scroll on a phone."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from agencies.models import AgencyKind
from cases.models import Case, EntryKind
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, AgencyFactory, CaseFactory, DocumentFactory, EntryFactory, TeamMemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where to put screenshots, when asked (TANDEM_SCREENSHOTS=/some/dir).
SHOTS = os.environ.get("TANDEM_SCREENSHOTS")


def csp_watch(page: Page) -> list[str]:
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    return violations


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}-fold.png"))


@pytest.fixture
def case(live_server, settings, tmp_path) -> Case:
    settings.MEDIA_ROOT = tmp_path
    case = CaseFactory.create(lead_agency__name="Riverside Children's Services")
    police = TeamMemberFactory.create(
        case=case, agency=AgencyFactory.create(kind=AgencyKind.POLICE, name="Hillcrest Police")
    )

    def entry(day: date, summary: str, **fields: object) -> None:
        # A detail of known words: a Faker paragraph may hold any word the test searches for.
        fields.setdefault("detail", f"What happened: {summary.lower()}.")
        EntryFactory.create(case=case, event_date=day, summary=summary, **fields)

    entry(date(2026, 1, 12), "Referral from the school", kind=EntryKind.EDUCATION, significance="significant")
    entry(date(2026, 2, 3), "Home visit, children seen together", detail="Both children seen in their bedroom.")
    strategy = EntryFactory.create(
        case=case,
        event_date=date(2026, 2, 10),
        summary="Strategy discussion held",
        kind=EntryKind.MEETING,
        significance="critical",
        detail="Agreed a section 47 enquiry. Police and children's social care to visit jointly.",
    )
    DocumentFactory.create(case=case, entry=strategy, title="Strategy discussion notes")
    EntryFactory.create(
        case=case,
        event_date=date(2026, 2, 14),
        summary="Police welfare check",
        kind=EntryKind.POLICE,
        significance="significant",
        detail="Officers attended after a neighbour's call; the house was calm.",
        author=police.user,
        author_agency=police.agency,
    )
    entry(date(2026, 3, 2), "Phone call with mother", kind=EntryKind.CONTACT)
    entry(date(2026, 3, 20), "Disclosure to the class teacher", kind=EntryKind.DISCLOSURE, significance="critical")
    return case


def _walk_the_chronology(browser: Browser, base: str, case: Case, axe, size: tuple[int, int], label: str) -> None:
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=width < 600)
    page = context.new_page()
    page.set_default_timeout(30_000)
    violations = csp_watch(page)
    sign_in(page, base, case.lead_worker.email, TEST_PASSWORD)
    page.goto(f"{base}/cases/{case.pk}/chronology/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Chronology")
    entries = page.get_by_test_id("chronology").locator("details")
    expect(entries).to_have_count(6)
    assert_accessible(axe, page)
    no_sideways_scroll(page)
    shot(page, f"chronology-{label}")

    # Significant only, in February: the strategy discussion and the police check.
    page.get_by_label("From", exact=True).fill("01/02/2026")
    page.get_by_label("To", exact=True).fill("28/02/2026")
    page.get_by_label("Significance").select_option(label="Significant only (and critical)")
    page.get_by_role("button", name="Filter").click()
    expect(entries).to_have_count(2)
    expect(entries.nth(0).locator("summary")).to_contain_text("Police welfare check")
    expect(entries.nth(1).locator("summary")).to_contain_text("Strategy discussion held")
    assert "significance=significant_only" in page.url

    # Opened in place: the detail and its document, without leaving the page.
    strategy = entries.nth(1)
    detail = strategy.get_by_text("Agreed a section 47 enquiry.")
    expect(detail).to_be_hidden()
    strategy.locator("summary").click()
    expect(detail).to_be_visible()
    expect(strategy.get_by_role("link", name="Strategy discussion notes")).to_be_visible()
    assert page.url.endswith("significance=significant_only")
    assert_accessible(axe, page)
    no_sideways_scroll(page)
    shot(page, f"chronology-{label}-filtered-open")

    # Expand all and collapse all.
    page.get_by_role("button", name="Expand all").click()
    expect(entries.nth(0).get_by_text("the house was calm")).to_be_visible()
    page.get_by_role("button", name="Collapse all").click()
    expect(detail).to_be_hidden()

    # Search, with the filters kept: the words stay out of the address bar.
    page.get_by_role("link", name="Clear filters").click()
    expect(entries).to_have_count(6)
    page.get_by_label("Words to look for").fill("BEDROOM")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(entries).to_have_count(1)
    expect(entries.first.locator("summary")).to_contain_text("Home visit, children seen together")
    assert "bedroom" not in page.url.lower()
    expect(page.get_by_test_id("search-note")).to_contain_text("BEDROOM")
    assert_accessible(axe, page)
    no_sideways_scroll(page)
    shot(page, f"chronology-{label}-search")

    page.get_by_label("Words to look for").fill("nothing like this")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_test_id("chronology-empty")).to_have_text(
        "No entry you can see matches these filters and this search."
    )
    page.get_by_role("button", name="Clear search").click()
    expect(entries).to_have_count(6)

    # A date that cannot be read is said in words, with the rest of the page still there.
    page.get_by_label("From", exact=True).fill("31/02/2026")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("alert")).to_contain_text("February 2026 has 28 days")
    assert_accessible(axe, page)
    no_sideways_scroll(page)
    shot(page, f"chronology-{label}-error")
    assert not violations, violations
    context.close()


def test_the_chronology_filters_expands_and_searches_at_1366(browser: Browser, live_server, case, axe):
    _walk_the_chronology(browser, live_server.url, case, axe, (1366, 768), "1366")


def test_the_chronology_filters_expands_and_searches_on_a_phone(browser: Browser, live_server, case, axe):
    _walk_the_chronology(browser, live_server.url, case, axe, (360, 740), "360")


def test_the_chronology_tab_is_reached_from_the_case_and_marked_current(page: Page, live_server, case):
    sign_in(page, live_server.url, case.lead_worker.email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    tabs = page.get_by_role("navigation", name="Pages of this case")
    tabs.get_by_role("link", name="Chronology").click()
    page.wait_for_url(re.compile(r"/chronology/$"))
    expect(tabs.get_by_role("link", name="Chronology")).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("chronology").locator("details")).to_have_count(6)
