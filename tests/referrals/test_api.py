"""The referrals API: the same need-to-know answers as the pages, one behaviour per test."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from access_control.models import AccessLogEntry
from agencies.models import Agency, AgencyKind, Role, User
from cases.models import Case, CaseTeamMember, ChronologyEntry
from referrals import api
from referrals.models import Consent, Referral, ReferralAddition, ReferralStatus, Source, Urgency
from tests.access_control.test_no_bare_managers import bare_reads
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    ChildFactory,
    MembershipFactory,
    ReferralFactory,
    draft_referral,
    front_door_agency,
    front_door_worker,
)

pytestmark = pytest.mark.django_db


def url(name: str, **kwargs: object) -> str:
    return reverse(name, kwargs=kwargs)


def draft_payload(agency: Agency, **overrides: object) -> dict[str, object]:
    payload: dict[str, object] = {
        "receiving_agency": agency.pk,
        "child_given_names": "Maya",
        "child_family_name": "Thornton",
        "child_date_of_birth": "2016-03-14",
        "child_school": "Riverside Primary",
        "concern_category": "neglect",
        "concern_description": "Maya arrives hungry most days and has said there is no food at home.",
        "child_said": "Mum sleeps all day.",
        "consent": Consent.GIVEN,
        "referrer_contact": "01632 960 321",
    }
    payload.update(overrides)
    return payload


def public_payload(agency: Agency, **overrides: object) -> dict[str, object]:
    payload: dict[str, object] = {
        "receiving_agency": agency.pk,
        "referrer_relationship": "Neighbour",
        "child_given_names": "Leo",
        "child_address": "14 Mill Lane",
        "concern_description": "I hear a small child crying late every night and shouting.",
    }
    payload.update(overrides)
    return payload


def fresh_address() -> str:
    """An address no other test (or earlier run, within the throttle's hour) has used."""
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def logged(user: User, **filters: Any) -> list[tuple[str, str]]:
    rows = AccessLogEntry.objects.filter(user=user, **filters).order_by("id")
    return list(rows.values_list("action", "outcome"))


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def front_door() -> Agency:
    return front_door_agency(name="Riverside Children's Services")


@pytest.fixture
def school() -> Agency:
    return AgencyFactory.create(kind=AgencyKind.EDUCATION, name="Riverside Primary")


@pytest.fixture
def teacher(school: Agency) -> User:
    return MembershipFactory.create(agency=school).user


@pytest.fixture
def intake(front_door: Agency) -> User:
    return front_door_worker(front_door)


@pytest.fixture
def front_door_supervisor(front_door: Agency) -> User:
    return front_door_worker(front_door, Role.SUPERVISOR)


@pytest.fixture
def outsider() -> User:
    """A practitioner of another agency with no part in the referral."""
    return MembershipFactory.create().user


@pytest.fixture
def referral(front_door: Agency, school: Agency, teacher: User) -> Referral:
    return ReferralFactory.create(receiving_agency=front_door, referrer_agency=school, referrer=teacher)


def decide(user: User, referral: Referral, **payload: object) -> Any:
    body: dict[str, object] = {"decision": "nfa", "rationale": "Universal services are enough."}
    body.update(payload)
    return client_for(user).post(url("api-referral-decision", referral_id=referral.pk), body, format="json")


# --- drafts -----------------------------------------------------------------------------------


def test_teacher_starts_a_draft_that_only_they_can_see(front_door, teacher, intake):
    response = client_for(teacher).post(url("api-referral-list"), draft_payload(front_door), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    referral = Referral.objects.get(pk=body["id"])
    assert (referral.status, referral.referrer, referral.source) == (ReferralStatus.DRAFT, teacher, Source.PROFESSIONAL)
    assert body["status"] == "draft"
    assert body["seen_as"] == "referrer"
    assert body["child_given_names"] == "Maya"
    assert body["can"] == {"edit_draft": True, "add_to": False, "triage": False, "sign_off": False}
    # A draft is the referrer's alone: the front door does not know it exists.
    assert client_for(intake).get(url("api-referral-detail", referral_id=referral.pk)).status_code == 404


def test_draft_to_an_agency_without_a_front_door_is_a_field_error(teacher):
    police = AgencyFactory.create(kind=AgencyKind.POLICE)
    response = client_for(teacher).post(url("api-referral-list"), draft_payload(police), format="json")
    assert response.status_code == 400
    assert response.json()["receiving_agency"] == [api.NOT_A_FRONT_DOOR]
    assert not Referral.objects.exists()


def test_draft_with_a_bad_date_of_birth_is_a_field_error(front_door, teacher):
    payload = draft_payload(front_door, child_date_of_birth="14/03/2016")
    response = client_for(teacher).post(url("api-referral-list"), payload, format="json")
    assert response.status_code == 400
    assert "child_date_of_birth" in response.json()


def test_draft_checks_the_date_of_birth_and_nhs_number_as_the_page_does(front_door, teacher):
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    payload = draft_payload(front_door, child_date_of_birth=future, child_nhs_number="12345")
    response = client_for(teacher).post(url("api-referral-list"), payload, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"child_date_of_birth", "child_nhs_number"}
    payload = draft_payload(front_door, child_nhs_number="943 476 5919")
    response = client_for(teacher).post(url("api-referral-list"), payload, format="json")
    assert response.status_code == 201
    assert Referral.objects.get().child_nhs_number == "9434765919"


def test_agency_admin_cannot_make_a_referral(front_door, school):
    admin = MembershipFactory.create(agency=school, role=Role.AGENCY_ADMIN).user
    response = client_for(admin).post(url("api-referral-list"), draft_payload(front_door), format="json")
    assert response.status_code == 403
    assert not Referral.objects.exists()


def test_my_referrals_lists_only_mine_and_logs_one_row(front_door, teacher, referral):
    mine_draft = draft_referral(receiving_agency=front_door, referrer=teacher, referrer_agency=referral.referrer_agency)
    ReferralFactory.create(receiving_agency=front_door)  # someone else's
    response = client_for(teacher).get(url("api-referral-list"))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {row["id"] for row in rows} == {str(referral.pk), str(mine_draft.pk)}
    assert logged(teacher, action="list") == [("list", "allowed")]


def test_my_referrals_takes_the_same_queries_for_one_row_or_many(front_door, teacher, school):
    ReferralFactory.create(receiving_agency=front_door, referrer=teacher, referrer_agency=school)
    client = client_for(teacher)
    with CaptureQueriesContext(connection) as one:
        client.get(url("api-referral-list"))
    for _ in range(3):
        ReferralFactory.create(receiving_agency=front_door, referrer=teacher, referrer_agency=school)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url("api-referral-list")).json()["count"] == 4
    assert len(many) == len(one)


def test_referrer_changes_their_draft(front_door, teacher):
    draft = draft_referral(receiving_agency=front_door, referrer=teacher)
    response = client_for(teacher).patch(
        url("api-referral-detail", referral_id=draft.pk), {"child_said": "  Dad hits me.  "}, format="json"
    )
    assert response.status_code == 200, response.json()
    draft.refresh_from_db()
    assert draft.child_said == "Dad hits me."
    assert draft.receiving_agency == front_door
    assert ("edit_referral_draft", "allowed") in logged(teacher)


def test_submitted_referral_cannot_be_edited(referral, teacher):
    response = client_for(teacher).patch(
        url("api-referral-detail", referral_id=referral.pk), {"child_said": "Changed"}, format="json"
    )
    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.child_said == ""
    assert ("edit_referral_draft", "denied") in logged(teacher)


def test_someone_elses_draft_is_not_found(front_door, outsider):
    draft = draft_referral(receiving_agency=front_door)
    response = client_for(outsider).patch(
        url("api-referral-detail", referral_id=draft.pk), {"child_said": "Changed"}, format="json"
    )
    assert response.status_code == 404
    assert logged(outsider) == [("edit_referral_draft", "denied")]


# --- submitting -------------------------------------------------------------------------------


def test_submit_sends_the_draft_with_a_triage_deadline(front_door, teacher, intake):
    draft = draft_referral(receiving_agency=front_door, referrer=teacher)
    response = client_for(teacher).post(url("api-referral-submit", referral_id=draft.pk))
    assert response.status_code == 200, response.json()
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.SUBMITTED
    assert draft.submitted_at is not None and draft.triage_due_at is not None
    assert draft.triage_due_at > draft.submitted_at
    assert response.json()["can"]["edit_draft"] is False
    assert "triage_due_at" not in response.json()
    assert client_for(intake).get(url("api-referral-detail", referral_id=draft.pk)).status_code == 200


def test_consent_not_sought_needs_a_reason_before_submitting(front_door, teacher):
    draft = draft_referral(receiving_agency=front_door, referrer=teacher, consent=Consent.NOT_SOUGHT)
    response = client_for(teacher).post(url("api-referral-submit", referral_id=draft.pk))
    assert response.status_code == 400
    assert response.json() == {"consent_reason": ["Say why consent was not sought."]}
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.DRAFT


def test_an_incomplete_draft_gets_a_field_error_for_each_gap(front_door, teacher):
    create = client_for(teacher).post(
        url("api-referral-list"), {"receiving_agency": front_door.pk, "child_given_names": "Maya"}, format="json"
    )
    response = client_for(teacher).post(url("api-referral-submit", referral_id=create.json()["id"]))
    assert response.status_code == 400
    assert set(response.json()) == {"concern_category", "concern_description", "consent", "referrer_contact"}


def test_immediate_risk_makes_the_referral_urgent(front_door, teacher):
    draft = draft_referral(receiving_agency=front_door, referrer=teacher, immediate_risk=True)
    assert client_for(teacher).post(url("api-referral-submit", referral_id=draft.pk)).status_code == 200
    draft.refresh_from_db()
    assert draft.urgency == Urgency.URGENT


def test_a_referral_is_submitted_once(referral, teacher):
    response = client_for(teacher).post(url("api-referral-submit", referral_id=referral.pk))
    assert response.status_code == 403


# --- what each reader sees --------------------------------------------------------------------


def test_referrer_sees_what_they_wrote_but_not_what_the_front_door_holds(referral, teacher, intake):
    earlier = ReferralFactory.create(
        receiving_agency=referral.receiving_agency,
        child_given_names=referral.child_given_names,
        child_family_name=referral.child_family_name,
        child_date_of_birth=referral.child_date_of_birth,
        submitted_at=timezone.now() - timedelta(days=60),
    )
    Referral.objects.filter(pk=referral.pk).update(previous_referral=earlier, handler=intake)
    ReferralAddition.objects.create(referral=referral, author=intake, text="Known to the front door since May.")
    ReferralAddition.objects.create(referral=referral, author=teacher, text="She was absent again today.")
    response = client_for(teacher).get(url("api-referral-detail", referral_id=referral.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["seen_as"] == "referrer"
    assert body["child_family_name"] == referral.child_family_name
    assert body["status"] == "submitted"
    assert [a["text"] for a in body["additions"]] == ["She was absent again today."]
    for hidden in ("triage_due_at", "previous_referral", "is_re_referral", "handler", "decision_rationale"):
        assert hidden not in body
    assert earlier.reference not in response.content.decode()
    assert logged(teacher) == [("view_referral", "allowed")]


def test_front_door_sees_everything_including_the_re_referral(referral, teacher, intake):
    earlier = ReferralFactory.create(
        receiving_agency=referral.receiving_agency, submitted_at=timezone.now() - timedelta(days=60)
    )
    Referral.objects.filter(pk=referral.pk).update(previous_referral=earlier)
    ReferralAddition.objects.create(referral=referral, author=teacher, text="She was absent again today.")
    response = client_for(intake).get(url("api-referral-detail", referral_id=referral.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["seen_as"] == "front_door"
    assert body["triage_due_at"] is not None
    assert body["is_re_referral"] is True
    assert body["previous_referral"]["reference"] == earlier.reference
    assert body["referrer_agency"]["id"] == referral.referrer_agency_id
    assert body["referrer_contact"] == referral.referrer_contact
    assert [a["text"] for a in body["additions"]] == ["She was absent again today."]
    assert body["can"] == {"edit_draft": False, "add_to": True, "triage": True, "sign_off": False}
    assert logged(intake) == [("view_referral", "allowed")]


def test_unrelated_people_get_404_and_a_logged_denial(referral, outsider):
    other_front_door_worker = front_door_worker(front_door_agency())
    for user in (outsider, other_front_door_worker):
        response = client_for(user).get(url("api-referral-detail", referral_id=referral.pk))
        assert response.status_code == 404
        assert referral.reference not in response.content.decode()
        assert logged(user) == [("view_referral", "denied")]


def test_an_unknown_referral_is_404(intake):
    assert client_for(intake).get(url("api-referral-detail", referral_id=Referral().pk)).status_code == 404


def test_referral_endpoints_refuse_anonymous_callers(referral):
    client = APIClient(REMOTE_ADDR=fresh_address())
    assert client.get(url("api-referral-list")).status_code in (401, 403)
    assert client.get(url("api-referral-detail", referral_id=referral.pk)).status_code in (401, 403)
    assert client.get(url("api-referral-inbox")).status_code in (401, 403)
    assert not AccessLogEntry.objects.exists()


# --- adding to and taking ---------------------------------------------------------------------


def test_referrer_adds_to_a_submitted_referral(referral, teacher):
    response = client_for(teacher).post(
        url("api-referral-add", referral_id=referral.pk), {"text": "Her brother is at the same school."}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["text"] == "Her brother is at the same school."
    assert referral.additions.get().author == teacher
    assert ("add_to_referral", "allowed") in logged(teacher)


def test_front_door_adds_to_a_referral(referral, intake):
    response = client_for(intake).post(
        url("api-referral-add", referral_id=referral.pk), {"text": "Spoke to the school nurse."}, format="json"
    )
    assert response.status_code == 201


def test_an_empty_addition_is_a_field_error(referral, teacher):
    response = client_for(teacher).post(url("api-referral-add", referral_id=referral.pk), {"text": "  "}, format="json")
    assert response.status_code == 400
    assert "text" in response.json()
    assert not referral.additions.exists()


def test_a_draft_is_edited_not_added_to(front_door, teacher):
    draft = draft_referral(receiving_agency=front_door, referrer=teacher)
    response = client_for(teacher).post(url("api-referral-add", referral_id=draft.pk), {"text": "More"}, format="json")
    assert response.status_code == 403


def test_intake_worker_takes_a_referral(referral, intake):
    response = client_for(intake).post(url("api-referral-take", referral_id=referral.pk))
    assert response.status_code == 200
    assert response.json()["handler"] == intake.full_name
    referral.refresh_from_db()
    assert referral.handler == intake


def test_referrer_cannot_take_their_own_referral(referral, teacher):
    response = client_for(teacher).post(url("api-referral-take", referral_id=referral.pk))
    assert response.status_code == 403
    assert ("triage_referral", "denied") in logged(teacher)


# --- the inbox --------------------------------------------------------------------------------


def test_inbox_puts_the_overdue_first_then_the_soonest_due_then_the_most_urgent(front_door, intake):
    now = timezone.now()
    overdue = ReferralFactory.create(receiving_agency=front_door, triage_due_at=now - timedelta(hours=13))
    later = ReferralFactory.create(receiving_agency=front_door, triage_due_at=now + timedelta(hours=20))
    sooner = ReferralFactory.create(receiving_agency=front_door, triage_due_at=now + timedelta(hours=2))
    urgent = ReferralFactory.create(
        receiving_agency=front_door, urgency=Urgency.URGENT, triage_due_at=now + timedelta(hours=23)
    )
    at_risk = ReferralFactory.create(
        receiving_agency=front_door,
        urgency=Urgency.URGENT,
        immediate_risk=True,
        triage_due_at=now + timedelta(hours=23),
    )
    ReferralFactory.create(receiving_agency=front_door_agency())  # another front door's
    draft_referral(receiving_agency=front_door)  # not sent yet
    response = client_for(intake).get(url("api-referral-inbox"))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [str(r.pk) for r in (overdue, sooner, later, at_risk, urgent)]
    assert [row["overdue"] for row in rows] == [True, False, False, False, False]
    assert rows[0]["child_name"] == overdue.child_name
    logged_rows = AccessLogEntry.objects.filter(user=intake, action="list")
    assert [(e.object_type, e.outcome, e.rule) for e in logged_rows] == [("referral", "allowed", "front-door inbox")]


def test_inbox_is_refused_to_someone_who_works_no_front_door(referral, teacher, front_door):
    practitioner = MembershipFactory.create(agency=front_door, role=Role.PRACTITIONER).user
    for user in (teacher, practitioner):
        response = client_for(user).get(url("api-referral-inbox"))
        assert response.status_code == 403
        assert referral.reference not in response.content.decode()
        assert logged(user) == [("list", "denied")]


def test_inbox_filters_by_front_door_and_can_include_decided(front_door, intake):
    second = front_door_agency(name="Hillcrest Children's Services")
    MembershipFactory.create(user=intake, agency=second, role=Role.INTAKE)
    here = ReferralFactory.create(receiving_agency=front_door)
    there = ReferralFactory.create(receiving_agency=second)
    decided = ReferralFactory.create(receiving_agency=front_door, status=ReferralStatus.DECIDED, decision="nfa")
    client = client_for(intake)

    def ids(**params: str | int) -> set[str]:
        response = client.get(url("api-referral-inbox"), params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {str(here.pk), str(there.pk)}
    assert ids(agency=second.pk) == {str(there.pk)}
    assert ids(agency=front_door.pk, include_decided="true") == {str(here.pk), str(decided.pk)}
    elsewhere = front_door_agency()
    assert client.get(url("api-referral-inbox"), {"agency": elsewhere.pk}).status_code == 400


def test_inbox_takes_the_same_queries_for_one_row_or_many(front_door, intake):
    ReferralFactory.create(receiving_agency=front_door, handler=intake)
    client = client_for(intake)
    with CaptureQueriesContext(connection) as one:
        client.get(url("api-referral-inbox"))
    for _ in range(3):
        ReferralFactory.create(receiving_agency=front_door, handler=front_door_worker(front_door))
    with CaptureQueriesContext(connection) as many:
        assert client.get(url("api-referral-inbox")).json()["count"] == 4
    assert len(many) == len(one)


# --- triage decisions -------------------------------------------------------------------------


def test_no_further_action_is_recorded_and_the_referrer_sees_the_outcome(referral, intake, teacher):
    response = decide(intake, referral)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "decided"
    referral.refresh_from_db()
    assert (referral.decision, referral.decided_by, referral.linked_case) == ("nfa", intake, None)
    seen = client_for(teacher).get(url("api-referral-detail", referral_id=referral.pk)).json()
    assert seen["decision_label"] == "No further action"
    assert "decision_rationale" not in seen
    assert "Universal services" not in str(seen)


def test_a_decision_needs_a_rationale(referral, intake):
    response = decide(intake, referral, rationale="")
    assert response.status_code == 400
    assert "rationale" in response.json()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUBMITTED


def test_an_unknown_decision_is_a_field_error(referral, intake):
    response = decide(intake, referral, decision="ignore")
    assert response.status_code == 400
    assert "decision" in response.json()


def test_passing_on_needs_another_front_door(referral, intake):
    response = decide(intake, referral, decision="passed_on")
    assert response.status_code == 400
    assert "passed_to" in response.json()


def test_passing_on_sends_the_referral_to_the_other_front_door(referral, intake, teacher):
    neighbour = front_door_agency(name="Hillcrest Children's Services")
    response = decide(intake, referral, decision="passed_on", passed_to=neighbour.pk)
    assert response.status_code == 200, response.json()
    assert response.json()["passed_to"]["id"] == neighbour.pk
    onward = Referral.objects.get(receiving_agency=neighbour)
    assert (onward.status, onward.referrer, onward.child_family_name) == (
        ReferralStatus.SUBMITTED,
        teacher,
        referral.child_family_name,
    )
    assert onward.triage_due_at is not None


def test_an_onward_referral_keeps_its_origin_without_showing_the_other_front_doors_referral(referral, intake):
    neighbour = front_door_agency(name="Hillcrest Children's Services")
    decide(intake, referral, decision="passed_on", passed_to=neighbour.pk)
    onward = Referral.objects.get(receiving_agency=neighbour)
    assert onward.previous_referral == referral
    seen = client_for(front_door_worker(neighbour)).get(url("api-referral-detail", referral_id=onward.pk)).json()
    # Passed on from another front door is not a re-referral to this one.
    assert seen["is_re_referral"] is False
    # The referral it came from is at another front door: this one does not see it.
    assert seen["previous_referral"] is None


def test_accepting_opens_a_case_with_the_worker_on_its_team(referral, intake):
    response = decide(intake, referral, decision="accepted", rationale="Needs a child and family assessment.")
    assert response.status_code == 200, response.json()
    referral.refresh_from_db()
    case = referral.linked_case
    assert case is not None and case.lead_agency == referral.receiving_agency
    assert CaseTeamMember.objects.filter(case=case, user=intake, active=True).exists()
    assert ChronologyEntry.objects.filter(case=case, summary__contains=referral.reference).exists()
    assert response.json()["linked_case"] == {
        "id": str(case.pk),
        "reference": case.reference,
        "lead_agency": {"id": case.lead_agency.pk, "name": case.lead_agency.name, "kind": case.lead_agency.kind},
    }


def test_the_referrer_never_sees_the_linked_case(referral, intake, teacher):
    decide(intake, referral, decision="accepted", rationale="Needs a child and family assessment.")
    referral.refresh_from_db()
    case = referral.linked_case
    assert case is not None
    for name in ("api-referral-detail",):
        response = client_for(teacher).get(url(name, referral_id=referral.pk))
        assert response.status_code == 200
        content = response.content.decode()
        assert str(case.pk) not in content and case.reference not in content
        assert "linked_case" not in response.json()
        assert response.json()["decision_label"] == "Accepted for assessment"
    listing = client_for(teacher).get(url("api-referral-list")).content.decode()
    assert str(case.pk) not in listing and case.reference not in listing
    assert client_for(teacher).get(url("api-case-detail", case_id=case.pk)).status_code == 404


def test_a_colleague_at_the_front_door_is_not_shown_a_case_they_cannot_see(referral, intake, front_door):
    decide(intake, referral, decision="accepted", rationale="Needs a child and family assessment.")
    colleague = front_door_worker(front_door)
    body = client_for(colleague).get(url("api-referral-detail", referral_id=referral.pk)).json()
    assert body["status"] == "decided"
    assert body["linked_case"] is None
    assert body["linked_child"] is None


def test_a_link_to_a_case_not_among_the_matches_is_refused(referral, intake):
    unrelated = CaseFactory.create(lead_agency=referral.receiving_agency)
    response = decide(intake, referral, decision="accepted", link_case=str(unrelated.pk))
    assert response.status_code == 400
    assert response.json()["link_case"] == [api.NOT_A_MATCH_CASE]
    referral.refresh_from_db()
    assert (referral.status, referral.linked_case) == (ReferralStatus.SUBMITTED, None)
    assert not CaseTeamMember.objects.filter(case=unrelated, user=intake).exists()


def test_a_link_to_a_child_not_among_the_matches_is_refused(referral, intake):
    stranger = ChildFactory.create()
    response = decide(intake, referral, decision="accepted", link_child=str(stranger.pk))
    assert response.status_code == 400
    assert response.json()["link_child"] == [api.NOT_A_MATCH_CHILD]


def test_only_a_case_decision_links_a_case(referral, intake):
    case = CaseFactory.create(lead_agency=referral.receiving_agency)
    response = decide(intake, referral, decision="nfa", link_case=str(case.pk))
    assert response.status_code == 400
    assert "link_case" in response.json()


def test_accepting_links_the_matched_case_of_the_front_doors_own_agency(referral, intake):
    case = _known_case(referral, lead_agency=referral.receiving_agency, worker_on_team=intake)
    child = case.children.get()
    response = decide(
        intake,
        referral,
        decision="accepted",
        rationale="Known child.",
        link_case=str(case.pk),
        link_child=str(child.pk),
    )
    assert response.status_code == 200, response.json()
    referral.refresh_from_db()
    assert (referral.linked_case, referral.linked_child) == (case, child)
    assert Case.objects.count() == 1
    assert ("link_referral", "denied") not in logged(intake)


def test_referrer_cannot_decide(referral, teacher):
    response = decide(teacher, referral)
    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUBMITTED
    assert ("triage_referral", "denied") in logged(teacher)


def test_a_decided_referral_is_not_decided_again(referral, intake):
    assert decide(intake, referral).status_code == 200
    assert decide(intake, referral, decision="advice").status_code == 403


# --- sign-off ---------------------------------------------------------------------------------


@pytest.fixture
def awaiting(referral: Referral, intake: User) -> Referral:
    Agency.objects.filter(pk=referral.receiving_agency_id).update(triage_signoff_required=True)
    response = decide(intake, referral, decision="accepted", rationale="Needs a child and family assessment.")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "awaiting_signoff"
    referral.refresh_from_db()
    return referral


def sign_off(user: User, referral: Referral, **payload: object) -> Any:
    return client_for(user).post(url("api-referral-sign-off", referral_id=referral.pk), payload, format="json")


def test_a_decision_waits_for_sign_off_and_takes_effect_when_approved(awaiting, front_door_supervisor, intake, teacher):
    assert awaiting.linked_case is None
    assert client_for(teacher).get(url("api-referral-detail", referral_id=awaiting.pk)).json()["decision_label"] is None
    response = sign_off(front_door_supervisor, awaiting, approve=True)
    assert response.status_code == 200, response.json()
    awaiting.refresh_from_db()
    assert (awaiting.status, awaiting.signed_off_by) == (ReferralStatus.DECIDED, front_door_supervisor)
    assert awaiting.linked_case is not None
    assert CaseTeamMember.objects.filter(case=awaiting.linked_case, user=intake, active=True).exists()
    assert ("sign_off_referral", "allowed") in logged(front_door_supervisor)


def test_a_returned_decision_needs_a_note(awaiting, front_door_supervisor):
    response = sign_off(front_door_supervisor, awaiting, approve=False)
    assert response.status_code == 400
    assert "note" in response.json()
    response = sign_off(front_door_supervisor, awaiting, approve=False, note="Speak to the school first.")
    assert response.status_code == 200
    awaiting.refresh_from_db()
    assert awaiting.status == ReferralStatus.SUBMITTED


def test_sign_off_needs_an_answer(awaiting, front_door_supervisor):
    response = sign_off(front_door_supervisor, awaiting)
    assert response.status_code == 400
    assert "approve" in response.json()


def test_intake_worker_cannot_sign_off(awaiting, front_door):
    colleague = front_door_worker(front_door)
    assert sign_off(colleague, awaiting, approve=True).status_code == 403
    assert ("sign_off_referral", "denied") in logged(colleague)


def test_a_supervisor_does_not_sign_off_their_own_decision(referral, front_door_supervisor):
    Agency.objects.filter(pk=referral.receiving_agency_id).update(triage_signoff_required=True)
    assert decide(front_door_supervisor, referral).status_code == 200
    response = sign_off(front_door_supervisor, referral, approve=True)
    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.AWAITING_SIGNOFF


def test_a_refused_self_sign_off_is_logged_as_denied(referral, front_door_supervisor):
    Agency.objects.filter(pk=referral.receiving_agency_id).update(triage_signoff_required=True)
    decide(front_door_supervisor, referral)
    seen = client_for(front_door_supervisor).get(url("api-referral-detail", referral_id=referral.pk)).json()
    assert seen["can"]["sign_off"] is False
    assert sign_off(front_door_supervisor, referral, approve=True).status_code == 403
    assert ("sign_off_referral", "denied") in logged(front_door_supervisor)
    assert ("sign_off_referral", "allowed") not in logged(front_door_supervisor)


# --- is this child already known? -------------------------------------------------------------


def _known_case(referral: Referral, *, lead_agency: Agency, worker_on_team: User | None = None) -> Case:
    """A case about the referral's child (same names and date of birth) led by ``lead_agency``."""
    case = CaseFactory.create(lead_agency=lead_agency)
    child = case.children.get()
    child.given_names = referral.child_given_names
    child.family_name = referral.child_family_name
    child.date_of_birth = referral.child_date_of_birth
    child.save()
    if worker_on_team is not None:
        CaseTeamMember.objects.create(
            case=case, user=worker_on_team, agency=lead_agency, role="contributor", added_reason="Duty worker"
        )
    return case


def test_a_match_out_of_sight_shows_only_score_matched_fields_and_whom_to_contact(referral, intake):
    police = AgencyFactory.create(kind=AgencyKind.POLICE, name="Hillcrest Police", front_door_contact="101 ext 4")
    case = _known_case(referral, lead_agency=police)
    child = case.children.get()
    response = client_for(intake).get(url("api-referral-matches", referral_id=referral.pk))
    assert response.status_code == 200
    matches = response.json()
    assert matches, "the planted child is found"
    top = matches[0]
    assert set(top) == {"score", "matched", "known_to"}
    assert 0 < top["score"] <= 1
    assert top["matched"]
    assert {"agency": "Hillcrest Police", "contact": "101 ext 4"} in top["known_to"]
    content = response.content.decode()
    for secret in (str(case.pk), case.reference, str(child.pk)):
        assert secret not in content


def test_a_match_in_sight_shows_the_child_and_the_cases_the_worker_may_see(referral, intake):
    case = _known_case(referral, lead_agency=referral.receiving_agency, worker_on_team=intake)
    response = client_for(intake).get(url("api-referral-matches", referral_id=referral.pk))
    assert response.status_code == 200
    top = response.json()[0]
    assert top["child"]["id"] == str(case.children.get().pk)
    assert [c["id"] for c in top["cases"]] == [str(case.pk)]
    assert str(case.pk) in [c["id"] for c in top["linkable_cases"]]


def test_a_match_whose_only_case_is_out_of_sight_in_the_front_doors_own_agency_is_still_redacted(referral, intake):
    case = _known_case(referral, lead_agency=referral.receiving_agency)
    response = client_for(intake).get(url("api-referral-matches", referral_id=referral.pk))
    top = response.json()[0]
    assert set(top) == {"score", "matched", "known_to"}
    assert top["known_to"] == [{"agency": referral.receiving_agency.name, "contact": "01632 960 000"}]
    assert case.reference not in response.content.decode() and str(case.pk) not in response.content.decode()


def test_each_child_shown_as_a_match_is_logged_as_a_view_of_that_child(referral, intake):
    case = _known_case(referral, lead_agency=referral.receiving_agency, worker_on_team=intake)
    client_for(intake).get(url("api-referral-matches", referral_id=referral.pk))
    viewed = AccessLogEntry.objects.filter(user=intake, action="view_child", outcome="allowed")
    assert [(row.object_id, row.case_id) for row in viewed] == [(str(case.children.get().pk), case.pk)]
    assert ("match_children", "allowed") in logged(intake)


def test_the_referrer_does_not_see_matches(referral, teacher):
    _known_case(referral, lead_agency=referral.receiving_agency)
    response = client_for(teacher).get(url("api-referral-matches", referral_id=referral.pk))
    assert response.status_code == 403
    assert referral.child_family_name not in response.content.decode()
    assert ("match_children", "denied") in logged(teacher)


def test_matches_are_not_found_for_an_unrelated_user(referral, outsider):
    response = client_for(outsider).get(url("api-referral-matches", referral_id=referral.pk))
    assert response.status_code == 404


# --- the public concern -----------------------------------------------------------------------


def public_client() -> APIClient:
    # CSRF is enforced as a browser would meet it: the endpoint has no session to protect.
    return APIClient(enforce_csrf_checks=True, REMOTE_ADDR=fresh_address())


def test_public_concern_is_stored_and_answers_only_a_reference(front_door):
    response = public_client().post(url("api-public-concern"), public_payload(front_door), format="json")
    assert response.status_code == 201, response.json()
    referral = Referral.objects.get()
    assert response.json() == {"reference": referral.reference}
    assert (referral.source, referral.status, referral.referrer) == (Source.PUBLIC, ReferralStatus.SUBMITTED, None)
    assert referral.triage_due_at is not None
    assert referral.child_address == "14 Mill Lane"
    assert AccessLogEntry.objects.filter(action="submit_public_concern", user=None, object_id=str(referral.pk)).exists()


def test_public_concern_with_bad_input_gives_field_errors_and_stores_nothing(front_door):
    payload = public_payload(front_door, child_given_names="", child_address="", concern_description="Help")
    response = public_client().post(url("api-public-concern"), payload, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"child_given_names", "concern_description"}
    assert not Referral.objects.exists()


def test_public_concern_cannot_set_professional_fields(front_door):
    payload = public_payload(front_door, consent="overridden", referrer="1", status="decided")
    response = public_client().post(url("api-public-concern"), payload, format="json")
    assert response.status_code == 201
    referral = Referral.objects.get()
    assert (referral.consent, referral.status) == ("", ReferralStatus.SUBMITTED)


def test_public_concern_to_an_agency_without_a_front_door_is_a_field_error():
    school = AgencyFactory.create(kind=AgencyKind.EDUCATION)
    response = public_client().post(url("api-public-concern"), public_payload(school), format="json")
    assert response.status_code == 400
    assert response.json()["receiving_agency"] == [api.NOT_A_FRONT_DOOR]


def test_public_concern_is_rate_limited_per_address(front_door, settings):
    settings.PUBLIC_CONCERN_RATE_PER_HOUR = 2
    client = public_client()
    for _ in range(2):
        assert client.post(url("api-public-concern"), public_payload(front_door), format="json").status_code == 201
    throttled = client.post(url("api-public-concern"), public_payload(front_door), format="json")
    assert throttled.status_code == 429
    assert "throttled" in throttled.json()["detail"].lower()
    assert Referral.objects.count() == 2
    # Another address is not held back by this one.
    assert public_client().post(url("api-public-concern"), public_payload(front_door), format="json").status_code == 201


def test_public_concern_rate_limit_is_not_evaded_by_a_forwarded_for_header(front_door, settings):
    settings.PUBLIC_CONCERN_RATE_PER_HOUR = 1
    client = public_client()
    assert client.post(url("api-public-concern"), public_payload(front_door), format="json").status_code == 201
    spoofed = client.post(
        url("api-public-concern"), public_payload(front_door), format="json", HTTP_X_FORWARDED_FOR=fresh_address()
    )
    assert spoofed.status_code == 429
    assert Referral.objects.count() == 1


# --- schema and the door ----------------------------------------------------------------------


def test_openapi_schema_documents_every_referral_endpoint(client):
    response = client.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    expected = {
        "/api/v1/referrals/": {"get", "post"},
        "/api/v1/referrals/inbox/": {"get"},
        "/api/v1/referrals/inbox/search/": {"post"},
        "/api/v1/referrals/{referral_id}/": {"get", "patch"},
        "/api/v1/referrals/{referral_id}/submit/": {"post"},
        "/api/v1/referrals/{referral_id}/additions/": {"post"},
        "/api/v1/referrals/{referral_id}/take/": {"post"},
        "/api/v1/referrals/{referral_id}/matches/": {"get"},
        "/api/v1/referrals/{referral_id}/decision/": {"post"},
        "/api/v1/referrals/{referral_id}/sign-off/": {"post"},
        "/api/v1/public/concerns/": {"post"},
    }
    referral_paths = {path for path in paths if path.startswith(("/api/v1/referrals", "/api/v1/public"))}
    assert referral_paths == set(expected)
    for path, methods in expected.items():
        assert set(paths[path]) - {"parameters"} == methods, path
    public = paths["/api/v1/public/concerns/"]["post"]
    assert {"201", "400", "429"} <= set(public["responses"])


def test_the_api_reaches_referrals_only_through_the_policy():
    assert bare_reads(Path(api.__file__).read_text()) == []
    assert "Referral.objects" not in Path(api.__file__).read_text()
