"""Timescales per urgency: a referral's triage decision is due as its urgency's timescale (data,
per jurisdiction) runs from submission, and the front door's inbox puts the overdue first."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from access_control.policy import ReferralAction, get_referral
from agencies.models import AgencyKind, Role, User
from deadlines import services
from deadlines.models import Deadline, DeadlineKind, Timescale, TimescaleUnit, TimescaleUrgency
from referrals.models import Referral, Urgency
from referrals.queries import inbox
from referrals.services import save_draft, submit_public_concern, submit_referral, timescale_urgency
from tests.factories import AgencyFactory, MembershipFactory, ReferralFactory, front_door_agency, front_door_worker
from tests.referrals.test_reliability import CONCERN
from tests.referrals.test_services import COMPLETE

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
ROUTINE, URGENT, AT_RISK = TimescaleUrgency.ROUTINE, TimescaleUrgency.URGENT, TimescaleUrgency.IMMEDIATE_RISK


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("start", "urgency", "due"),
    [
        # A Friday afternoon: routine on Monday; urgent by close the same day; immediate risk in 4 hours.
        (london(2026, 11, 27, 15, 0), ROUTINE, london(2026, 11, 30, 17, 0)),
        (london(2026, 11, 27, 15, 0), URGENT, london(2026, 11, 27, 17, 0)),
        (london(2026, 11, 27, 15, 0), AT_RISK, london(2026, 11, 27, 19, 0)),
        # A Friday after close: urgent on Monday's close; immediate risk still within 4 hours.
        (london(2026, 11, 27, 17, 30), URGENT, london(2026, 11, 30, 17, 0)),
        (london(2026, 11, 27, 17, 30), AT_RISK, london(2026, 11, 27, 21, 30)),
        # Christmas Eve 2026, before Christmas Day and the Boxing Day holiday on Monday 28th.
        (london(2026, 12, 24, 16, 0), ROUTINE, london(2026, 12, 29, 17, 0)),
        (london(2026, 12, 24, 16, 0), URGENT, london(2026, 12, 24, 17, 0)),
        (london(2026, 12, 24, 18, 0), URGENT, london(2026, 12, 29, 17, 0)),
        (london(2026, 12, 24, 18, 0), AT_RISK, london(2026, 12, 24, 22, 0)),
        # At night, at the weekend: immediate risk is not a working-day matter.
        (london(2026, 11, 28, 2, 0), AT_RISK, london(2026, 11, 28, 6, 0)),
        (london(2026, 11, 28, 2, 0), URGENT, london(2026, 11, 30, 17, 0)),
        # The night the clocks go forward: 4 hours of real time, not of the wall clock.
        (london(2027, 3, 28, 0, 30), AT_RISK, london(2027, 3, 28, 5, 30)),
    ],
)
def test_a_referral_decision_is_due_as_its_urgencys_timescale_runs(start, urgency, due) -> None:
    assert services.due_at_for(DeadlineKind.REFERRAL_DECISION, start, "GB-ENG", urgency) == due


def test_england_holds_the_timescales_per_urgency_as_data() -> None:
    rows = {
        t.urgency: (t.amount, t.unit)
        for t in Timescale.objects.filter(jurisdiction="GB-ENG", kind=DeadlineKind.REFERRAL_DECISION)
    }
    assert rows == {
        TimescaleUrgency.ANY: (1, TimescaleUnit.WORKING_DAYS),
        URGENT: (0, TimescaleUnit.WORKING_DAYS),
        AT_RISK: (4, TimescaleUnit.HOURS),
    }


def test_a_jurisdictions_own_urgency_timescale_is_used_and_england_s_when_it_has_none() -> None:
    start = london(2026, 11, 27, 15, 0)
    # Wales without a timescale for urgent referrals: England's, not Wales's (or England's) routine one.
    Timescale.objects.create(
        jurisdiction="GB-WLS", kind=DeadlineKind.REFERRAL_DECISION, amount=2, unit="working_days", starts_from="x"
    )
    assert services.due_at_for(DeadlineKind.REFERRAL_DECISION, start, "GB-WLS", URGENT) == london(2026, 11, 27, 17)
    assert services.due_at_for(DeadlineKind.REFERRAL_DECISION, start, "GB-WLS", ROUTINE) == london(2026, 12, 1, 17)
    Timescale.objects.create(
        jurisdiction="GB-WLS", kind=DeadlineKind.REFERRAL_DECISION, urgency=URGENT, amount=6, unit="hours"
    )
    assert services.due_at_for(DeadlineKind.REFERRAL_DECISION, start, "GB-WLS", URGENT) == london(2026, 11, 27, 21)


def test_a_missing_urgency_row_falls_back_to_the_general_one_then_the_statutory_default() -> None:
    start = london(2026, 11, 27, 15, 0)
    Timescale.objects.filter(urgency=AT_RISK).delete()
    assert services.due_at_for(DeadlineKind.REFERRAL_DECISION, start, "GB-ENG", AT_RISK) == london(2026, 11, 30, 17)
    Timescale.objects.filter(kind=DeadlineKind.REFERRAL_DECISION).delete()
    fallback = services.timescale_for(DeadlineKind.REFERRAL_DECISION, "GB-ENG", AT_RISK)
    assert (fallback.amount, fallback.unit, fallback.pk) == (4, TimescaleUnit.HOURS, None)


# --- the referral's triage deadline follows its urgency at submission -----------------------


@pytest.fixture
def teacher() -> User:
    school = AgencyFactory.create(name="Riverside Primary School", kind=AgencyKind.EDUCATION)
    return MembershipFactory.create(agency=school, role=Role.PRACTITIONER).user


def _submitted(teacher: User, **data: object) -> Referral:
    csc = front_door_agency(name="Riverside Children's Services")
    draft = save_draft(by=teacher, receiving_agency=csc, data={**COMPLETE, **data})
    return submit_referral(access=get_referral(teacher, draft.pk, ReferralAction.EDIT_DRAFT))


def _triage_deadline(referral: Referral) -> datetime:
    return Deadline.objects.get(referral=referral, kind=DeadlineKind.REFERRAL_DECISION).due_at


@pytest.mark.parametrize(
    ("data", "due"),
    [
        ({"urgency": Urgency.ROUTINE}, london(2026, 11, 30, 17, 0)),
        ({"urgency": Urgency.URGENT}, london(2026, 11, 27, 17, 0)),
        ({"urgency": Urgency.ROUTINE, "immediate_risk": True}, london(2026, 11, 27, 19, 30)),
    ],
)
def test_a_friday_afternoon_referral_is_due_as_its_urgency_says(teacher, clock, data, due) -> None:
    clock.at(london(2026, 11, 27, 15, 30))
    referral = _submitted(teacher, **data)
    # The clock runs on from the moment set: within a second of it.
    assert referral.triage_due_at is not None
    assert abs(referral.triage_due_at - due) < timedelta(seconds=1)
    assert _triage_deadline(referral) == referral.triage_due_at


def test_an_urgent_referral_before_a_bank_holiday_after_close_is_due_on_the_next_working_day(teacher, clock) -> None:
    # Friday 28 August 2026 at 17:45; Monday 31 August is the summer bank holiday.
    clock.at(london(2026, 8, 28, 17, 45))
    referral = _submitted(teacher, urgency=Urgency.URGENT)
    assert referral.triage_due_at == _triage_deadline(referral) == london(2026, 9, 1, 17, 0)


def test_a_public_concern_with_immediate_risk_at_night_is_due_within_four_hours(clock) -> None:
    clock.at(london(2026, 11, 28, 23, 10))  # a Saturday night
    csc = front_door_agency(name="Riverside Children's Services")
    concern = {**CONCERN, "immediate_risk": True}
    referral = submit_public_concern(receiving_agency=csc, data=concern)
    assert timescale_urgency(referral) == AT_RISK
    assert referral.triage_due_at == _triage_deadline(referral)
    assert referral.submitted_at is not None and referral.triage_due_at is not None
    assert referral.triage_due_at - referral.submitted_at == timedelta(hours=4)
    assert abs(referral.triage_due_at - london(2026, 11, 29, 3, 10)) < timedelta(seconds=1)
    without_risk = submit_public_concern(receiving_agency=csc, data={**concern, "immediate_risk": False})
    assert without_risk.triage_due_at == london(2026, 11, 30, 17, 0)


# --- the inbox: overdue first, then by time left -------------------------------------------


def test_an_overdue_routine_referral_comes_before_urgent_ones_not_yet_due() -> None:
    front_door = front_door_agency(name="Riverside Children's Services")
    intake = front_door_worker(front_door)
    now = timezone.now()
    urgent = ReferralFactory.create(
        receiving_agency=front_door, urgency=Urgency.URGENT, triage_due_at=now + timedelta(hours=34)
    )
    at_risk = ReferralFactory.create(
        receiving_agency=front_door, urgency=Urgency.URGENT, immediate_risk=True, triage_due_at=now + timedelta(hours=3)
    )
    overdue = ReferralFactory.create(receiving_agency=front_door, triage_due_at=now - timedelta(hours=13))
    most_overdue = ReferralFactory.create(receiving_agency=front_door, triage_due_at=now - timedelta(hours=40))
    same_time_routine = ReferralFactory.create(receiving_agency=front_door, triage_due_at=now + timedelta(hours=34))
    assert list(inbox(user=intake)) == [most_overdue, overdue, at_risk, urgent, same_time_routine]
