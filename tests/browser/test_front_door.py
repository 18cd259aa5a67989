"""The front door in a real browser: an intake worker searches the inbox, opens a referral
about a child at immediate risk and sees its deadlines (the decision due within hours; once
accepted, the strategy discussion due the same working day in My tasks); passes another
referral to the neighbouring authority's front door, whose worker then finds it in their own
inbox. Every page is axe clean, without a CSP violation, and without horizontal scroll on a phone."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from access_control.policy import ReferralAction, get_referral
from agencies.models import AgencyKind, Role
from deadlines.models import Deadline, DeadlineKind
from referrals.models import Referral, ReferralStatus, TriageDecision
from referrals.services import save_draft, submit_referral
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, AgencyFactory, MembershipFactory, front_door_agency, front_door_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where to put screenshots, when asked (TANDEM_SCREENSHOTS=/some/dir).
SHOTS = os.environ.get("TANDEM_SCREENSHOTS")
CONCERN = "Bruising to both arms seen this morning; the child says they are scared to go home tonight."


def _refer(teacher, front_door, given: str, family: str, **data: object) -> Referral:
    draft = save_draft(
        by=teacher,
        receiving_agency=front_door,
        data={
            "child_given_names": given,
            "child_family_name": family,
            "child_date_of_birth": date(2017, 3, 9),
            "concern_category": "physical",
            "concern_description": CONCERN,
            "consent": "given",
            "referrer_contact": "01632 960 555",
            **data,
        },
    )
    return submit_referral(access=get_referral(teacher, draft.pk, ReferralAction.EDIT_DRAFT))


@pytest.fixture
def world(live_server):
    riverside = front_door_agency(name="Riverside Children's Services")
    eastmere = front_door_agency(name="Eastmere Children's Services", front_door_contact="01632 960 200")
    school = AgencyFactory.create(name="Oak Primary School", kind=AgencyKind.EDUCATION)
    teacher = MembershipFactory.create(agency=school, role=Role.PRACTITIONER).user
    at_risk = _refer(teacher, riverside, "Tamsin", "Okonkwo", immediate_risk=True)
    over_the_border = _refer(teacher, riverside, "Piers", "Abernathy")
    for given, family in (("Lena", "Marchetti"), ("Oscar", "Whitlow"), ("Ruby", "Okafor-Hale"), ("Sami", "Delacroix")):
        _refer(teacher, riverside, given, family)
    return {
        "riverside": riverside,
        "eastmere": eastmere,
        "intake": front_door_worker(riverside),
        "eastmere_intake": front_door_worker(eastmere),
        "at_risk": at_risk,
        "over_the_border": over_the_border,
    }


@pytest.fixture
def laptop(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _watch_csp(page: Page) -> list[str]:
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    return violations


def _shot(page: Page, name: str, *, full_page: bool = False) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=full_page)


def _no_horizontal_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def _search(page: Page, words: str) -> None:
    page.get_by_label("Child's name, reference or referrer").fill(words)
    page.get_by_role("button", name="Search", exact=True).click()


def test_intake_searches_opens_an_immediate_risk_referral_and_passes_another_on(
    laptop: Page, phone_page: Page, live_server, world, axe
) -> None:
    page = laptop
    csp = _watch_csp(page)
    at_risk, over_the_border = world["at_risk"], world["over_the_border"]
    sign_in(page, live_server.url, world["intake"].email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/referrals/inbox/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Front door")
    expect(page.get_by_test_id("inbox-row")).to_have_count(6)
    # The child at immediate risk is due first (4 hours), above the routine referrals.
    expect(page.get_by_test_id("inbox-row").first).to_contain_text("Immediate risk")
    _shot(page, "inbox-1366")
    assert_accessible(axe, page)

    # Search by the child's name: posted, so the name is not in the address.
    _search(page, "okonkwo")
    expect(page.get_by_test_id("inbox-row")).to_have_count(1)
    expect(page.get_by_test_id("search-note")).to_contain_text("okonkwo")
    assert "okonkwo" not in page.url.lower()
    _shot(page, "inbox-search-1366")
    assert_accessible(axe, page)
    # And by reference.
    _search(page, over_the_border.reference)
    expect(page.get_by_test_id("inbox-row")).to_have_count(1)
    expect(page.get_by_test_id("inbox-row")).to_contain_text("Piers Abernathy")

    # Open the immediate-risk referral: its decision is due within hours.
    _search(page, "Tamsin")
    page.get_by_role("link", name=at_risk.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Triage referral {at_risk.reference}")
    expect(page.get_by_role("alert").filter(has_text="Immediate risk")).to_be_visible()
    expect(page.get_by_test_id("due")).to_contain_text(re.compile(r"left|due", re.I))
    assert_accessible(axe, page)
    page.get_by_label("Accepted for assessment").check()
    page.get_by_label("Rationale").fill("Immediate risk: a strategy discussion with police and health today.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text(re.compile(r"Accepted"))).to_be_visible()
    at_risk.refresh_from_db()
    assert at_risk.status == ReferralStatus.DECIDED and at_risk.linked_case is not None
    # The strategy discussion is on the clock, owed by the worker who accepted it.
    strategy = Deadline.objects.get(case=at_risk.linked_case, kind=DeadlineKind.STRATEGY_DISCUSSION)
    assert strategy.owner == world["intake"]
    page.get_by_role("link", name="My tasks", exact=True).click()
    task = page.get_by_role("link", name=f"Hold the strategy discussion on case {at_risk.linked_case.reference}")
    expect(task).to_be_visible()
    assert_accessible(axe, page)

    # Pass the other referral to the neighbouring authority's front door.
    page.goto(f"{live_server.url}/referrals/inbox/")
    page.get_by_role("button", name="Clear search").click()
    expect(page.get_by_test_id("inbox-row")).to_have_count(5)
    page.get_by_role("link", name=over_the_border.reference).click()
    page.get_by_label("Passed to another agency").check()
    pass_to = page.get_by_label("Pass to")
    expect(pass_to.locator("option")).to_have_text(["Choose a front door…", "Eastmere Children's Services"])
    pass_to.select_option(label="Eastmere Children's Services")
    page.get_by_label("Rationale").fill("The family moved to Eastmere last month.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Passed to Eastmere Children's Services")).to_be_visible()
    expect(page.get_by_test_id("inbox-row")).to_have_count(4)
    assert csp == []

    # The neighbouring front door's worker finds it in their own inbox, on a phone.
    phone = phone_page
    phone_csp = _watch_csp(phone)
    sign_in(phone, live_server.url, world["eastmere_intake"].email, TEST_PASSWORD)
    phone.goto(f"{live_server.url}/referrals/inbox/")
    onward = Referral.objects.get(receiving_agency=world["eastmere"])
    assert onward.previous_referral == over_the_border
    row = phone.get_by_test_id("inbox-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Piers Abernathy")
    expect(row).to_contain_text(onward.reference)
    _no_horizontal_scroll(phone)
    assert_accessible(axe, phone)
    _shot(phone, "inbox-eastmere-360")
    _shot(phone, "inbox-eastmere-360-full", full_page=True)
    _search(phone, "Abernathy")
    expect(row).to_have_count(1)
    _no_horizontal_scroll(phone)
    phone.get_by_role("link", name=onward.reference).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(f"Triage referral {onward.reference}")
    _no_horizontal_scroll(phone)
    assert phone_csp == []
    assert onward.status == ReferralStatus.SUBMITTED
    assert Referral.objects.get(pk=over_the_border.pk).decision == TriageDecision.PASSED_ON


def test_the_inbox_on_a_phone_with_a_search(phone_page: Page, live_server, world, axe) -> None:
    page = phone_page
    csp = _watch_csp(page)
    sign_in(page, live_server.url, world["intake"].email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/referrals/inbox/")
    expect(page.get_by_test_id("inbox-row")).to_have_count(6)
    _no_horizontal_scroll(page)
    _shot(page, "inbox-360")
    _shot(page, "inbox-360-full", full_page=True)
    assert_accessible(axe, page)
    _search(page, "oka")
    expect(page.get_by_test_id("inbox-row")).to_have_count(1)
    expect(page.get_by_role("button", name="Clear search")).to_be_visible()
    _no_horizontal_scroll(page)
    _shot(page, "inbox-search-360")
    assert_accessible(axe, page)
    assert csp == []
