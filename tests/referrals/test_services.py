"""Referral services: drafts, submission and its triage deadline, re-referrals, and the front
door's decisions (opening or linking a case, passing on, sign-off)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from access_control.models import AccessLogEntry
from access_control.policy import ReferralAction, get_referral, visible_cases
from agencies.models import Agency, AgencyKind, Role, User
from cases.models import Case, CaseTeamMember, ChronologyEntry, TeamRole
from deadlines.calendar import due_after_working_days, is_working_day
from deadlines.models import Deadline, DeadlineKind, DeadlineState
from referrals.models import Referral, ReferralStatus, Source, TriageDecision, Urgency
from referrals.services import (
    add_to_referral,
    decide_referral,
    save_draft,
    sign_off_decision,
    submit_public_concern,
    submit_referral,
    take_referral,
)
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    MembershipFactory,
    ReferralFactory,
    TeamMemberFactory,
    front_door_agency,
    front_door_worker,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")

COMPLETE = {
    "child_given_names": "Maisie",
    "child_family_name": "Holt",
    "child_date_of_birth": date(2016, 9, 14),
    "child_postcode": "NB3 4QT",
    "concern_category": "neglect",
    "concern_description": "Maisie has come to school hungry every day this week and says there is no food at home.",
    "child_said": "Mum is asleep all day.",
    "consent": "given",
    "referrer_contact": "01632 960 555",
}


@pytest.fixture
def csc() -> Agency:
    return front_door_agency(name="Riverside Children's Services")


@pytest.fixture
def teacher() -> User:
    school = AgencyFactory.create(name="Riverside Primary School", kind=AgencyKind.EDUCATION)
    return MembershipFactory.create(agency=school, role=Role.PRACTITIONER).user


def _submitted(teacher: User, csc: Agency, **data: Any) -> Referral:
    draft = save_draft(by=teacher, receiving_agency=csc, data={**COMPLETE, **data})
    return submit_referral(access=get_referral(teacher, draft.pk, ReferralAction.EDIT_DRAFT))


def _triage(user: User, referral: Referral) -> Any:
    return get_referral(user, referral.pk, ReferralAction.TRIAGE)


# --- drafts and submission ------------------------------------------------------------------


def test_save_draft_keeps_an_incomplete_referral_for_its_author(teacher, csc):
    draft = save_draft(by=teacher, receiving_agency=csc, data={"child_given_names": " Maisie "})
    assert draft.status == ReferralStatus.DRAFT
    assert draft.source == Source.PROFESSIONAL
    assert draft.referrer == teacher
    assert draft.referrer_agency is not None and draft.referrer_agency.name == "Riverside Primary School"
    assert draft.child_given_names == "Maisie"
    assert draft.submitted_at is None and draft.triage_due_at is None

    again = save_draft(by=teacher, receiving_agency=csc, referral=draft, data={"child_family_name": "Holt"})
    assert again.pk == draft.pk
    assert Referral.objects.get(pk=draft.pk).child_name == "Maisie Holt"


def test_someone_else_cannot_edit_a_draft(teacher, csc):
    draft = save_draft(by=teacher, receiving_agency=csc, data={"child_given_names": "Maisie"})
    colleague = MembershipFactory.create(agency=draft.referrer_agency).user
    with pytest.raises(PermissionDenied):
        save_draft(by=colleague, receiving_agency=csc, referral=draft, data={"child_given_names": "Daisy"})


def test_agency_admin_and_unknown_fields_cannot_make_a_referral(teacher, csc):
    admin = MembershipFactory.create(role=Role.AGENCY_ADMIN).user
    with pytest.raises(PermissionDenied):
        save_draft(by=admin, receiving_agency=csc, data={})
    with pytest.raises(ValidationError) as error:
        save_draft(by=teacher, receiving_agency=csc, data={"status": "decided"})
    assert "status" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        save_draft(by=teacher, receiving_agency=AgencyFactory.create(), data={})
    assert "receiving_agency" in error.value.message_dict


def test_submit_sets_the_triage_deadline_to_the_next_working_day_close_of_business(teacher, csc):
    referral = _submitted(teacher, csc)
    assert referral.status == ReferralStatus.SUBMITTED
    assert referral.submitted_at is not None and referral.triage_due_at is not None
    assert referral.triage_due_at == due_after_working_days(referral.submitted_at, 1)
    due = referral.triage_due_at.astimezone(LONDON)
    assert (due.hour, due.minute) == (17, 0)
    assert due.date() > referral.submitted_at.astimezone(LONDON).date()
    assert is_working_day(due.date())


def test_a_friday_referral_before_a_bank_holiday_is_due_on_tuesday(teacher, csc, clock):
    # Friday 28 August 2026; Monday 31 August is the summer bank holiday in England.
    clock.at(datetime(2026, 8, 28, 14, 30, tzinfo=LONDON))
    referral = _submitted(teacher, csc)
    assert referral.triage_due_at == datetime(2026, 9, 1, 17, 0, tzinfo=LONDON)


def test_immediate_risk_makes_the_referral_urgent(teacher, csc):
    referral = _submitted(teacher, csc, immediate_risk=True, urgency=Urgency.ROUTINE)
    assert referral.urgency == Urgency.URGENT


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"consent": "not_sought", "consent_reason": ""}, "consent_reason"),
        ({"consent": "overridden", "consent_reason": ""}, "consent_reason"),
        ({"consent": ""}, "consent"),
        ({"concern_description": "Hungry."}, "concern_description"),
        ({"concern_category": ""}, "concern_category"),
        ({"referrer_contact": ""}, "referrer_contact"),
    ],
)
def test_an_incomplete_referral_is_not_submitted(teacher, csc, data, field):
    draft = save_draft(by=teacher, receiving_agency=csc, data={**COMPLETE, **data})
    with pytest.raises(ValidationError) as error:
        submit_referral(access=get_referral(teacher, draft.pk, ReferralAction.EDIT_DRAFT))
    assert field in error.value.message_dict
    assert Referral.objects.get(pk=draft.pk).status == ReferralStatus.DRAFT


def test_consent_not_sought_with_a_reason_is_accepted(teacher, csc):
    referral = _submitted(
        teacher, csc, consent="not_sought", consent_reason="Telling the parent would put her at risk."
    )
    assert referral.status == ReferralStatus.SUBMITTED


def test_a_submitted_referral_cannot_be_edited_only_added_to(teacher, csc):
    referral = _submitted(teacher, csc)
    with pytest.raises(PermissionDenied):
        save_draft(by=teacher, receiving_agency=csc, referral=referral, data={"child_given_names": "Daisy"})
    with pytest.raises(PermissionDenied):
        get_referral(teacher, referral.pk, ReferralAction.EDIT_DRAFT)
    addition = add_to_referral(
        access=get_referral(teacher, referral.pk, ReferralAction.ADD_TO), text="She was collected late again."
    )
    assert addition.referral_id == referral.pk and addition.author == teacher


def test_a_re_referral_within_twelve_months_is_flagged(teacher, csc):
    earlier = ReferralFactory.create(
        receiving_agency=csc,
        child_given_names="Maisie",
        child_family_name="Holt",
        child_date_of_birth=date(2016, 9, 14),
        submitted_at=timezone.now() - timedelta(days=200),
    )
    referral = _submitted(teacher, csc)
    assert referral.previous_referral == earlier
    assert referral.is_re_referral


def test_a_referral_more_than_twelve_months_later_is_not_a_re_referral(teacher, csc):
    ReferralFactory.create(
        receiving_agency=csc,
        child_given_names="Maisie",
        child_family_name="Holt",
        child_date_of_birth=date(2016, 9, 14),
        submitted_at=timezone.now() - timedelta(days=400),
    )
    referral = _submitted(teacher, csc)
    assert referral.previous_referral is None
    assert not referral.is_re_referral


def test_public_concern_with_bad_input_stores_nothing(csc):
    with pytest.raises(ValidationError) as error:
        submit_public_concern(receiving_agency=csc, data={"child_given_names": "Maisie", "concern_description": "x"})
    assert "concern_description" in error.value.message_dict
    assert not Referral.objects.exists()


# --- the front door's decision -------------------------------------------------------------


def test_accepting_opens_a_case_led_by_the_decider_with_the_referral_on_its_chronology(teacher, csc):
    referral = _submitted(teacher, csc)
    intake = front_door_worker(csc)
    take_referral(access=_triage(intake, referral))

    decided = decide_referral(
        access=_triage(intake, referral), decision=TriageDecision.ACCEPTED, rationale="Section 17 assessment needed."
    )

    assert decided.status == ReferralStatus.DECIDED
    assert decided.decided_by == intake and decided.handler == intake
    case = decided.linked_case
    assert case is not None
    assert case.lead_agency == csc and case.lead_worker == intake
    assert CaseTeamMember.objects.get(case=case, active=True).role == TeamRole.LEAD
    assert [c.full_name for c in case.children.all()] == ["Maisie Holt"]
    entry = ChronologyEntry.objects.get(case=case)
    assert referral.reference in entry.summary and "Riverside Primary School" in entry.summary
    assert "Accepted for assessment" in entry.detail
    # The referrer is told the outcome; the case itself stays with the front door.
    assert Referral.objects.get(pk=referral.pk).get_decision_display() == "Accepted for assessment"
    assert not visible_cases(teacher).exists()


def test_linking_to_a_case_the_front_door_agency_leads_puts_the_decider_on_its_team(teacher, csc):
    existing = CaseFactory.create(lead_agency=csc)
    referral = _submitted(teacher, csc)
    intake = front_door_worker(csc)
    assert not visible_cases(intake).filter(pk=existing.pk).exists()

    decided = decide_referral(
        access=_triage(intake, referral),
        decision=TriageDecision.ACCEPTED,
        rationale="Already open to the team.",
        link_case=existing,
    )

    assert decided.linked_case == existing
    place = CaseTeamMember.objects.get(case=existing, user=intake, active=True)
    assert place.role == TeamRole.KEY_WORKER
    assert visible_cases(intake).filter(pk=existing.pk).exists()
    assert existing.entries.filter(summary__contains=referral.reference).exists()
    assert AccessLogEntry.objects.filter(
        action="decide_referral", object_id=str(referral.pk), case_id=existing.pk, outcome="allowed"
    ).exists()


def test_linking_to_another_agencys_case_out_of_sight_is_refused_and_logged(teacher, csc):
    elsewhere = CaseFactory.create(lead_agency=AgencyFactory.create(name="Easton Children's Services"))
    referral = _submitted(teacher, csc)
    intake = front_door_worker(csc)

    with pytest.raises(PermissionDenied):
        decide_referral(
            access=_triage(intake, referral),
            decision=TriageDecision.ACCEPTED,
            rationale="Known elsewhere.",
            link_case=elsewhere,
        )

    denied = AccessLogEntry.objects.get(action="link_referral", user=intake)
    assert denied.outcome == AccessLogEntry.Outcome.DENIED and denied.case_id == elsewhere.pk
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SUBMITTED
    assert not elsewhere.team.filter(user=intake).exists()


def test_linking_a_child_out_of_sight_is_refused(teacher, csc):
    elsewhere = CaseFactory.create(lead_agency=AgencyFactory.create(name="Easton Children's Services"))
    hidden_child = elsewhere.children.get()
    referral = _submitted(teacher, csc)
    intake = front_door_worker(csc)

    with pytest.raises(PermissionDenied):
        decide_referral(
            access=_triage(intake, referral),
            decision=TriageDecision.ACCEPTED,
            rationale="Same child.",
            link_child=hidden_child,
        )
    assert not Case.objects.filter(children=hidden_child, lead_agency=csc).exists()


def test_a_child_the_front_door_can_see_is_named_on_the_new_case(teacher, csc):
    intake = front_door_worker(csc)
    known = CaseFactory.create(lead_agency=csc)
    TeamMemberFactory.create(case=known, user=intake, agency=csc)
    child = known.children.get()
    referral = _submitted(teacher, csc)

    decided = decide_referral(
        access=_triage(intake, referral),
        decision=TriageDecision.STRATEGY,
        rationale="New concern about a known child: strategy discussion.",
        link_child=child,
    )

    assert decided.linked_case is not None and decided.linked_case != known
    assert list(decided.linked_case.children.all()) == [child]
    assert decided.linked_child == child


def test_passing_on_sends_an_onward_referral_to_the_other_front_door(teacher, csc):
    other = front_door_agency(name="Easton Children's Services")
    referral = _submitted(teacher, csc)
    intake = front_door_worker(csc)

    decided = decide_referral(
        access=_triage(intake, referral),
        decision=TriageDecision.PASSED_ON,
        rationale="The family moved to Easton last month.",
        passed_to=other,
    )

    assert decided.status == ReferralStatus.DECIDED and decided.passed_to == other
    assert decided.linked_case is None
    onward = Referral.objects.get(receiving_agency=other)
    assert onward.status == ReferralStatus.SUBMITTED
    assert onward.triage_due_at is not None
    assert (onward.child_given_names, onward.child_family_name) == ("Maisie", "Holt")
    assert onward.referrer == teacher and onward.concern_description == COMPLETE["concern_description"]
    # The other front door sees it; the first one's worker does not triage it.
    assert get_referral(front_door_worker(other), onward.pk, ReferralAction.TRIAGE)


def test_an_onward_referral_remembers_where_it_came_from(teacher, csc):
    other = front_door_agency(name="Easton Children's Services")
    referral = _submitted(teacher, csc)
    decide_referral(
        access=_triage(front_door_worker(csc), referral),
        decision=TriageDecision.PASSED_ON,
        rationale="The family moved to Easton last month.",
        passed_to=other,
    )
    assert Referral.objects.get(receiving_agency=other).previous_referral_id == referral.pk


def test_passing_on_needs_another_front_door(teacher, csc):
    referral = _submitted(teacher, csc)
    with pytest.raises(ValidationError) as error:
        decide_referral(
            access=_triage(front_door_worker(csc), referral),
            decision=TriageDecision.PASSED_ON,
            rationale="Not ours.",
            passed_to=AgencyFactory.create(kind=AgencyKind.POLICE),
        )
    assert "passed_to" in error.value.message_dict


def test_a_decision_needs_a_rationale(teacher, csc):
    referral = _submitted(teacher, csc)
    with pytest.raises(ValidationError) as error:
        decide_referral(
            access=_triage(front_door_worker(csc), referral), decision=TriageDecision.NO_FURTHER_ACTION, rationale=" "
        )
    assert "decision_rationale" in error.value.message_dict


# --- sign-off ------------------------------------------------------------------------------


@pytest.fixture
def signoff_csc() -> Agency:
    return front_door_agency(name="Hillside Children's Services", triage_signoff_required=True)


def test_decision_waits_for_sign_off_where_the_agency_requires_it(teacher, signoff_csc):
    referral = _submitted(teacher, signoff_csc)
    intake = front_door_worker(signoff_csc)

    waiting = decide_referral(
        access=_triage(intake, referral), decision=TriageDecision.ACCEPTED, rationale="Assessment needed."
    )

    assert waiting.status == ReferralStatus.AWAITING_SIGNOFF
    assert waiting.linked_case is None
    assert not Case.objects.exists()


def test_the_decider_cannot_sign_off_their_own_decision(teacher, signoff_csc):
    referral = _submitted(teacher, signoff_csc)
    manager = front_door_worker(signoff_csc, Role.SUPERVISOR)
    decide_referral(access=_triage(manager, referral), decision=TriageDecision.ADVICE, rationale="Signpost to GP.")

    with pytest.raises(PermissionDenied):
        sign_off_decision(access=get_referral(manager, referral.pk, ReferralAction.SIGN_OFF), approve=True)
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.AWAITING_SIGNOFF


def test_returning_a_decision_needs_a_note_and_sends_it_back_to_triage(teacher, signoff_csc):
    referral = _submitted(teacher, signoff_csc)
    decide_referral(
        access=_triage(front_door_worker(signoff_csc), referral),
        decision=TriageDecision.NO_FURTHER_ACTION,
        rationale="Nothing to add.",
    )
    manager = front_door_worker(signoff_csc, Role.SUPERVISOR)

    with pytest.raises(ValidationError) as error:
        sign_off_decision(access=get_referral(manager, referral.pk, ReferralAction.SIGN_OFF), approve=False)
    assert "note" in error.value.message_dict

    returned = sign_off_decision(
        access=get_referral(manager, referral.pk, ReferralAction.SIGN_OFF),
        approve=False,
        note="Speak to the school nurse first.",
    )
    assert returned.status == ReferralStatus.SUBMITTED
    assert "Speak to the school nurse first." in returned.decision_rationale
    assert returned.signed_off_by is None


def test_an_approved_decision_takes_effect(teacher, signoff_csc):
    referral = _submitted(teacher, signoff_csc)
    intake = front_door_worker(signoff_csc)
    decide_referral(access=_triage(intake, referral), decision=TriageDecision.ACCEPTED, rationale="Assessment needed.")
    manager = front_door_worker(signoff_csc, Role.SUPERVISOR)

    approved = sign_off_decision(access=get_referral(manager, referral.pk, ReferralAction.SIGN_OFF), approve=True)

    assert approved.status == ReferralStatus.DECIDED
    assert approved.signed_off_by == manager and approved.signed_off_at is not None
    assert approved.linked_case is not None and approved.linked_case.lead_worker == intake
    assert approved.linked_case.entries.filter(summary__contains=referral.reference).exists()


def test_an_intake_worker_cannot_sign_off(teacher, signoff_csc):
    referral = _submitted(teacher, signoff_csc)
    decide_referral(
        access=_triage(front_door_worker(signoff_csc), referral), decision=TriageDecision.ADVICE, rationale="GP."
    )
    with pytest.raises(PermissionDenied):
        get_referral(front_door_worker(signoff_csc), referral.pk, ReferralAction.SIGN_OFF)


def test_submitting_opens_the_triage_deadline_for_the_front_door_and_deciding_meets_it(teacher, csc):
    referral = _submitted(teacher, csc)
    deadline = Deadline.objects.get(referral=referral)
    assert deadline.kind == DeadlineKind.REFERRAL_DECISION
    assert (deadline.owner, deadline.owner_agency, deadline.due_at) == (None, csc, referral.triage_due_at)
    assert deadline.state == DeadlineState.OPEN
    assert referral.reference in deadline.title and referral.child_family_name not in deadline.title
    intake = MembershipFactory.create(agency=csc, role=Role.INTAKE).user
    decide_referral(access=_triage(intake, referral), decision="nfa", rationale="Universal services are enough.")
    deadline.refresh_from_db()
    assert deadline.state == DeadlineState.MET and deadline.met_at is not None
