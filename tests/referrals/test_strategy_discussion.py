"""A child at immediate risk: accepting the referral into a case puts a strategy discussion on
the clock, due by close of business the same working day (timescale data, England's default),
owed by the case lead, reminded like any deadline and met when the strategy discussion is held."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from access_control.policy import ReferralAction, get_referral
from agencies.models import Agency, AgencyKind, Role, User
from cases.meetings import services as meeting_services
from cases.models import Case, MeetingKind, TeamRole
from deadlines import reminders
from deadlines.models import Deadline, DeadlineKind, DeadlineState, Timescale, TimescaleUnit, TimescaleUrgency
from deadlines.services import due_at_for
from referrals.models import Referral, TriageDecision, Urgency
from referrals.services import decide_referral, save_draft, sign_off_decision, submit_referral
from tests.cases.meeting_helpers import access_for
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    MembershipFactory,
    TeamMemberFactory,
    front_door_agency,
    front_door_worker,
)
from tests.referrals.test_services import COMPLETE

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
AT_RISK = TimescaleUrgency.IMMEDIATE_RISK


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


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


def _decide(user: User, referral: Referral, decision: str = TriageDecision.ACCEPTED, **extra: Any) -> Referral:
    access = get_referral(user, referral.pk, ReferralAction.TRIAGE)
    return decide_referral(access=access, decision=decision, rationale="Child at risk tonight.", **extra)


def _strategy_deadlines(case: Case | None) -> list[Deadline]:
    return list(Deadline.objects.filter(case=case, kind=DeadlineKind.STRATEGY_DISCUSSION))


@pytest.mark.parametrize(
    ("decided_at", "due"),
    [
        # A Tuesday morning and afternoon: by close of business the same day.
        (london(2026, 11, 24, 9, 5), london(2026, 11, 24, 17, 0)),
        (london(2026, 11, 24, 16, 40), london(2026, 11, 24, 17, 0)),
        # A Friday evening, after close: Monday's close (never a due time already past).
        (london(2026, 11, 27, 19, 30), london(2026, 11, 30, 17, 0)),
        # Saturday night: Monday's close.
        (london(2026, 11, 28, 23, 0), london(2026, 11, 30, 17, 0)),
        # Christmas Eve after close; Christmas Day, and the Boxing Day holiday on Monday 28th.
        (london(2026, 12, 24, 18, 0), london(2026, 12, 29, 17, 0)),
        (london(2026, 12, 28, 11, 0), london(2026, 12, 29, 17, 0)),
        # Easter Monday 2027 is a bank holiday in England.
        (london(2027, 3, 29, 10, 0), london(2027, 3, 30, 17, 0)),
    ],
)
def test_immediate_risk_accepted_puts_a_strategy_discussion_on_the_clock_the_same_working_day(
    teacher, csc, clock, decided_at, due
) -> None:
    clock.at(decided_at - timedelta(minutes=30))
    referral = _submitted(teacher, csc, immediate_risk=True)
    intake = front_door_worker(csc)
    clock.at(decided_at)
    decided = _decide(intake, referral)
    [deadline] = _strategy_deadlines(decided.linked_case)
    assert deadline.due_at == due
    assert deadline.state == DeadlineState.OPEN
    assert (deadline.owner, deadline.owner_agency) == (intake, csc)
    # The title goes into reminder emails: the referral's reference, never the child's details.
    assert referral.reference in deadline.title
    assert str(COMPLETE["child_given_names"]) not in deadline.title
    assert str(COMPLETE["child_family_name"]) not in deadline.title


def test_the_same_working_day_is_timescale_data_with_england_s_default() -> None:
    row = Timescale.objects.get(jurisdiction="GB-ENG", kind=DeadlineKind.STRATEGY_DISCUSSION, urgency=AT_RISK)
    assert (row.amount, row.unit) == (0, TimescaleUnit.WORKING_DAYS)
    # Every other urgency keeps the strategy discussion's own timescale: 1 working day.
    general = Timescale.objects.get(jurisdiction="GB-ENG", kind=DeadlineKind.STRATEGY_DISCUSSION, urgency="")
    assert (general.amount, general.unit) == (1, TimescaleUnit.WORKING_DAYS)


def test_a_platform_admin_may_make_it_hours(teacher, csc, clock) -> None:
    Timescale.objects.filter(kind=DeadlineKind.STRATEGY_DISCUSSION, urgency=AT_RISK).update(amount=6, unit="hours")
    clock.at(london(2026, 11, 27, 19, 30))  # a Friday evening
    referral = _submitted(teacher, csc, immediate_risk=True)
    [deadline] = _strategy_deadlines(_decide(front_door_worker(csc), referral).linked_case)
    # The clock runs on from the moment set: within a second of it.
    assert abs(deadline.due_at - london(2026, 11, 28, 1, 30)) < timedelta(seconds=1)


def test_without_any_row_the_statutory_default_for_immediate_risk_still_applies() -> None:
    Timescale.objects.filter(kind=DeadlineKind.STRATEGY_DISCUSSION).delete()
    start = london(2026, 11, 24, 10, 0)
    assert due_at_for(DeadlineKind.STRATEGY_DISCUSSION, start, "GB-ENG", AT_RISK) == london(2026, 11, 24, 17, 0)


@pytest.mark.parametrize("urgency", [Urgency.ROUTINE, Urgency.URGENT])
def test_no_strategy_discussion_opens_for_a_routine_or_urgent_referral_accepted(teacher, csc, urgency) -> None:
    referral = _submitted(teacher, csc, urgency=urgency)
    decided = _decide(front_door_worker(csc), referral)
    assert decided.linked_case is not None
    assert _strategy_deadlines(decided.linked_case) == []


def test_no_strategy_discussion_opens_when_the_referral_is_not_taken_into_a_case(teacher, csc) -> None:
    referral = _submitted(teacher, csc, immediate_risk=True)
    _decide(front_door_worker(csc), referral, decision=TriageDecision.NO_FURTHER_ACTION)
    assert not Deadline.objects.filter(kind=DeadlineKind.STRATEGY_DISCUSSION).exists()


def test_a_strategy_discussion_decided_at_triage_runs_to_its_own_timescale(teacher, csc, clock) -> None:
    clock.at(london(2026, 11, 24, 11, 0))  # a Tuesday
    referral = _submitted(teacher, csc)
    decided = _decide(front_door_worker(csc), referral, decision=TriageDecision.STRATEGY)
    [deadline] = _strategy_deadlines(decided.linked_case)
    assert deadline.due_at == london(2026, 11, 25, 17, 0)  # 1 working day


def test_linking_to_a_case_is_owed_by_its_lead_and_opens_only_one(teacher, csc) -> None:
    existing = CaseFactory.create(lead_agency=csc)
    first = _decide(front_door_worker(csc), _submitted(teacher, csc, immediate_risk=True), link_case=existing)
    second = _decide(front_door_worker(csc), _submitted(teacher, csc, immediate_risk=True), link_case=existing)
    assert first.linked_case == second.linked_case == existing
    [deadline] = _strategy_deadlines(existing)
    assert (deadline.owner, deadline.owner_agency) == (existing.lead_worker, csc)


def test_with_sign_off_the_clock_starts_when_the_decision_takes_effect(teacher, clock) -> None:
    signoff_csc = front_door_agency(name="Hillcrest MASH", triage_signoff_required=True)
    clock.at(london(2026, 11, 27, 15, 0))  # a Friday afternoon
    referral = _submitted(teacher, signoff_csc, immediate_risk=True)
    decided = _decide(front_door_worker(signoff_csc), referral)
    assert decided.linked_case is None
    assert not Deadline.objects.filter(kind=DeadlineKind.STRATEGY_DISCUSSION).exists()
    supervisor = MembershipFactory.create(agency=signoff_csc, role=Role.SUPERVISOR).user
    clock.at(london(2026, 11, 27, 16, 0))
    approved = sign_off_decision(access=get_referral(supervisor, referral.pk, ReferralAction.SIGN_OFF), approve=True)
    [deadline] = _strategy_deadlines(approved.linked_case)
    assert deadline.due_at == london(2026, 11, 27, 17, 0)


def test_holding_the_strategy_discussion_meets_it(teacher, csc, clock) -> None:
    clock.at(london(2026, 11, 24, 9, 0))
    intake = front_door_worker(csc)
    case = _decide(intake, _submitted(teacher, csc, immediate_risk=True)).linked_case
    assert case is not None
    police = TeamMemberFactory.create(case=case, agency__kind=AgencyKind.POLICE, role=TeamRole.CONTRIBUTOR)
    health = TeamMemberFactory.create(case=case, agency__kind=AgencyKind.HEALTH, role=TeamRole.CONTRIBUTOR)
    everyone = [intake, police.user, health.user]
    meeting = meeting_services.schedule_meeting(
        access=access_for(intake, case),
        kind=MeetingKind.STRATEGY_DISCUSSION,
        starts_at=london(2026, 11, 24, 14, 0),
        duration_minutes=60,
        location="Video call",
        chair=intake,
        agenda="Immediate safety.",
        attendees=everyone,
    )
    [deadline] = _strategy_deadlines(case)
    assert deadline.state == DeadlineState.OPEN  # scheduling meets nothing
    clock.at(london(2026, 11, 24, 15, 30))
    meeting_services.record_meeting_held(
        access=access_for(intake, case),
        meeting=meeting,
        held_at=london(2026, 11, 24, 14, 0),
        minutes="Agreed a safety plan.",
        decisions="Section 47 enquiry.",
        attended=everyone,
        next_stage_agreed=False,
    )
    deadline.refresh_from_db()
    assert deadline.state == DeadlineState.MET and deadline.met_at is not None


def test_it_is_reminded_and_escalated_like_other_deadlines(teacher, csc, clock) -> None:
    clock.at(london(2026, 11, 24, 9, 0))
    intake = front_door_worker(csc)
    case = _decide(intake, _submitted(teacher, csc, immediate_risk=True)).linked_case
    [deadline] = _strategy_deadlines(case)
    assert reminders.reminders_due(deadline, timezone.now()) == ["due_today"]
    assert "overdue" in reminders.reminders_due(deadline, london(2026, 11, 24, 17, 1))
