"""The case record in a real browser: agency-only entries stay with their agency, break-glass
is shown to the person using it, and every page passes axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from agencies.models import AgencyKind
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import (
    TEST_PASSWORD,
    AgencyFactory,
    CaseFactory,
    EntryFactory,
    MembershipFactory,
    TeamMemberFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(live_server):
    case = CaseFactory.create(lead_agency__name="Riverside Children's Services")
    police = TeamMemberFactory.create(
        case=case, agency=AgencyFactory.create(kind=AgencyKind.POLICE, name="Hillcrest Police")
    )
    health = TeamMemberFactory.create(
        case=case, agency=AgencyFactory.create(kind=AgencyKind.HEALTH, name="Riverside Health")
    )
    EntryFactory.create(case=case, summary="Strategy discussion held")
    outsider = MembershipFactory.create(agency=AgencyFactory.create(kind=AgencyKind.EDUCATION, name="Oak Primary"))
    return {"case": case, "police": police.user, "health": health.user, "outsider": outsider.user}


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))


def test_agency_only_entry_stays_with_its_agency(page: Page, live_server, world, axe):
    case = world["case"]
    sign_in(page, live_server.url, world["police"].email, TEST_PASSWORD)
    page.get_by_role("link", name="My cases").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My cases")
    assert_accessible(axe, page)

    page.get_by_role("link", name=case.reference).click()
    # The overview is headed by the child's name; the reference is in its header.
    expect(page.get_by_role("heading", level=1)).to_have_text(case.children.get().full_name)
    expect(page.get_by_test_id("case-header")).to_contain_text(case.reference)
    expect(page.get_by_test_id("why")).to_contain_text("case team member (contributor)")
    assert_accessible(axe, page)

    page.get_by_test_id("actions-menu").locator("summary").click()
    page.get_by_role("link", name="Add an entry").click()
    expect(page.get_by_label("Hillcrest Police only")).to_be_checked()  # police information stays by default
    assert_accessible(axe, page)
    # Sharing with the whole team without a legal basis is refused, and nothing typed is lost.
    page.get_by_label("Summary", exact=True).fill("Police only")
    page.get_by_label("Detail", exact=True).fill("Intelligence about an adult in the household.")
    page.get_by_label("Kind", exact=True).select_option("police")
    page.get_by_label("Whole case team").check()
    page.get_by_role("button", name="Add the entry").click()
    expect(page.get_by_role("alert")).to_contain_text("needs a legal basis")
    expect(page.get_by_label("Summary", exact=True)).to_have_value("Police only")
    assert_accessible(axe, page)
    page.get_by_label("Hillcrest Police only").check()
    page.get_by_role("button", name="Add the entry").click()
    expect(page.get_by_text("Entry added to the chronology.")).to_be_visible()

    page.get_by_role("link", name="Police only").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Police only")
    expect(page.get_by_text("Hillcrest Police only")).to_be_visible()
    assert_accessible(axe, page)
    sign_out(page)

    sign_in(page, live_server.url, world["health"].email, TEST_PASSWORD)
    page.get_by_role("link", name="My cases").click()
    page.get_by_role("link", name=case.reference).click()
    expect(page.get_by_test_id("latest-entries").get_by_role("link", name="Strategy discussion held")).to_be_visible()
    expect(page.get_by_role("link", name="Police only")).to_have_count(0)
    assert "Intelligence about an adult" not in page.content()


def test_emergency_access_shows_the_banner_and_the_lead_sees_it_in_the_access_log(page: Page, live_server, world, axe):
    case = world["case"]
    sign_in(page, live_server.url, world["outsider"].email, TEST_PASSWORD)
    page.get_by_role("link", name="Emergency access").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Emergency access")
    assert_accessible(axe, page)
    page.get_by_label("Case reference").fill(case.reference)
    page.get_by_label("What is the emergency?").fill("Child brought to A&E with a head injury at 23:40")
    page.get_by_role("button", name="Open the case in an emergency").click()

    # The overview is headed by the child's name; the reference is in its header.
    expect(page.get_by_role("heading", level=1)).to_have_text(case.children.get().full_name)
    expect(page.get_by_test_id("case-header")).to_contain_text(case.reference)
    banner = page.get_by_test_id("break-glass-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Emergency access (break-glass)")
    expect(banner).to_contain_text(re.compile(r"until \d\d:\d\d"))
    expect(page.get_by_test_id("why")).to_contain_text("break-glass")
    expect(page.get_by_test_id("latest-entries").get_by_role("link", name="Strategy discussion held")).to_be_visible()
    assert_accessible(axe, page)
    sign_out(page)

    sign_in(page, live_server.url, case.lead_worker.email, TEST_PASSWORD)
    page.get_by_role("link", name="My cases").click()
    page.get_by_role("link", name=case.reference).click()
    page.get_by_test_id("actions-menu").locator("summary").click()
    page.get_by_role("link", name="Manage the team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Team for case {case.reference}")
    assert_accessible(axe, page)
    page.get_by_role("link", name=f"Back to case {case.reference}").click()
    page.get_by_test_id("actions-menu").locator("summary").click()
    page.get_by_role("link", name="Who accessed this case").click()
    log = page.get_by_test_id("access-log")
    expect(
        log.get_by_role("row").filter(has_text="break_glass").filter(has_text=world["outsider"].full_name)
    ).to_have_count(1)
    assert_accessible(axe, page)


def test_case_page_fits_a_360px_phone_without_csp_violations(phone_page: Page, live_server, world, axe):
    violations: list[str] = []
    phone_page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    case = world["case"]
    sign_in(phone_page, live_server.url, case.lead_worker.email, TEST_PASSWORD)
    for path in (
        "/cases/",
        f"/cases/{case.pk}/",
        f"/cases/{case.pk}/entries/add/",
        f"/cases/{case.pk}/team/",
        f"/cases/{case.pk}/access-log/",
        "/cases/emergency-access/",
    ):
        phone_page.goto(live_server.url + path)
        overflow = phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, path
    assert_accessible(axe, phone_page)
    assert violations == []
