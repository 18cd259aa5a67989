"""A joint assessment in a real browser: the lead opens it and asks health to contribute; the
health practitioner is told, writes and submits the contribution; the lead writes the analysis
and submits; the lead's supervisor approves from the dashboard. Then the clock passes another
deadline's due time, and the supervisor's dashboard shows it overdue. Every page passes axe-core."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from agencies.models import AgencyKind, Membership, Role
from cases.models import AssessmentState, CaseTeamMember, ContributionState, JointAssessment, TeamRole
from deadlines import reminders, services
from deadlines.models import Deadline, DeadlineKind, DeadlineState
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, AgencyFactory, CaseFactory, MembershipFactory, supervise

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(live_server):
    csc = AgencyFactory.create(name="Riverside Children's Services", kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    health = AgencyFactory.create(name="Riverside Community Health", kind=AgencyKind.HEALTH)
    lead = MembershipFactory.create(agency=csc, role=Role.PRACTITIONER, user__full_name="Lena Lead").user
    supervisor = supervise(Membership.objects.get(user=lead, agency=csc)).user
    nurse = MembershipFactory.create(agency=health, role=Role.PRACTITIONER, user__full_name="Hana Nurse").user
    case = CaseFactory.create(lead_agency=csc, lead_worker=lead)
    CaseTeamMember.objects.create(
        case=case, user=nurse, agency=health, role=TeamRole.CONTRIBUTOR, added_reason="School nurse for the child"
    )
    # Something else the lead owes on the case, due in two days: the clock will pass it.
    visit = services.open_deadline(
        kind=DeadlineKind.MEETING_ACTION,
        title="Home visit with the family",
        owner_agency=csc,
        owner=lead,
        case=case,
        due_at=timezone.now() + timedelta(days=2),
    )
    return {"case": case, "lead": lead, "supervisor": supervisor, "nurse": nurse, "health": health, "visit": visit}


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))


def test_lead_opens_health_contributes_lead_submits_supervisor_approves_then_overdue_shows(
    page: Page, live_server, world, axe
):
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    case = world["case"]
    base = live_server.url

    # The lead opens the joint assessment from the case page and asks health to contribute.
    sign_in(page, base, world["lead"].email, TEST_PASSWORD)
    page.goto(f"{base}/cases/{case.pk}/")
    page.get_by_role("link", name="Joint assessments").click()
    assert_accessible(axe, page)
    page.get_by_role("link", name="Open a joint assessment").click()
    assert_accessible(axe, page)
    page.get_by_role("button", name="Open the assessment").click()
    expect(page.get_by_test_id("assessment-state")).to_contain_text("Open")
    assert_accessible(axe, page)
    page.get_by_role("link", name="Ask agencies to contribute").click()
    assert_accessible(axe, page)
    page.get_by_label("Ask Riverside Community Health").check()
    page.get_by_role("button", name="Ask for contributions").click()
    expect(page.get_by_test_id("contributions")).to_contain_text("Riverside Community Health")
    expect(page.get_by_test_id("contributions")).to_contain_text("Requested")
    assessment = JointAssessment.objects.get(case=case)
    assert Deadline.objects.filter(contribution__assessment=assessment, state=DeadlineState.OPEN).count() == 1
    sign_out(page)

    # The health practitioner is told, and writes the contribution, shared with the team on a legal basis.
    sign_in(page, base, world["nurse"].email, TEST_PASSWORD)
    page.get_by_test_id("nav-notifications").click()
    expect(page.get_by_text("Contribution requested").first).to_be_visible()
    assert_accessible(axe, page)
    page.goto(f"{base}/cases/{case.pk}/")
    page.get_by_role("link", name="Joint assessments").click()
    page.get_by_role("link", name=re.compile(r"^Assessment opened")).click()
    page.get_by_role("link", name="Write Riverside Community Health's contribution").click()
    assert_accessible(axe, page)
    page.get_by_label("Summary").fill("Seen at every health review; weight now falling")
    page.get_by_label("What our agency knows").fill("Health visiting since birth; missed two appointments.")
    page.get_by_label("Concerns").fill("Weight has dropped from the 50th to the 9th centile.")
    page.get_by_label("Strengths").fill("Mother engages when visited at home.")
    page.get_by_label("The child's voice").fill("Said she is often hungry at bedtime.")
    page.get_by_label("Recommendation", exact=True).fill("Paediatric review and weekly weighing.")
    # Health information stays with health unless shared on a legal basis: this one is shared.
    expect(page.get_by_label("Riverside Community Health only")).to_be_checked()
    page.get_by_label("Whole case team").check()
    page.get_by_label("Legal basis for sharing").select_option("safeguarding")
    page.get_by_role("button", name="Submit the contribution").click()
    expect(page.get_by_test_id("contributions")).to_contain_text("Submitted")
    assert assessment.contributions.get().state == ContributionState.SUBMITTED
    sign_out(page)

    # The lead reads it, writes the analysis and submits for approval.
    sign_in(page, base, world["lead"].email, TEST_PASSWORD)
    page.goto(f"{base}/cases/assessments/{assessment.pk}/")
    expect(page.get_by_test_id("contributions")).to_contain_text("weight now falling")
    page.get_by_role("link", name="Write the analysis").click()
    page.get_by_label("Analysis").fill("Health's evidence of faltering growth with missed appointments shows neglect.")
    page.get_by_label("Recommendation").fill("Section 47 enquiry and a strategy discussion.")
    page.get_by_role("button", name="Save the analysis").click()
    page.get_by_role("link", name="Submit for approval").click()
    assert_accessible(axe, page)
    page.get_by_role("button", name="Yes, submit for approval").click()
    expect(page.get_by_test_id("assessment-state")).to_contain_text("Submitted")
    sign_out(page)

    # The supervisor finds it waiting on the dashboard and approves it.
    sign_in(page, base, world["supervisor"].email, TEST_PASSWORD)
    page.get_by_role("link", name="My team", exact=True).click()
    expect(page.get_by_test_id("assessments")).to_contain_text(case.reference)
    assert_accessible(axe, page)
    page.get_by_test_id("assessments").get_by_role("link", name=f"Case {case.reference}").click()
    page.get_by_role("link", name="Approve or return").click()
    assert_accessible(axe, page)
    page.get_by_label("Approve the assessment").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_test_id("assessment-state")).to_contain_text("Approved")
    assessment.refresh_from_db()
    assert assessment.state == AssessmentState.APPROVED
    assert Deadline.objects.get(assessment=assessment, kind=DeadlineKind.ASSESSMENT).state == DeadlineState.MET

    # Nothing of the lead's is overdue yet.
    page.get_by_role("link", name="My team", exact=True).click()
    row = page.get_by_test_id("caseload-row").filter(has_text="Lena Lead")
    expect(row.get_by_test_id("overdue")).to_have_text(re.compile(r"^0"))

    # The clock passes the home visit's due time; the beat sweep runs; the dashboard shows it.
    Deadline.objects.filter(pk=world["visit"].pk).update(due_at=timezone.now() - timedelta(hours=1))
    reminders.sweep(enqueue=False)
    assert Deadline.objects.get(pk=world["visit"].pk).state == DeadlineState.OVERDUE
    page.reload()
    row = page.get_by_test_id("caseload-row").filter(has_text="Lena Lead")
    expect(row.get_by_test_id("overdue")).to_have_text(re.compile(r"^1"))
    row.get_by_test_id("overdue").click()
    expect(page.get_by_text("Home visit with the family")).to_be_visible()
    assert_accessible(axe, page)
    assert violations == []
