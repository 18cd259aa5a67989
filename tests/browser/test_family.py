"""The Family tab in a real browser: the family diagram renders with the children's and parents'
names, passes axe-core and the strict CSP, fits a 360 px phone without a horizontal scroll, and
the contact-safety form reports every error at once."""

from __future__ import annotations

import os
from datetime import date

import pytest
from playwright.sync_api import Browser, Page, expect

from cases.models import FamilyLink, Person, Relationship, Sex
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, CaseFactory, ChildFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shots(tmp_path) -> str:
    """Where the screenshots go, for a person to look at: TANDEM_SHOTS names a folder to keep."""
    folder = os.environ.get("TANDEM_SHOTS") or str(tmp_path)
    os.makedirs(folder, exist_ok=True)
    return folder


@pytest.fixture
def world(live_server):
    case = CaseFactory.create()
    case.children.clear()
    amelia = ChildFactory.create(
        given_names="Amelia", family_name="Hart", sex=Sex.FEMALE, date_of_birth=date(2018, 3, 4)
    )
    noah = ChildFactory.create(given_names="Noah", family_name="Hart", sex=Sex.MALE, date_of_birth=date(2021, 9, 12))
    case.children.add(amelia, noah)
    sarah = Person.objects.create(full_name="Sarah Hart", phone="07700 900123")
    daniel = Person.objects.create(full_name="Daniel Cooper-Whitfield", phone="07700 900456")
    liam = Person.objects.create(full_name="Liam Price & <Sons>")
    grace = Person.objects.create(full_name="Grace Hart")
    for child in (amelia, noah):
        FamilyLink.objects.create(
            child=child,
            person=sarah,
            relationship=Relationship.PARENT,
            parental_responsibility=True,
            lives_with_child=True,
            poses_risk=True,
            risk_note="Aggressive to visiting workers: visit in pairs",
        )
        FamilyLink.objects.create(
            child=child,
            person=daniel,
            relationship=Relationship.PARENT,
            parental_responsibility=True,
            safe_to_contact=False,
            safe_to_contact_reason="Non-molestation order",
        )
        FamilyLink.objects.create(
            child=child, person=liam, relationship=Relationship.STEP_PARENT, lives_with_child=True
        )
        FamilyLink.objects.create(child=child, person=grace, relationship=Relationship.SIBLING)
    return case


def _csp_violations(page: Page) -> list[str]:
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    return violations


def _check_family_page(page: Page, axe) -> None:
    diagram = page.get_by_test_id("family-diagram").locator("svg")
    expect(diagram).to_be_visible()
    for name in ("Amelia Hart", "Noah Hart", "Sarah Hart", "Grace Hart"):
        expect(diagram.locator("text", has_text=name)).to_have_count(1)
    expect(diagram.locator("text", has_text="<Sons>")).to_have_count(1)  # escaped, shown as typed
    expect(diagram.locator("text", has_text="Do not contact")).to_have_count(1)
    expect(diagram.locator("text", has_text="Risk")).to_have_count(1)
    box = diagram.bounding_box()
    assert box is not None and box["width"] > 250 and box["height"] > 150
    expect(page.get_by_test_id("family-row")).to_have_count(8)
    assert_accessible(axe, page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_the_family_diagram_renders_and_fits_wide_and_phone_screens(browser: Browser, live_server, world, axe, shots):
    url = f"{live_server.url}/cases/{world.pk}/family/"
    for width, height, mobile in ((1366, 768, False), (360, 740, True)):
        context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=mobile, has_touch=mobile)
        page = context.new_page()
        page.set_default_timeout(30_000)  # a busy machine: the first page of a live server is slow
        violations = _csp_violations(page)
        sign_in(page, live_server.url, world.lead_worker.email, TEST_PASSWORD)
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Family")
        _check_family_page(page, axe)
        page.screenshot(path=f"{shots}/family-{width}x{height}.png")
        page.screenshot(path=f"{shots}/family-{width}x{height}-full.png", full_page=True)
        page.get_by_test_id("family-diagram").screenshot(path=f"{shots}/family-diagram-{width}.png")
        # The change form fits too.
        page.get_by_role("link", name="Change contact and risk for Sarah Hart (parent of Amelia Hart)").click()
        expect(page.get_by_label("Safe to contact")).to_be_checked()
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        page.screenshot(path=f"{shots}/family-edit-{width}x{height}.png", full_page=True)
        assert violations == []
        context.close()


def test_the_contact_form_reports_every_error_at_once_then_saves(page: Page, live_server, world, axe, shots):
    violations = _csp_violations(page)
    sign_in(page, live_server.url, world.lead_worker.email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/cases/{world.pk}/family/")
    page.get_by_role("link", name="Change contact and risk for Grace Hart (sibling of Amelia Hart)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Grace Hart")
    page.get_by_label("Safe to contact").uncheck()
    page.get_by_label("Poses a risk to the child or to workers").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Say why this person must not be contacted").first).to_be_visible()
    expect(page.get_by_text("Say what the risk is").first).to_be_visible()
    assert_accessible(axe, page)
    page.screenshot(path=f"{shots}/family-edit-errors-1280.png", full_page=True)
    page.get_by_label("Why this person must not be contacted").fill("Lives with the father; contact through him")
    page.get_by_label("The risk, for anyone visiting the family").fill("Has threatened a teacher")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Contact safety and risk saved for Grace Hart.")).to_be_visible()
    row = page.get_by_test_id("family-row").filter(has_text="Sibling of Amelia Hart")
    expect(row).to_contain_text("Do not contact: Lives with the father")
    expect(row).to_contain_text("Risk: Has threatened a teacher")
    assert violations == []
