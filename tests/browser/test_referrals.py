"""Referrals in a real browser: a teacher refers, the front door finds the child already known,
links and accepts, the teacher sees the outcome; a member of the public reports a concern on a
phone. Every page passes axe-core."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Page, expect

from agencies.models import AgencyKind, Role
from cases.models import CaseTeamMember
from referrals.models import Referral, ReferralStatus, Source
from referrals.rate_limits import rate_limit_key
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import (
    TEST_PASSWORD,
    AgencyFactory,
    CaseFactory,
    ChildFactory,
    MembershipFactory,
    TeamMemberFactory,
    front_door_worker,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(live_server):
    front_door = AgencyFactory.create(
        name="Riverside Children's Services", takes_referrals=True, front_door_contact="01632 960 000"
    )
    school = AgencyFactory.create(name="Oak Primary School", kind=AgencyKind.EDUCATION)
    teacher = MembershipFactory.create(agency=school, role=Role.PRACTITIONER, user__full_name="Grace Teacher").user
    intake = front_door_worker(front_door, Role.INTAKE)
    # The child is already known: on a case led by the front door's agency, with the intake
    # worker on its team.
    child = ChildFactory.create(given_names="Amara", family_name="Okafor", date_of_birth=date(2016, 5, 4))
    case = CaseFactory.create(lead_agency=front_door)
    case.children.set([child])
    TeamMemberFactory.create(case=case, agency=front_door, user=intake)
    return {"front_door": front_door, "teacher": teacher, "intake": intake, "case": case}


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    for scope in ("concern", "check"):
        cache.delete(rate_limit_key("127.0.0.1", scope))


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))


def test_teacher_refers_front_door_links_the_known_child_and_accepts_teacher_sees_the_outcome(
    page: Page, live_server, world, axe
):
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    case = world["case"]

    # The teacher makes the referral.
    sign_in(page, live_server.url, world["teacher"].email, TEST_PASSWORD)
    page.get_by_role("link", name="Make a referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Make a referral")
    assert_accessible(axe, page)
    page.get_by_label("Send to").select_option(label="Riverside Children's Services")
    page.get_by_label("Given names", exact=True).fill("Amara")
    page.get_by_label("Family name", exact=True).fill("Okafor")
    page.get_by_label("Date of birth", exact=True).fill("04/05/2016")  # as a British teacher writes it
    page.get_by_label("Category of concern").select_option("neglect")
    page.get_by_label("What is the concern?").fill("Arrives hungry most days and has worn the same clothes all week.")
    page.get_by_label("What the child said").fill("Mum sleeps all day.")
    # Ticking "immediate risk" shows the call-999 warning at once (static/js/referrals.js).
    warning = page.locator("[data-danger-warning]")
    expect(warning).to_be_hidden()
    page.get_by_label("The child is at immediate risk").check()
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("call 999 now")
    page.get_by_label("The child is at immediate risk").uncheck()
    expect(warning).to_be_hidden()
    page.get_by_label("Consent given").check()
    expect(page.get_by_label("How the front door can reach you")).to_have_value(world["teacher"].email)
    page.get_by_role("button", name="Save and submit").click()

    referral = Referral.objects.get(referrer=world["teacher"])
    assert referral.child_date_of_birth == date(2016, 5, 4)  # the 4th of May, not the 5th of April
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Referral {referral.reference}")
    expect(page.get_by_text(f"Referral {referral.reference} sent to Riverside Children's Services.")).to_be_visible()
    expect(page.get_by_test_id("status")).to_have_text("Waiting for triage")
    assert_accessible(axe, page)
    page.get_by_role("link", name="My referrals", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My referrals")
    expect(page.get_by_role("row").filter(has_text=referral.reference)).to_contain_text("Waiting for triage")
    assert_accessible(axe, page)
    sign_out(page)

    # The front door sees it in the inbox, finds the child already known, links and accepts.
    sign_in(page, live_server.url, world["intake"].email, TEST_PASSWORD)
    page.get_by_role("link", name="Front door", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Front door")
    row = page.get_by_test_id("inbox-row").filter(has_text=referral.reference)
    expect(row).to_contain_text("Amara Okafor")
    expect(row).to_contain_text("Oak Primary School")
    expect(row).to_contain_text("Unassigned")
    assert_accessible(axe, page)
    row.get_by_role("button", name=f"Take {referral.reference}").click()
    expect(page.get_by_text(f"You are handling referral {referral.reference}.")).to_be_visible()
    expect(page.get_by_test_id("inbox-row").filter(has_text=referral.reference)).to_contain_text(
        world["intake"].full_name
    )
    page.get_by_role("link", name=referral.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Triage referral {referral.reference}")
    match = page.get_by_test_id("match").filter(has_text="Amara Okafor")
    expect(match).to_contain_text("% match")
    assert_accessible(axe, page)
    match.get_by_label(f"Link to this case ({case.reference})").check()
    page.get_by_label("Accepted for assessment").check()
    page.get_by_label("Rationale").fill("Known child; neglect concerns need assessment on the open case.")
    page.get_by_role("button", name="Record the decision").click()

    expect(page.get_by_test_id("case-header")).to_contain_text(case.reference)
    expect(
        page.get_by_text(f"Accepted: the referral is linked to case {case.reference} and you are on its team.")
    ).to_be_visible()
    expect(page.get_by_test_id("latest-entries")).to_contain_text(
        f"Referral {referral.reference} from Oak Primary School"
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECIDED and referral.linked_case == case
    assert CaseTeamMember.objects.filter(case=case, user=world["intake"], active=True).exists()
    sign_out(page)

    # The teacher sees the outcome, and nothing of the case.
    sign_in(page, live_server.url, world["teacher"].email, TEST_PASSWORD)
    page.get_by_role("link", name="My referrals", exact=True).click()
    outcome = page.get_by_role("row").filter(has_text=referral.reference).get_by_test_id("outcome")
    expect(outcome).to_contain_text("Accepted for assessment")
    page.get_by_role("link", name=referral.reference).click()
    expect(page.get_by_test_id("decision")).to_contain_text("Accepted for assessment")
    assert case.reference not in page.content()
    assert_accessible(axe, page)
    assert violations == []


def test_member_of_the_public_reports_a_concern_on_a_phone_and_gets_a_reference(
    phone_page: Page, live_server, world, axe, settings, clock
):
    # The form refuses what is sent sooner than a person could have filled it in. The test
    # owns that clock rather than racing it: it moves the time on before the last Send.
    settings.PUBLIC_CONCERN_MIN_SECONDS = 5
    violations: list[str] = []
    phone_page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page = phone_page
    page.goto(f"{live_server.url}/concern/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a concern about a child")
    expect(page.get_by_role("link", name="My cases")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert_accessible(axe, page)

    # Saying the child is in danger tells them to call 999 at once.
    warning = page.locator("[data-danger-warning]")
    expect(warning).to_be_hidden()
    page.get_by_role("group", name="Is the child in danger right now?").get_by_label("Yes").check()
    expect(warning).to_be_visible()
    page.get_by_role("group", name="Is the child in danger right now?").get_by_label("No").check()
    expect(warning).to_be_hidden()
    # Sending with nothing about the child shows what is needed, and stores nothing.
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_contain_text(
        "Tell us what worries you about the child."
    )
    assert not Referral.objects.exists()
    assert_accessible(axe, page)

    page.get_by_label("Child's first name (if you know it)").fill("Leo")
    page.get_by_label("How old is the child, roughly? (optional)").fill("about 6")
    page.get_by_label("Where does the child live, or where can they be found?").fill("Flat 3, Canal Court")
    page.get_by_label("What worries you about the child?").fill(
        "I hear shouting and crying every night and he is often locked out in the cold."
    )
    page.get_by_label("How do you know the child? (optional)").fill("Neighbour")
    clock.at(timezone.now() + timedelta(seconds=settings.PUBLIC_CONCERN_MIN_SECONDS))
    page.get_by_role("button", name="Send").click()

    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your concern has been sent")
    referral = Referral.objects.get()
    assert referral.source == Source.PUBLIC and referral.receiving_agency == world["front_door"]
    expect(page.get_by_test_id("reference")).to_have_text(referral.reference)
    assert referral.reference not in page.url
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert_accessible(axe, page)

    page.get_by_role("link", name="Check your reference").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your reference")
    assert_accessible(axe, page)
    page.get_by_label("Your reference").fill(referral.reference)
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_test_id("reference-result")).to_contain_text("not yet considered")
    expect(page.get_by_text("Leo")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert_accessible(axe, page)
    assert violations == []


def test_referral_pages_fit_a_360px_phone(phone_page: Page, live_server, world, axe):
    from tests.factories import ReferralFactory

    referral = ReferralFactory.create(receiving_agency=world["front_door"], immediate_risk=True, urgency="urgent")
    sign_in(phone_page, live_server.url, world["intake"].email, TEST_PASSWORD)
    for path in (
        "/referrals/inbox/",
        f"/referrals/{referral.pk}/",
        f"/referrals/{referral.pk}/triage/",
        "/referrals/new/",
    ):
        phone_page.goto(live_server.url + path)
        overflow = phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, path
        assert_accessible(axe, phone_page)
