"""Deadline services: timescales, extensions approved by the owner's supervisor, the access log."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from access_control.models import AccessLogEntry
from agencies.models import Membership, Role
from deadlines import services
from deadlines.models import Deadline, DeadlineKind, DeadlineState, Extension, Timescale, TimescaleUnit
from tests.factories import CaseFactory, MembershipFactory, supervise

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "start", "expected"),
    [
        (DeadlineKind.REFERRAL_DECISION, datetime(2026, 11, 27, 10, 0, tzinfo=LONDON), datetime(2026, 11, 30, 17, 0)),
        (DeadlineKind.REFERRAL_DECISION, datetime(2026, 12, 24, 9, 0, tzinfo=LONDON), datetime(2026, 12, 29, 17, 0)),
        (DeadlineKind.INITIAL_CONFERENCE, datetime(2026, 5, 18, 9, 0, tzinfo=LONDON), datetime(2026, 6, 9, 17, 0)),
        (DeadlineKind.FIRST_REVIEW, datetime(2026, 11, 30, 10, 0, tzinfo=LONDON), datetime(2027, 2, 28, 10, 0)),
        (DeadlineKind.LATER_REVIEW, datetime(2026, 8, 31, 14, 0, tzinfo=LONDON), datetime(2027, 2, 28, 14, 0)),
    ],
)
def test_due_at_follows_england_timescales(kind: str, start: datetime, expected: datetime) -> None:
    assert services.due_at_for(kind, start, "GB-ENG") == expected.replace(tzinfo=LONDON)


def test_jurisdiction_without_a_timescale_falls_back_to_england() -> None:
    start = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)
    assert services.timescale_for(DeadlineKind.ASSESSMENT, "GB-WLS").jurisdiction == "GB-ENG"
    assert services.due_at_for(DeadlineKind.ASSESSMENT, start, "GB-WLS") == services.due_at_for(
        DeadlineKind.ASSESSMENT, start, "GB-ENG"
    )


def test_jurisdiction_timescale_in_calendar_days_is_used() -> None:
    Timescale.objects.create(
        jurisdiction="GB-WLS",
        kind=DeadlineKind.ASSESSMENT,
        amount=42,
        unit=TimescaleUnit.CALENDAR_DAYS,
        starts_from="x",
    )
    start = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
    assert services.due_at_for(DeadlineKind.ASSESSMENT, start, "GB-WLS") == datetime(2027, 1, 4, 9, 30, tzinfo=LONDON)


def _owned_deadline() -> tuple[Deadline, Membership]:
    case = CaseFactory.create()
    owner = Membership.objects.get(user=case.lead_worker)
    deadline = services.open_deadline(
        kind=DeadlineKind.ASSESSMENT,
        title="Child and family assessment",
        owner_agency=case.lead_agency,
        owner=case.lead_worker,
        case=case,
        due_at=datetime(2026, 12, 1, 17, 0, tzinfo=LONDON),
    )
    return deadline, owner


def test_owner_supervisor_approves_extension_and_due_version_grows() -> None:
    deadline, owner = _owned_deadline()
    supervisor = supervise(owner)
    new_due = deadline.due_at + timedelta(days=7)
    extension = services.request_extension(by=owner.user, deadline=deadline, new_due_at=new_due, reason="Family away")
    services.decide_extension(by=supervisor.user, extension=extension, approve=True)
    deadline.refresh_from_db()
    assert (deadline.due_at, deadline.due_version, deadline.state) == (new_due, 2, DeadlineState.EXTENDED)
    assert Extension.objects.get().state == Extension.State.APPROVED


def test_another_supervisor_in_the_agency_cannot_approve() -> None:
    deadline, owner = _owned_deadline()
    supervise(owner)
    stranger = MembershipFactory.create(agency=owner.agency, role=Role.SUPERVISOR)
    extension = services.request_extension(
        by=owner.user, deadline=deadline, new_due_at=deadline.due_at + timedelta(days=1), reason="Illness"
    )
    with pytest.raises(PermissionDenied):
        services.decide_extension(by=stranger.user, extension=extension, approve=True)
    deadline.refresh_from_db()
    assert deadline.due_version == 1


def test_rejected_extension_leaves_the_due_time() -> None:
    deadline, owner = _owned_deadline()
    supervisor = supervise(owner)
    extension = services.request_extension(
        by=owner.user, deadline=deadline, new_due_at=deadline.due_at + timedelta(days=1), reason="Illness"
    )
    services.decide_extension(by=supervisor.user, extension=extension, approve=False)
    deadline.refresh_from_db()
    assert (deadline.due_version, deadline.state) == (1, DeadlineState.OPEN)


def test_extension_needs_a_reason_and_a_later_date() -> None:
    deadline, owner = _owned_deadline()
    with pytest.raises(ValidationError):
        services.request_extension(by=owner.user, deadline=deadline, new_due_at=deadline.due_at, reason="Late")
    with pytest.raises(ValidationError):
        services.request_extension(
            by=owner.user, deadline=deadline, new_due_at=deadline.due_at + timedelta(days=1), reason="  "
        )


def test_someone_who_cannot_see_the_deadline_cannot_ask_for_an_extension() -> None:
    deadline, _ = _owned_deadline()
    outsider = MembershipFactory.create().user
    with pytest.raises(PermissionDenied):
        services.request_extension(
            by=outsider, deadline=deadline, new_due_at=deadline.due_at + timedelta(days=1), reason="Please"
        )
    assert AccessLogEntry.objects.filter(user=outsider, object_type="deadline", outcome="denied").exists()


def test_services_write_the_access_log() -> None:
    deadline, owner = _owned_deadline()
    supervisor = supervise(owner)
    extension = services.request_extension(
        by=owner.user, deadline=deadline, new_due_at=deadline.due_at + timedelta(days=2), reason="Waiting for GP"
    )
    services.decide_extension(by=supervisor.user, extension=extension, approve=True)
    services.meet_deadline(deadline=deadline)
    actions = list(
        AccessLogEntry.objects.filter(object_type="deadline", object_id=str(deadline.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["open_deadline", "request_extension", "approve_extension", "meet_deadline"]


def test_a_missing_timescale_row_falls_back_to_the_statutory_default():
    from deadlines.models import Timescale
    from deadlines.services import timescale_for

    Timescale.objects.filter(kind="assessment").delete()
    fallback = timescale_for("assessment", "GB-WLS")
    assert (fallback.amount, fallback.unit, fallback.pk) == (45, "working_days", None)
