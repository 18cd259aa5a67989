"""Reminders, called directly (no worker): when they fall due, claimed once, sent once,
re-planned by an extension, escalated when overdue, and never saying more than the
recipient may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db.models import QuerySet

from agencies.models import AgencyKind, Membership, User
from cases.models import Case, CaseTeamMember
from deadlines import reminders, services
from deadlines.models import (
    Deadline,
    DeadlineKind,
    DeadlineState,
    Notification,
    NotificationPreference,
    ReminderKind,
)
from outbox.delivery import deliver
from outbox.models import Message
from tests.clock import Clock
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    ReferralFactory,
    TeamMemberFactory,
    front_door_agency,
    front_door_worker,
    supervise,
)

LONDON = ZoneInfo("Europe/London")
DUE = datetime(2026, 12, 7, 17, 0, tzinfo=LONDON)  # a Monday
# Deadlines here are opened two weeks before DUE: before any of its reminders, which the
# tests then sweep for at fixed moments. (Opened at the real now, a 'due in 5 working days'
# reminder vanished once the real date passed 30 November 2026.)
OPENED = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def opened_before_the_reminders(clock: Clock) -> None:
    clock.at(OPENED)


@dataclass
class PoliceDeadline:
    case: Case
    deadline: Deadline
    owner: User
    supervisor: User


def police_case_deadline(due_at: datetime = DUE, *, owner_left_team: bool = False) -> PoliceDeadline:
    """A case deadline owed by a police officer on the team, whose supervisor sees the case only
    through them (so not at all once they have left the team)."""
    case = CaseFactory.create()
    place = TeamMemberFactory.create(case=case, agency=AgencyFactory.create(kind=AgencyKind.POLICE))
    membership = Membership.objects.get(user=place.user, agency=place.agency)
    supervisor = supervise(membership).user
    deadline = services.open_deadline(
        kind=DeadlineKind.CONTRIBUTION,
        title="Police contribution to the assessment",
        owner_agency=place.agency,
        owner=place.user,
        case=case,
        due_at=due_at,
    )
    if owner_left_team:
        CaseTeamMember.objects.filter(pk=place.pk).update(active=False)
    return PoliceDeadline(case=case, deadline=deadline, owner=place.user, supervisor=supervisor)


def send_all(now: datetime) -> list[int]:
    claimed = reminders.sweep(now)
    for claim_id in claimed:
        deliver(claim_id)
    return claimed


def reminder_messages(deadline: Deadline) -> QuerySet[Message]:
    """The deadline's reminders as the outbox holds them."""
    return Message.objects.filter(kind=reminders.REMINDER, payload__deadline_id=str(deadline.pk))


def kinds(deadline: Deadline) -> set[str]:
    return {message.payload["kind"] for message in reminder_messages(deadline)}


def notifications_of(message_id: int) -> QuerySet[Notification]:
    """The notifications one reminder (an outbox message) wrote."""
    reminder = Message.objects.get(pk=message_id).payload
    return Notification.objects.filter(
        deadline=reminder["deadline_id"], reminder_kind=reminder["kind"], reminder_due_version=reminder["due_version"]
    )


@pytest.mark.parametrize(
    ("due", "now", "expected"),
    [
        # Due Monday 7 Dec 2026: 5 working days before is Monday 30 Nov, 1 is Friday 4 Dec.
        (DUE, datetime(2026, 11, 30, 16, 59), []),
        (DUE, datetime(2026, 11, 30, 17, 0), [ReminderKind.BEFORE_5]),
        (DUE, datetime(2026, 12, 5, 12, 0), [ReminderKind.BEFORE_5, ReminderKind.BEFORE_1]),
        (DUE, datetime(2026, 12, 7, 0, 1), [ReminderKind.BEFORE_5, ReminderKind.BEFORE_1, ReminderKind.DUE_TODAY]),
        (DUE, datetime(2026, 12, 7, 17, 1), list(ReminderKind)),
        # Due Tuesday 29 Dec 2026: Christmas Day and Boxing Day (observed Monday 28) are skipped.
        (datetime(2026, 12, 29, 17, 0), datetime(2026, 12, 24, 16, 59), [ReminderKind.BEFORE_5]),
        (datetime(2026, 12, 29, 17, 0), datetime(2026, 12, 24, 17, 0), [ReminderKind.BEFORE_5, ReminderKind.BEFORE_1]),
        (datetime(2026, 12, 29, 17, 0), datetime(2026, 12, 18, 16, 59), []),
        # Due Tuesday 26 May 2026, after the late May bank holiday: 1 working day before is Friday 22.
        (datetime(2026, 5, 26, 17, 0), datetime(2026, 5, 22, 17, 0), [ReminderKind.BEFORE_5, ReminderKind.BEFORE_1]),
    ],
)
def test_reminders_fall_due_in_working_days(due: datetime, now: datetime, expected: list[ReminderKind]) -> None:
    deadline = police_case_deadline(due.replace(tzinfo=LONDON)).deadline
    # Opened well before any of its reminders (some due dates here lie in the past).
    deadline.created_at = due.replace(tzinfo=LONDON) - timedelta(days=30)
    assert reminders.reminders_due(deadline, now.replace(tzinfo=LONDON)) == expected


def test_a_deadline_opened_with_one_working_day_to_run_is_never_due_in_five():
    due = datetime(2026, 12, 8, 17, 0, tzinfo=LONDON)  # Tuesday
    deadline = police_case_deadline(due).deadline
    deadline.created_at = datetime(2026, 12, 7, 10, 0, tzinfo=LONDON)  # Monday morning
    later = datetime(2026, 12, 7, 17, 30, tzinfo=LONDON)
    assert reminders.reminders_due(deadline, later) == [ReminderKind.BEFORE_1]


def test_met_deadline_has_no_reminders() -> None:
    deadline = services.meet_deadline(deadline=police_case_deadline().deadline)
    assert reminders.reminders_due(deadline, DUE + timedelta(days=3)) == []


def test_three_sweeps_claim_each_reminder_once() -> None:
    deadline = police_case_deadline().deadline
    now = datetime(2026, 12, 5, 12, 0, tzinfo=LONDON)
    first = reminders.sweep(now)
    assert reminders.sweep(now) == [] and reminders.sweep(now) == []
    assert len(first) == 2 and kinds(deadline) == {ReminderKind.BEFORE_5, ReminderKind.BEFORE_1}


def test_sweep_marks_past_due_deadlines_overdue() -> None:
    deadline = police_case_deadline().deadline
    reminders.sweep(DUE + timedelta(minutes=1))
    deadline.refresh_from_db()
    assert deadline.state == DeadlineState.OVERDUE


def test_sending_twice_emails_once_and_notifies_once() -> None:
    setup = police_case_deadline()
    (claim_id,) = reminders.sweep(datetime(2026, 11, 30, 18, 0, tzinfo=LONDON))
    assert deliver(claim_id) is True
    assert deliver(claim_id) is False
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [setup.owner.email]
    assert Notification.objects.filter(recipient=setup.owner).count() == 1
    assert Message.objects.get(pk=claim_id).sent_at is not None


def test_extension_makes_old_reminders_obsolete_and_plans_new_ones() -> None:
    setup = police_case_deadline()
    now = datetime(2026, 12, 5, 12, 0, tzinfo=LONDON)
    old_claims = reminders.sweep(now)
    supervisor = setup.supervisor
    extension = services.request_extension(
        by=setup.owner, deadline=setup.deadline, new_due_at=DUE + timedelta(days=14), reason="Officer on leave"
    )
    services.decide_extension(by=supervisor, extension=extension, approve=True)
    for claim_id in old_claims:
        assert deliver(claim_id) is False
    assert mail.outbox == []
    assert set(Message.objects.filter(pk__in=old_claims).values_list("obsolete", flat=True)) == {True}
    # Nothing is due yet for the new date; 5 working days before it, the new reminder is claimed.
    assert reminders.sweep(now) == []
    new_claims = send_all(datetime(2026, 12, 14, 17, 0, tzinfo=LONDON))
    assert Message.objects.get(pk=new_claims[0]).payload["due_version"] == 2
    assert len(mail.outbox) == 1


def test_overdue_reminder_escalates_to_supervisor_and_case_lead() -> None:
    setup = police_case_deadline()
    send_all(DUE + timedelta(hours=1))
    overdue = Notification.objects.filter(reminder_kind=ReminderKind.OVERDUE)
    assert set(overdue.values_list("recipient", flat=True)) == {
        setup.owner.pk,
        setup.supervisor.pk,
        setup.case.lead_worker_id,
    }
    before = Notification.objects.filter(reminder_kind=ReminderKind.BEFORE_5)
    assert set(before.values_list("recipient", flat=True)) == {setup.owner.pk}


def test_reminder_hides_the_case_from_a_supervisor_who_cannot_see_it() -> None:
    setup = police_case_deadline(owner_left_team=True)
    child = setup.case.children.get()
    send_all(DUE + timedelta(hours=1))
    to_supervisor = Notification.objects.get(recipient=setup.supervisor, reminder_kind=ReminderKind.OVERDUE)
    to_lead = Notification.objects.get(recipient=setup.case.lead_worker, reminder_kind=ReminderKind.OVERDUE)
    supervisor_mail = next(m for m in mail.outbox if m.to == [setup.supervisor.email] and "Overdue" in m.subject)
    for text in (to_supervisor.title, to_supervisor.body, supervisor_mail.subject, supervisor_mail.body):
        assert setup.case.reference not in text
        assert child.given_names not in text and child.family_name not in text
    assert "a case your agency works on" in to_supervisor.body
    assert setup.case.reference in to_lead.body
    every_text = " ".join(str(m.subject) + str(m.body) for m in mail.outbox)
    assert child.family_name not in every_text


def test_agency_deadline_reaches_only_that_agency_on_the_team() -> None:
    setup = police_case_deadline()
    health = TeamMemberFactory.create(case=setup.case, agency=AgencyFactory.create(kind=AgencyKind.HEALTH))
    deadline = services.open_deadline(
        kind=DeadlineKind.CONTRIBUTION,
        title="Police-only: check intelligence systems",
        owner_agency=setup.deadline.owner_agency,
        case=setup.case,
        due_at=DUE,
    )
    send_all(datetime(2026, 11, 30, 18, 0, tzinfo=LONDON))
    recipients = set(Notification.objects.filter(deadline=deadline).values_list("recipient", flat=True))
    assert recipients == {setup.owner.pk}
    assert not any("Police-only" in str(m.subject) + str(m.body) for m in mail.outbox if m.to == [health.user.email])


def test_referral_deadline_without_owner_goes_to_the_front_door() -> None:
    agency = front_door_agency()
    intake = front_door_worker(agency)
    referral = ReferralFactory.create(receiving_agency=agency)
    services.open_deadline(
        kind=DeadlineKind.REFERRAL_DECISION,
        title="Referral decision",
        owner_agency=agency,
        referral=referral,
        due_at=DUE,
    )
    send_all(datetime(2026, 11, 30, 18, 0, tzinfo=LONDON))
    notification = Notification.objects.get()
    assert notification.recipient == intake and referral.reference in notification.body
    assert referral.child_family_name not in notification.body


def test_digest_user_gets_no_reminder_email_and_one_digest() -> None:
    setup = police_case_deadline()
    NotificationPreference.objects.create(user=setup.owner, daily_digest=True)
    send_all(datetime(2026, 12, 5, 12, 0, tzinfo=LONDON))
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=setup.owner).count() == 2
    assert reminders.send_daily_digests() == 1
    assert reminders.send_daily_digests() == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [setup.owner.email]
    assert "Police contribution to the assessment" in mail.outbox[0].body
