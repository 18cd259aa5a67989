"""Joint assessments: the services, the pages, the access matrix, what notifications and
reminders may say, and query counts. One behaviour per test."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access_control.models import AccessLogEntry
from access_control.policy import Action, get_case, get_casework
from agencies.models import AgencyKind, User
from cases.assessments import services as assessment_services
from cases.assessments.queries import assessments_awaiting_approval
from cases.models import (
    AssessmentState,
    ChronologyEntry,
    Contribution,
    ContributionState,
    EntryKind,
    JointAssessment,
    Visibility,
)
from deadlines import reminders
from deadlines.models import Deadline, DeadlineKind, DeadlineState, Notification, NotificationPreference
from deadlines.services import due_at_for
from outbox.delivery import deliver
from referrals.models import TriageDecision
from tests.cases.assessment_helpers import (
    EDUCATION_CONTENT,
    HEALTH_CONTENT,
    HEALTH_SECRET,
    World,
    ask,
    build_world,
    contribution_of,
    lead_access,
    open_assessment,
    ready_to_submit,
    submit_health,
    submitted,
    write,
)
from tests.factories import AgencyFactory, MembershipFactory, ReferralFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def _latest_log_id() -> int:
    return AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _denied_since(before: int, user: User) -> bool:
    return AccessLogEntry.objects.filter(id__gt=before, user=user, outcome="denied").exists()


def _notifications(user: User) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("id"))


# --- opening -------------------------------------------------------------------------------


def test_opening_runs_the_clock_from_the_accepted_referral_and_gives_the_lead_a_deadline(world):
    submitted_at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    ReferralFactory.create(
        linked_case=world.case, decision=TriageDecision.ACCEPTED, submitted_at=submitted_at, status="decided"
    )
    assessment = open_assessment(world)
    assert assessment.state == AssessmentState.OPEN
    assert assessment.lead == world.lead and assessment.lead_agency == world.case.lead_agency
    assert assessment.due_at == due_at_for(DeadlineKind.ASSESSMENT, submitted_at, "GB-ENG")
    deadline = Deadline.objects.get(assessment=assessment)
    assert (deadline.kind, deadline.owner, deadline.owner_agency, deadline.case) == (
        DeadlineKind.ASSESSMENT,
        world.lead,
        world.case.lead_agency,
        world.case,
    )
    assert deadline.due_at == assessment.due_at
    assert world.case.children.first().given_names not in deadline.title


def test_opening_without_a_referral_runs_the_clock_from_now(world):
    before = timezone.now()
    assessment = open_assessment(world)
    assert due_at_for(DeadlineKind.ASSESSMENT, before, "GB-ENG") <= assessment.due_at
    assert assessment.due_at <= due_at_for(DeadlineKind.ASSESSMENT, timezone.now(), "GB-ENG")


def test_a_second_assessment_in_progress_is_refused_with_a_clear_message(world):
    open_assessment(world)
    with pytest.raises(ValidationError, match="already in progress"):
        open_assessment(world)
    assert JointAssessment.objects.filter(case=world.case).count() == 1


def test_a_new_assessment_may_open_once_the_last_is_approved(world):
    assessment = submitted(world)
    access, _ = get_casework(world.supervisor, JointAssessment, assessment.pk, Action.APPROVE_ASSESSMENT)
    assessment_services.decide_assessment(access=access, assessment=assessment, approve=True)
    assert open_assessment(world).state == AssessmentState.OPEN


def test_only_the_lead_opens_an_assessment_and_the_refusal_is_logged(world):
    before = _latest_log_id()
    with pytest.raises(PermissionDenied):
        assessment_services.open_assessment(access=get_case(world.key_worker, world.case.pk))
    assert AccessLogEntry.objects.filter(
        id__gt=before, user=world.key_worker, action="lead_assessment", outcome="denied"
    ).exists()
    assert not JointAssessment.objects.filter(case=world.case).exists()


# --- asking for contributions ----------------------------------------------------------------


def test_asking_an_agency_opens_its_deadline_and_tells_only_its_people_on_the_team(world):
    assessment = open_assessment(world)
    [contribution] = ask(world, assessment, world.health_agency)
    deadline = Deadline.objects.get(contribution=contribution)
    assert deadline.kind == DeadlineKind.CONTRIBUTION
    assert deadline.owner is None and deadline.owner_agency == world.health_agency
    assert deadline.title == "Riverside Community Health contribution to the joint assessment"
    told = set(Notification.objects.filter(title="Contribution requested").values_list("recipient", flat=True))
    assert told == {world.health.pk, world.health_colleague.pk}
    body = Notification.objects.filter(recipient=world.health).get().body
    assert world.case.reference in body
    assert timezone.localtime(contribution.due_at).strftime("%d %b %Y") in body
    child = world.case.children.get()
    assert child.given_names not in body and child.family_name not in body


def test_the_default_due_date_is_the_contribution_timescale(world):
    assessment = open_assessment(world)
    before = timezone.now()
    [contribution] = ask(world, assessment, world.police_agency)
    assert due_at_for(DeadlineKind.CONTRIBUTION, before, "GB-ENG") <= contribution.due_at
    assert contribution.due_at <= due_at_for(DeadlineKind.CONTRIBUTION, timezone.now(), "GB-ENG")


def test_the_default_due_date_is_never_after_the_assessment(world):
    assessment = open_assessment(world)
    soon = timezone.now() + timedelta(days=2)
    JointAssessment.objects.filter(pk=assessment.pk).update(due_at=soon)
    assessment.refresh_from_db()
    [contribution] = ask(world, assessment, world.police_agency)
    assert contribution.due_at == soon


def test_a_due_date_after_the_assessment_is_refused(world):
    assessment = open_assessment(world)
    with pytest.raises(ValidationError) as error:
        ask(world, assessment, world.police_agency, due_at=assessment.due_at + timedelta(days=1))
    assert "due_at" in error.value.message_dict


def test_health_and_police_contributions_default_to_their_agency_and_others_to_the_team(world):
    assessment = open_assessment(world)
    contributions = {c.author_agency_id: c for c in ask(world, assessment, world.health_agency, world.education_agency)}
    assert contributions[world.health_agency.pk].visibility == Visibility.AGENCY
    assert contributions[world.education_agency.pk].visibility == Visibility.TEAM


def test_an_agency_with_no_one_on_the_team_cannot_be_asked(world):
    assessment = open_assessment(world)
    stranger = AgencyFactory.create(kind=AgencyKind.COMMUNITY)
    with pytest.raises(ValidationError, match="no one on the case team"):
        ask(world, assessment, stranger)
    assert not Contribution.objects.filter(assessment=assessment).exists()


def test_an_agency_is_not_asked_twice(world):
    assessment = open_assessment(world)
    ask(world, assessment, world.police_agency)
    with pytest.raises(ValidationError, match="already been asked"):
        ask(world, assessment, world.police_agency)
    assert Contribution.objects.filter(assessment=assessment).count() == 1


def test_only_the_assessments_lead_asks_and_a_refusal_is_logged(world):
    assessment = open_assessment(world)
    access = get_case(world.supervisor, world.case.pk)
    before = _latest_log_id()
    with pytest.raises(PermissionDenied):
        assessment_services.request_contributions(
            access=access,
            assessment=assessment,
            requests=[assessment_services.ContributionRequest(agency=world.police_agency)],
        )
    assert _denied_since(before, world.supervisor)
    assert not Contribution.objects.filter(assessment=assessment).exists()


def test_withdrawing_a_request_cancels_its_deadline_and_the_agency_may_be_asked_again(world):
    assessment = open_assessment(world)
    [contribution] = ask(world, assessment, world.police_agency)
    withdrawn = assessment_services.withdraw_contribution(
        access=lead_access(world, assessment), assessment=assessment, contribution=contribution
    )
    assert withdrawn.state == ContributionState.WITHDRAWN
    assert Deadline.objects.get(contribution=contribution).state == DeadlineState.CANCELLED
    [again] = ask(world, assessment, world.police_agency)
    assert again.pk != contribution.pk


# --- writing a contribution -------------------------------------------------------------------


def test_a_draft_is_saved_without_submitting(world):
    assessment = open_assessment(world)
    [contribution] = ask(world, assessment, world.health_agency)
    saved = write(world.health, contribution, summary="Half written (synthetic)")
    assert saved.summary == "Half written (synthetic)" and saved.state == ContributionState.REQUESTED
    assert Deadline.objects.get(contribution=contribution).state == DeadlineState.OPEN


def test_submitting_needs_every_structured_field_with_a_message_each(world):
    assessment = open_assessment(world)
    [contribution] = ask(world, assessment, world.education_agency)
    with pytest.raises(ValidationError) as error:
        write(world.teacher, contribution, submit=True, summary="Only a summary")
    assert set(error.value.message_dict) == {
        "agency_knowledge",
        "concerns",
        "strengths",
        "child_voice",
        "recommendation",
    }
    assert Contribution.objects.get(pk=contribution.pk).state == ContributionState.REQUESTED


def test_health_shared_with_the_team_needs_a_legal_basis(world):
    assessment = open_assessment(world)
    [contribution] = ask(world, assessment, world.health_agency)
    with pytest.raises(ValidationError) as error:
        write(world.health, contribution, submit=True, visibility=Visibility.TEAM, **HEALTH_CONTENT)
    assert "legal_basis" in error.value.message_dict


def test_submitting_meets_the_deadline_and_records_the_author(world):
    assessment = open_assessment(world)
    ask(world, assessment, world.health_agency)
    contribution = submit_health(world, assessment)
    assert contribution.state == ContributionState.SUBMITTED
    assert contribution.author == world.health and contribution.submitted_at is not None
    assert Deadline.objects.get(contribution=contribution).state == DeadlineState.MET


def test_the_lead_is_told_an_agency_only_contribution_came_in_without_its_content(world):
    assessment = open_assessment(world)
    ask(world, assessment, world.health_agency)
    submit_health(world, assessment)
    [told] = [n for n in _notifications(world.lead) if "submitted its contribution" in n.title]
    assert told.title == "Riverside Community Health submitted its contribution"
    assert "shared with Riverside Community Health only" in told.body
    assert HEALTH_SECRET not in told.title + told.body


def test_the_lead_is_told_a_team_contribution_with_its_summary(world):
    assessment = open_assessment(world)
    [contribution] = ask(world, assessment, world.education_agency)
    write(world.teacher, contribution, submit=True, **EDUCATION_CONTENT)
    [told] = [n for n in _notifications(world.lead) if "submitted its contribution" in n.title]
    assert EDUCATION_CONTENT["summary"] in told.body


def test_someone_of_another_agency_cannot_write_the_contribution(world):
    assessment = open_assessment(world)
    [contribution] = ask(world, assessment, world.health_agency)
    access = get_case(world.police, world.case.pk)
    before = _latest_log_id()
    with pytest.raises(PermissionDenied):
        assessment_services.save_contribution(access=access, contribution=contribution, summary="Not mine")
    assert _denied_since(before, world.police)
    assert Contribution.objects.get(pk=contribution.pk).summary == ""


def test_a_submitted_contribution_cannot_be_changed(world):
    assessment = open_assessment(world)
    ask(world, assessment, world.health_agency)
    contribution = submit_health(world, assessment)
    with pytest.raises(ValidationError, match="submitted"):
        write(world.health, contribution, summary="Changed afterwards")


# --- analysis, submission, decision ---------------------------------------------------------------


def test_submitting_names_the_agencies_still_outstanding(world):
    assessment = open_assessment(world)
    ask(world, assessment, world.police_agency)
    access = lead_access(world, assessment)
    assessment_services.save_analysis(access=access, assessment=assessment, analysis="A", recommendation="R")
    with pytest.raises(ValidationError, match="Riverside Police"):
        assessment_services.submit_assessment(access=access, assessment=assessment)
    assert JointAssessment.objects.get(pk=assessment.pk).state == AssessmentState.OPEN


def test_submitting_needs_the_analysis_and_the_recommendation(world):
    assessment = open_assessment(world)
    with pytest.raises(ValidationError) as error:
        assessment_services.submit_assessment(access=lead_access(world, assessment), assessment=assessment)
    assert set(error.value.message_dict) == {"analysis", "recommendation"}


def test_submitting_asks_the_leads_supervisor_to_approve(world):
    assessment = submitted(world)
    assert assessment.state == AssessmentState.SUBMITTED and assessment.submitted_at is not None
    [told] = Notification.objects.filter(title="Assessment waiting for your approval")
    assert told.recipient == world.supervisor
    assert world.case.reference in told.body


def test_approval_meets_the_deadline_and_goes_on_the_chronology(world):
    assessment = submitted(world)
    access, _ = get_casework(world.supervisor, JointAssessment, assessment.pk, Action.APPROVE_ASSESSMENT)
    approved = assessment_services.decide_assessment(access=access, assessment=assessment, approve=True)
    assert approved.state == AssessmentState.APPROVED
    assert approved.decided_by == world.supervisor and approved.decided_at is not None
    assert Deadline.objects.get(assessment=assessment).state == DeadlineState.MET
    entry = ChronologyEntry.objects.get(case=world.case, kind=EntryKind.DECISION)
    assert (entry.summary, entry.author, entry.visibility) == (
        "Joint assessment approved",
        world.supervisor,
        Visibility.TEAM,
    )
    assert entry.author_agency == world.case.lead_agency


def test_returning_needs_a_note(world):
    assessment = submitted(world)
    access, _ = get_casework(world.supervisor, JointAssessment, assessment.pk, Action.APPROVE_ASSESSMENT)
    with pytest.raises(ValidationError) as error:
        assessment_services.decide_assessment(access=access, assessment=assessment, approve=False, note=" ")
    assert "note" in error.value.message_dict


def test_a_returned_assessment_is_revised_and_submitted_again(world):
    assessment = submitted(world)
    access, _ = get_casework(world.supervisor, JointAssessment, assessment.pk, Action.APPROVE_ASSESSMENT)
    returned = assessment_services.decide_assessment(
        access=access, assessment=assessment, approve=False, note="Say more about the child's voice."
    )
    assert returned.state == AssessmentState.RETURNED
    assert any(n.title == "Assessment returned" for n in _notifications(world.lead))
    lead = lead_access(world, returned)
    assessment_services.save_analysis(access=lead, assessment=returned, analysis="Revised", recommendation="CIN")
    again = assessment_services.submit_assessment(access=lead, assessment=returned)
    assert again.state == AssessmentState.SUBMITTED and again.analysis == "Revised"


def test_no_one_approves_an_assessment_they_led(world):
    assessment = submitted(world)
    # The supervisor led it before the case passed to the worker they supervise.
    JointAssessment.objects.filter(pk=assessment.pk).update(lead=world.supervisor)
    assessment.refresh_from_db()
    access, _ = get_casework(world.supervisor, JointAssessment, assessment.pk, Action.APPROVE_ASSESSMENT)
    before = _latest_log_id()
    with pytest.raises(PermissionDenied):
        assessment_services.decide_assessment(access=access, assessment=assessment, approve=True)
    assert _denied_since(before, world.supervisor)
    assert JointAssessment.objects.get(pk=assessment.pk).state == AssessmentState.SUBMITTED


def test_another_supervisor_cannot_decide_and_is_logged(world):
    assessment = submitted(world)
    access = get_case(world.police_supervisor, world.case.pk)
    before = _latest_log_id()
    with pytest.raises(PermissionDenied):
        assessment_services.decide_assessment(access=access, assessment=assessment, approve=True)
    assert AccessLogEntry.objects.filter(
        id__gt=before, user=world.police_supervisor, action="approve_assessment", outcome="denied"
    ).exists()


def test_awaiting_approval_lists_only_for_the_leads_supervisor(world):
    assessment = submitted(world)
    assert list(assessments_awaiting_approval(world.supervisor)) == [assessment]
    assert list(assessments_awaiting_approval(world.police_supervisor)) == []
    assert list(assessments_awaiting_approval(world.lead)) == []
    assert list(assessments_awaiting_approval(world.unrelated)) == []


def test_awaiting_approval_leaves_out_assessments_not_submitted(world):
    open_assessment(world)
    assert list(assessments_awaiting_approval(world.supervisor)) == []


# --- an agency-only contribution stays with its agency --------------------------------------------


def test_the_lead_cannot_read_an_agency_only_health_contribution_on_the_page(world, client):
    assessment = open_assessment(world)
    ask(world, assessment, world.health_agency)
    submit_health(world, assessment)
    client.force_login(world.lead)
    response = client.get(reverse("cases:assessment_detail", args=[assessment.pk]))
    assert response.status_code == 200
    assert HEALTH_SECRET not in response.content.decode()
    assert "Shared with Riverside Community Health only" in response.content.decode()


def test_a_health_colleague_reads_the_agency_only_contribution(world, client):
    assessment = open_assessment(world)
    ask(world, assessment, world.health_agency)
    submit_health(world, assessment)
    client.force_login(world.health_colleague)
    response = client.get(reverse("cases:assessment_detail", args=[assessment.pk]))
    assert HEALTH_SECRET in response.content.decode()


def test_a_health_contribution_shared_with_the_team_on_a_legal_basis_is_read_by_the_lead(world, client):
    assessment = open_assessment(world)
    ask(world, assessment, world.health_agency)
    submit_health(world, assessment, visibility=Visibility.TEAM)
    client.force_login(world.lead)
    response = client.get(reverse("cases:assessment_detail", args=[assessment.pk]))
    assert HEALTH_SECRET in response.content.decode()


def test_a_draft_is_not_read_outside_its_agency_even_when_meant_for_the_team(world, client):
    assessment = open_assessment(world)
    [contribution] = ask(world, assessment, world.education_agency)
    write(world.teacher, contribution, summary="Draft for the team (synthetic)")
    client.force_login(world.lead)
    response = client.get(reverse("cases:assessment_detail", args=[assessment.pk]))
    assert "Draft for the team" not in response.content.decode()
    assert "Not yet submitted by Oak Lane Primary" in response.content.decode()


def test_reminders_of_an_overdue_contribution_never_carry_its_content_outside_health(world):
    """The policy test the issue asks for: the sweep runs past the contribution's due date,
    every reminder is sent, and no one outside health is told what health wrote."""
    assessment = open_assessment(world)
    [contribution] = ask(world, assessment, world.health_agency)
    write(world.health, contribution, **HEALTH_CONTENT)  # a full draft, still not submitted
    later = contribution.due_at + timedelta(days=1)

    claims = reminders.sweep(now=later, enqueue=False)
    assert claims
    for claim_id in claims:
        deliver(claim_id)

    sent = list(Notification.objects.exclude(reminder_kind="").select_related("recipient"))
    overdue_recipients = {n.recipient_id for n in sent if n.title.startswith("Overdue")}
    assert world.lead.pk in overdue_recipients  # the escalation reached someone outside health
    health_people = {world.health.pk, world.health_colleague.pk, world.health_supervisor.pk}
    child = world.case.children.get()
    for notification in Notification.objects.exclude(recipient__in=health_people):
        text = f"{notification.title}\n{notification.body}"
        for value in HEALTH_CONTENT.values():
            assert value not in text
        assert child.given_names not in text and child.family_name not in text


def test_a_daily_digest_never_carries_an_agency_only_contribution_outside_its_agency(world):
    """The lead and the police officer take a daily digest: the submission notice, the police
    reminders and the escalation to the lead say nothing of what health kept to itself."""
    outside = [world.lead, world.police]
    world.case.children.update(given_names="Zephyrine", family_name="Quillfeather-Synthetic")
    for person in outside:
        NotificationPreference.objects.create(user=person, daily_digest=True)
    assessment = open_assessment(world)
    ask(world, assessment, world.health_agency)
    ask(world, assessment, world.police_agency)  # police never answers: its reminders escalate
    submit_health(world, assessment, visibility=Visibility.AGENCY)
    police_due = Deadline.objects.get(contribution__author_agency=world.police_agency)
    for claim_id in reminders.sweep(now=police_due.due_at + timedelta(days=1), enqueue=False):
        deliver(claim_id)
    mail.outbox.clear()

    assert reminders.send_daily_digests() >= len(outside)
    digests = {message.to[0]: message.body for message in mail.outbox}
    assert "submitted its contribution" in digests[world.lead.email]  # told of the submission...
    assert "Overdue" in digests[world.lead.email] and "Overdue" in digests[world.police.email]
    for person in outside:
        for value in HEALTH_CONTENT.values():
            assert value not in digests[person.email]  # ...and nothing health wrote
    assert all("Quillfeather" not in body for body in digests.values())


# --- pages ---------------------------------------------------------------------------------------


def _login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_the_assessments_page_says_when_there_are_none_and_offers_the_lead_to_open_one(world, client):
    response = _login(client, world.lead).get(reverse("cases:assessments", args=[world.case.pk]))
    assert response.status_code == 200
    assert "No joint assessment has been opened" in response.content.decode()
    assert reverse("cases:assessment_open", args=[world.case.pk]) in response.content.decode()


def test_the_assessments_page_lists_the_current_one_without_offering_another(world, client):
    assessment = open_assessment(world)
    response = _login(client, world.key_worker).get(reverse("cases:assessments", args=[world.case.pk]))
    body = response.content.decode()
    assert reverse("cases:assessment_detail", args=[assessment.pk]) in body
    assert reverse("cases:assessment_open", args=[world.case.pk]) not in body


def test_the_case_page_links_to_its_assessments(world, client):
    response = _login(client, world.police).get(reverse("cases:detail", args=[world.case.pk]))
    assert reverse("cases:assessments", args=[world.case.pk]) in response.content.decode()


def test_the_lead_opens_an_assessment_from_the_page(world, client):
    response = _login(client, world.lead).post(reverse("cases:assessment_open", args=[world.case.pk]))
    assessment = JointAssessment.objects.get(case=world.case)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:assessment_detail", args=[assessment.pk])


def test_opening_a_second_shows_the_reason_on_the_page(world, client):
    open_assessment(world)
    response = _login(client, world.lead).post(reverse("cases:assessment_open", args=[world.case.pk]))
    assert response.status_code == 200
    assert "already in progress" in response.content.decode()


def test_an_outsider_gets_404_for_every_assessment_page(world, client):
    assessment = open_assessment(world)
    [contribution] = ask(world, assessment, world.health_agency)
    _login(client, world.unrelated)
    urls = [
        reverse("cases:assessments", args=[world.case.pk]),
        reverse("cases:assessment_open", args=[world.case.pk]),
        reverse("cases:assessment_detail", args=[assessment.pk]),
        reverse("cases:contributions_request", args=[assessment.pk]),
        reverse("cases:contribution_withdraw", args=[assessment.pk, contribution.pk]),
        reverse("cases:contribution_edit", args=[contribution.pk]),
        reverse("cases:assessment_analysis", args=[assessment.pk]),
        reverse("cases:assessment_submit", args=[assessment.pk]),
        reverse("cases:assessment_decide", args=[assessment.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert world.case.reference not in response.content.decode()


def test_the_request_page_offers_each_agency_on_the_team_and_asks_the_chosen(world, client):
    assessment = open_assessment(world)
    _login(client, world.lead)
    url = reverse("cases:contributions_request", args=[assessment.pk])
    page = client.get(url).content.decode()
    for agency in (world.health_agency, world.police_agency, world.education_agency):
        assert f"Ask {agency.name}" in page
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    response = client.post(
        url,
        {f"ask_{world.police_agency.pk}": "on", f"due_{world.police_agency.pk}": due},
    )
    assert response.status_code == 302
    contribution = Contribution.objects.get(assessment=assessment)
    assert contribution.author_agency == world.police_agency
    assert timezone.localtime(contribution.due_at).date().isoformat() == due


def test_the_request_page_needs_at_least_one_agency(world, client):
    assessment = open_assessment(world)
    response = _login(client, world.lead).post(reverse("cases:contributions_request", args=[assessment.pk]), {})
    assert response.status_code == 200
    assert "Choose at least one agency" in response.content.decode()


def test_the_key_worker_may_not_ask_for_contributions(world, client):
    assessment = open_assessment(world)
    before = _latest_log_id()
    response = _login(client, world.key_worker).get(reverse("cases:contributions_request", args=[assessment.pk]))
    assert response.status_code == 403
    assert _denied_since(before, world.key_worker)


def test_a_contributor_saves_a_draft_then_submits_from_the_page(world, client):
    assessment = open_assessment(world)
    [contribution] = ask(world, assessment, world.health_agency)
    _login(client, world.health)
    url = reverse("cases:contribution_edit", args=[contribution.pk])
    page = client.get(url).content.decode()
    # Health information stays with health unless they choose otherwise.
    assert re.search(r'value="agency"[^>]*checked', page)
    data = {**HEALTH_CONTENT, "visibility": "agency", "legal_basis": "", "legal_basis_note": ""}
    assert client.post(url, {**data, "action": "save"}).status_code == 302
    assert Contribution.objects.get(pk=contribution.pk).state == ContributionState.REQUESTED
    response = client.post(url, {**data, "action": "submit"})
    assert response.status_code == 302
    assert Contribution.objects.get(pk=contribution.pk).state == ContributionState.SUBMITTED


def test_the_contribution_form_shows_what_is_missing_on_submit(world, client):
    assessment = open_assessment(world)
    [contribution] = ask(world, assessment, world.education_agency)
    response = _login(client, world.teacher).post(
        reverse("cases:contribution_edit", args=[contribution.pk]),
        {"summary": "Only this", "visibility": "team", "action": "submit"},
    )
    assert response.status_code == 200
    assert "Record the child&#x27;s voice" in response.content.decode()


def test_the_health_supervisor_off_the_team_may_not_write_health_contribution(world, client):
    assessment = open_assessment(world)
    [contribution] = ask(world, assessment, world.health_agency)
    before = _latest_log_id()
    response = _login(client, world.health_supervisor).get(reverse("cases:contribution_edit", args=[contribution.pk]))
    assert response.status_code == 403
    assert _denied_since(before, world.health_supervisor)


def test_the_lead_withdraws_a_request_after_confirming(world, client):
    assessment = open_assessment(world)
    [contribution] = ask(world, assessment, world.police_agency)
    _login(client, world.lead)
    url = reverse("cases:contribution_withdraw", args=[assessment.pk, contribution.pk])
    assert "Yes, withdraw the request" in client.get(url).content.decode()
    assert Contribution.objects.get(pk=contribution.pk).state == ContributionState.REQUESTED
    assert client.post(url).status_code == 302
    assert Contribution.objects.get(pk=contribution.pk).state == ContributionState.WITHDRAWN


def test_the_lead_writes_the_analysis_and_submits_after_confirming(world, client):
    assessment = open_assessment(world)
    _login(client, world.lead)
    response = client.post(
        reverse("cases:assessment_analysis", args=[assessment.pk]),
        {"analysis": "Needs met at home (synthetic).", "recommendation": "No further action (synthetic)."},
    )
    assert response.status_code == 302
    url = reverse("cases:assessment_submit", args=[assessment.pk])
    assert "Yes, submit for approval" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert JointAssessment.objects.get(pk=assessment.pk).state == AssessmentState.SUBMITTED


def test_the_submit_page_shows_the_outstanding_agencies(world, client):
    assessment = open_assessment(world)
    ask(world, assessment, world.police_agency)
    response = _login(client, world.lead).get(reverse("cases:assessment_submit", args=[assessment.pk]))
    assert "Riverside Police" in response.content.decode()


def test_the_supervisor_approves_from_the_page(world, client):
    assessment = submitted(world)
    _login(client, world.supervisor)
    detail = client.get(reverse("cases:assessment_detail", args=[assessment.pk])).content.decode()
    assert reverse("cases:assessment_decide", args=[assessment.pk]) in detail
    response = client.post(reverse("cases:assessment_decide", args=[assessment.pk]), {"decision": "approve"})
    assert response.status_code == 302
    assert JointAssessment.objects.get(pk=assessment.pk).state == AssessmentState.APPROVED


def test_returning_from_the_page_without_a_note_shows_the_error(world, client):
    assessment = submitted(world)
    response = _login(client, world.supervisor).post(
        reverse("cases:assessment_decide", args=[assessment.pk]), {"decision": "return", "note": ""}
    )
    assert response.status_code == 200
    assert "Say what the lead needs to change" in response.content.decode()
    assert JointAssessment.objects.get(pk=assessment.pk).state == AssessmentState.SUBMITTED


def test_an_overdue_assessment_is_flagged(world, client):
    assessment = open_assessment(world)
    JointAssessment.objects.filter(pk=assessment.pk).update(due_at=timezone.now() - timedelta(hours=1))
    response = _login(client, world.police).get(reverse("cases:assessment_detail", args=[assessment.pk]))
    assert 'data-testid="overdue"' in response.content.decode()


def test_the_whole_flow_through_the_pages(world):
    lead, health, teacher, supervisor = Client(), Client(), Client(), Client()
    lead.force_login(world.lead)
    health.force_login(world.health)
    teacher.force_login(world.teacher)
    supervisor.force_login(world.supervisor)
    lead.post(reverse("cases:assessment_open", args=[world.case.pk]))
    assessment = JointAssessment.objects.get(case=world.case)
    due = (timezone.localdate() + timedelta(days=5)).isoformat()
    lead.post(
        reverse("cases:contributions_request", args=[assessment.pk]),
        {
            f"ask_{world.health_agency.pk}": "on",
            f"due_{world.health_agency.pk}": due,
            f"ask_{world.education_agency.pk}": "on",
            f"due_{world.education_agency.pk}": due,
        },
    )
    for client, agency, content, visibility in (
        (health, world.health_agency, HEALTH_CONTENT, "agency"),
        (teacher, world.education_agency, EDUCATION_CONTENT, "team"),
    ):
        contribution = contribution_of(assessment, agency)
        response = client.post(
            reverse("cases:contribution_edit", args=[contribution.pk]),
            {**content, "visibility": visibility, "action": "submit"},
        )
        assert response.status_code == 302
    lead.post(
        reverse("cases:assessment_analysis", args=[assessment.pk]),
        {"analysis": "Brought together (synthetic).", "recommendation": "Child in need plan (synthetic)."},
    )
    lead.post(reverse("cases:assessment_submit", args=[assessment.pk]))
    supervisor.post(reverse("cases:assessment_decide", args=[assessment.pk]), {"decision": "approve"})
    assessment.refresh_from_db()
    assert assessment.state == AssessmentState.APPROVED
    page = lead.get(reverse("cases:assessment_detail", args=[assessment.pk])).content.decode()
    assert EDUCATION_CONTENT["summary"] in page and HEALTH_SECRET not in page
    assert Deadline.objects.filter(case=world.case, state=DeadlineState.MET).count() == 3


# --- the access matrix ---------------------------------------------------------------------------

ACTIONS = ("open", "request", "view", "contribute", "submit", "decide")
SEES_CASE = {
    "lead",
    "key worker",
    "health team member",
    "police team member",
    "lead's supervisor",
    "other agency's supervisor",
    "health member's supervisor (not on the team)",
}
MATRIX: dict[str, set[str]] = {
    "lead": {"open", "request", "view", "submit"},
    "key worker": {"view"},
    "health team member": {"view", "contribute"},
    "police team member": {"view"},
    "lead's supervisor": {"view", "decide"},
    "other agency's supervisor": {"view"},
    "health member's supervisor (not on the team)": {"view"},
    "unrelated user": set(),
    "agency admin": set(),
}
# Who sees the health contribution's draft (its own agency): refused writing it is 403, not 404.
READS_HEALTH_DRAFT = {"health team member", "health member's supervisor (not on the team)"}


def _attempt(world: World, action: str, client: Client):
    if action == "open":
        return client.post(reverse("cases:assessment_open", args=[world.case.pk]))
    if action == "request":
        assessment = open_assessment(world)
        return client.post(
            reverse("cases:contributions_request", args=[assessment.pk]),
            {f"ask_{world.police_agency.pk}": "on", f"due_{world.police_agency.pk}": _a_week()},
        )
    if action == "view":
        return client.get(reverse("cases:assessment_detail", args=[open_assessment(world).pk]))
    if action == "contribute":
        assessment = open_assessment(world)
        [contribution] = ask(world, assessment, world.health_agency)
        return client.post(
            reverse("cases:contribution_edit", args=[contribution.pk]),
            {**HEALTH_CONTENT, "visibility": "agency", "action": "submit"},
        )
    if action == "submit":
        return client.post(reverse("cases:assessment_submit", args=[ready_to_submit(world).pk]))
    if action == "decide":
        return client.post(reverse("cases:assessment_decide", args=[submitted(world).pk]), {"decision": "approve"})
    raise AssertionError(action)


def _a_week() -> str:
    return (timezone.localdate() + timedelta(days=7)).isoformat()


def _expected(relationship: str, action: str) -> int:
    if action in MATRIX[relationship]:
        return 200 if action == "view" else 302
    if relationship not in SEES_CASE:
        return 404
    if action == "contribute" and relationship not in READS_HEALTH_DRAFT:
        # A draft of another agency is out of sight, as an entry one may not see.
        return 404
    return 403


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("relationship", list(MATRIX))
def test_access_matrix(world: World, relationship: str, action: str):
    user = world.people[relationship]
    client = Client()
    client.force_login(user)
    before = _latest_log_id()
    response = _attempt(world, action, client)
    expected = _expected(relationship, action)
    assert response.status_code == expected, response.content[:400]
    rows = AccessLogEntry.objects.filter(id__gt=before, user=user)
    if expected in (200, 302):
        assert rows.filter(outcome="allowed").exists()
        assert not rows.filter(outcome="denied").exists()
    else:
        assert rows.filter(outcome="denied").exists(), list(rows.values("action", "outcome", "rule"))
        assert HEALTH_SECRET not in response.content.decode()
    if expected == 404:
        assert world.case.reference not in response.content.decode()


def test_refused_cells_change_nothing(world: World):
    assessment = open_assessment(world)
    [contribution] = ask(world, assessment, world.health_agency)
    for relationship, allowed in MATRIX.items():
        client = Client()
        client.force_login(world.people[relationship])
        if "request" not in allowed:
            client.post(
                reverse("cases:contributions_request", args=[assessment.pk]),
                {f"ask_{world.police_agency.pk}": "on", f"due_{world.police_agency.pk}": _a_week()},
            )
        if "contribute" not in allowed:
            client.post(
                reverse("cases:contribution_edit", args=[contribution.pk]),
                {**HEALTH_CONTENT, "visibility": "agency", "action": "submit"},
            )
        if "submit" not in allowed:
            client.post(reverse("cases:assessment_submit", args=[assessment.pk]))
    assert list(Contribution.objects.filter(assessment=assessment)) == [contribution]
    assert Contribution.objects.get(pk=contribution.pk).summary == ""
    assert JointAssessment.objects.get(pk=assessment.pk).state == AssessmentState.OPEN


# --- query counts ----------------------------------------------------------------------------------


def _assessment_with_agencies(count: int) -> tuple[World, JointAssessment]:
    world = build_world(f" {count}")
    assessment = open_assessment(world)
    agencies = []
    for _ in range(count):
        place = TeamMemberFactory.create(case=world.case, agency__kind=AgencyKind.EDUCATION)
        agencies.append(place.agency)
    contributions = ask(world, assessment, *agencies)
    for place_contribution in contributions[: count // 2]:
        member = place_contribution.author_agency.memberships.get().user
        write(member, place_contribution, submit=True, **EDUCATION_CONTENT)
    return world, assessment


def _queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_assessment_page_costs_the_same_at_5_and_30_contributions():
    counts = []
    for count in (5, 30):
        world, assessment = _assessment_with_agencies(count)
        client = Client()
        client.force_login(world.lead)
        counts.append(_queries_for(client, reverse("cases:assessment_detail", args=[assessment.pk])))
    assert counts[0] == counts[1]


def test_the_assessments_list_costs_the_same_at_5_and_30_assessments():
    counts = []
    for count in (5, 30):
        world = build_world(f" {count}")
        for i in range(count):
            JointAssessment.objects.create(
                case=world.case,
                lead=MembershipFactory.create(agency=world.case.lead_agency).user,
                lead_agency=world.case.lead_agency,
                due_at=timezone.now() + timedelta(days=i),
                state=AssessmentState.APPROVED,
            )
        client = Client()
        client.force_login(world.lead)
        counts.append(_queries_for(client, reverse("cases:assessments", args=[world.case.pk])))
    assert counts[0] == counts[1]
