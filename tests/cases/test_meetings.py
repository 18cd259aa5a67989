"""Meetings: the strategy discussion rule, scheduling, the statutory clock, invitations with
calendar files, actions agreed, the pages, and who may do what (with the access log)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.mime.base import MIMEBase
from smtplib import SMTPException
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta  # type: ignore[import-untyped]
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from access_control.models import AccessLogEntry
from agencies.models import AgencyKind
from cases.meetings import ics, invitations
from cases.meetings import queries as meeting_queries
from cases.meetings import services as meeting_services
from cases.models import (
    ActionState,
    CaseTeamMember,
    MeetingAction,
    MeetingAttendee,
    MeetingKind,
    MeetingState,
)
from deadlines import reminders
from deadlines.calendar import due_after_working_days
from deadlines.models import Deadline, DeadlineKind, DeadlineState, Notification
from outbox import delivery
from outbox.models import Message
from outbox.tasks import deliver_message
from tests.cases.meeting_helpers import (
    CHILD_FAMILY,
    CHILD_GIVEN,
    MeetingTeam,
    access_for,
    agency_admin,
    held_meeting_with_action,
    hold,
    in_days,
    log_rows,
    meeting_team,
    police_supervisor,
    schedule,
)
from tests.factories import AgencyFactory, DeadlineFactory, MembershipFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
DENIED = AccessLogEntry.Outcome.DENIED


@pytest.fixture
def team() -> MeetingTeam:
    return meeting_team()


# --- the strategy discussion rule ---------------------------------------------------------------


def test_all_three_agencies_present_means_nothing_missing():
    agencies = [AgencyFactory.build(kind=kind) for kind in ("childrens_social_care", "police", "health")]
    assert meeting_services.missing_strategy_agencies(agencies) == []


@pytest.mark.parametrize(
    ("absent", "named"),
    [
        (AgencyKind.CHILDRENS_SOCIAL_CARE, "Children's social care"),
        (AgencyKind.POLICE, "Police"),
        (AgencyKind.HEALTH, "Health"),
    ],
)
def test_each_missing_agency_is_named(absent, named):
    kinds = [AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.POLICE, AgencyKind.HEALTH, AgencyKind.EDUCATION]
    agencies = [AgencyFactory.build(kind=kind) for kind in kinds if kind != absent]
    assert meeting_services.missing_strategy_agencies(agencies) == [named]


def test_a_scheduled_meeting_is_asked_from_its_attendees(team):
    meeting = schedule(team, attendees=[team.lead, team.police.user], confirm_missing_agencies=True)
    assert meeting_services.missing_strategy_agencies(meeting) == ["Health"]
    core_group = schedule(team, kind=MeetingKind.CORE_GROUP, attendees=[team.lead])
    assert meeting_services.missing_strategy_agencies(core_group) == []


# --- scheduling ----------------------------------------------------------------------------------


def test_schedule_invites_team_members_for_their_team_agency_and_meets_nothing(team):
    due = DeadlineFactory.create(case=team.case, kind=DeadlineKind.STRATEGY_DISCUSSION)
    meeting = schedule(team)
    attendees = {a.user_id: a.agency_id for a in MeetingAttendee.objects.filter(meeting=meeting)}
    assert attendees == {
        team.lead.pk: team.case.lead_agency_id,
        team.key_worker.pk: team.case.lead_agency_id,
        team.police.user_id: team.police.agency_id,
        team.health.user_id: team.health.agency_id,
    }
    assert meeting.organiser == team.lead and meeting.state == MeetingState.SCHEDULED
    assert Deadline.objects.get(pk=due.pk).state == DeadlineState.OPEN
    assert log_rows(team.lead, "schedule_meeting") == 1


def test_strategy_discussion_without_police_and_health_needs_confirming(team):
    with pytest.raises(ValidationError) as refused:
        schedule(team, attendees=[team.lead, team.key_worker])
    message = refused.value.message_dict["confirm_missing_agencies"][0]
    assert "Police and Health" in message
    meeting = schedule(team, attendees=[team.lead, team.key_worker], confirm_missing_agencies=True)
    assert meeting.attendees.count() == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"starts_at": timezone.now() - timedelta(minutes=5)}, "starts_at"),
        ({"duration_minutes": 5}, "duration_minutes"),
        ({"location": "  "}, "location"),
        ({"attendees": []}, "attendees"),
    ],
)
def test_schedule_refuses_bad_input(team, overrides, field):
    with pytest.raises(ValidationError) as refused:
        schedule(team, **overrides)
    assert field in refused.value.message_dict


def test_attendees_and_chair_must_be_on_the_team(team):
    stranger = MembershipFactory.create().user
    with pytest.raises(ValidationError) as refused:
        schedule(team, attendees=[*team.everyone, stranger])
    assert "attendees" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        schedule(team, attendees=[team.police.user, team.health.user, team.key_worker], chair=team.lead)
    assert "chair" in refused.value.message_dict


def test_someone_who_left_the_team_cannot_be_invited(team):
    CaseTeamMember.objects.filter(pk=team.health.pk).update(active=False)
    with pytest.raises(ValidationError):
        schedule(team)


def test_a_contributor_may_not_schedule_and_the_refusal_is_logged(team):
    with pytest.raises(PermissionDenied):
        schedule(team, by=team.police.user)
    assert log_rows(team.police.user, "manage_meetings", DENIED) == 1


# --- the statutory clock ------------------------------------------------------------------------


def test_strategy_discussion_that_convenes_a_conference_opens_it_15_working_days_later(team, clock):
    due = DeadlineFactory.create(case=team.case, kind=DeadlineKind.STRATEGY_DISCUSSION)
    meeting = schedule(team)
    held_at = datetime(2026, 11, 2, 10, 0, tzinfo=LONDON)  # a Monday; no bank holiday in November
    clock.at(held_at + timedelta(hours=2))  # recorded the same day, whatever today is
    hold(team, meeting, held_at=held_at, next_stage_agreed=True)
    assert Deadline.objects.get(pk=due.pk).state == DeadlineState.MET
    conference = Deadline.objects.get(case=team.case, kind=DeadlineKind.INITIAL_CONFERENCE)
    assert conference.due_at == datetime(2026, 11, 23, 17, 0, tzinfo=LONDON)
    assert conference.title == "Initial child protection conference due"
    assert conference.owner == team.lead and conference.owner_agency == team.case.lead_agency
    assert conference.meeting is None and conference.state == DeadlineState.OPEN


def test_strategy_discussion_that_does_not_convene_opens_nothing(team):
    hold(team, schedule(team), next_stage_agreed=False)
    assert not Deadline.objects.filter(case=team.case, kind=DeadlineKind.INITIAL_CONFERENCE).exists()


def test_initial_conference_that_makes_a_plan_opens_first_core_group_and_first_review(team):
    due = DeadlineFactory.create(case=team.case, kind=DeadlineKind.INITIAL_CONFERENCE)
    meeting = schedule(team, kind=MeetingKind.INITIAL_CONFERENCE)
    held_at = timezone.now() - timedelta(hours=2)
    hold(team, meeting, held_at=held_at, next_stage_agreed=True)
    assert Deadline.objects.get(pk=due.pk).state == DeadlineState.MET
    core_group = Deadline.objects.get(case=team.case, kind=DeadlineKind.FIRST_CORE_GROUP)
    review = Deadline.objects.get(case=team.case, kind=DeadlineKind.FIRST_REVIEW)
    assert core_group.due_at == due_after_working_days(held_at, 10)
    local = held_at.astimezone(LONDON)
    assert review.due_at == (local.replace(tzinfo=None) + relativedelta(months=3)).replace(tzinfo=LONDON)


def test_review_conference_meets_the_review_and_continuing_the_plan_opens_the_next_in_6_months(team, clock):
    due = DeadlineFactory.create(case=team.case, kind=DeadlineKind.FIRST_REVIEW)
    meeting = schedule(team, kind=MeetingKind.REVIEW_CONFERENCE)
    held_at = datetime(2026, 11, 2, 10, 0, tzinfo=LONDON)
    clock.at(held_at + timedelta(hours=2))
    hold(team, meeting, held_at=held_at, next_stage_agreed=True)
    assert Deadline.objects.get(pk=due.pk).state == DeadlineState.MET
    later = Deadline.objects.get(case=team.case, kind=DeadlineKind.LATER_REVIEW)
    assert later.due_at == datetime(2027, 5, 2, 10, 0, tzinfo=LONDON)
    assert later.title == "Review child protection conference due"


def test_core_group_meets_the_first_core_group_deadline_and_opens_nothing(team):
    due = DeadlineFactory.create(case=team.case, kind=DeadlineKind.FIRST_CORE_GROUP)
    hold(team, schedule(team, kind=MeetingKind.CORE_GROUP))
    assert Deadline.objects.get(pk=due.pk).state == DeadlineState.MET
    assert Deadline.objects.filter(case=team.case).count() == 1


def test_no_second_deadline_when_one_of_that_kind_is_live(team):
    hold(team, schedule(team), next_stage_agreed=True)
    hold(team, schedule(team), next_stage_agreed=True)
    assert Deadline.objects.filter(case=team.case, kind=DeadlineKind.INITIAL_CONFERENCE).count() == 1


def test_record_held_records_attendance_minutes_and_logs(team):
    meeting = hold(team, schedule(team), attended=[team.lead, team.police.user])
    attendance = dict(MeetingAttendee.objects.filter(meeting=meeting).values_list("user_id", "attended"))
    assert attendance == {
        team.lead.pk: True,
        team.police.user_id: True,
        team.key_worker.pk: False,
        team.health.user_id: False,
    }
    assert meeting.state == MeetingState.HELD and meeting.next_stage_agreed is True
    assert log_rows(team.lead, "record_meeting_held") == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"held_at": timezone.now() + timedelta(hours=1)}, "held_at"),
        ({"minutes": ""}, "minutes"),
        ({"next_stage_agreed": None}, "next_stage_agreed"),
    ],
)
def test_record_held_refuses_bad_input(team, overrides, field):
    meeting = schedule(team)
    with pytest.raises(ValidationError) as refused:
        hold(team, meeting, **overrides)
    assert field in refused.value.message_dict


def test_only_invited_people_can_be_recorded_as_attending(team):
    other = TeamMemberFactory.create(case=team.case).user
    meeting = schedule(team)
    with pytest.raises(ValidationError) as refused:
        hold(team, meeting, attended=[team.lead, other])
    assert "attended" in refused.value.message_dict


def test_a_held_or_cancelled_meeting_cannot_change(team):
    meeting = hold(team, schedule(team))
    with pytest.raises(ValidationError):
        meeting_services.cancel_meeting(access=access_for(team.lead, team.case), meeting=meeting, reason="No longer")
    with pytest.raises(ValidationError):
        hold(team, meeting)


# --- invitations ------------------------------------------------------------------------------


def unfold(calendar: str) -> list[str]:
    assert calendar.endswith("\r\n")
    physical = calendar.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in physical)
    assert not any("\n" in line or "\r" in line for line in physical)
    lines: list[str] = []
    for line in physical:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def properties(calendar: str) -> dict[str, str]:
    """Name (without parameters) → value, for the lines of the VEVENT and its calendar."""
    found: dict[str, str] = {}
    for line in unfold(calendar):
        name_part, _, value = line.partition(":")
        found.setdefault(name_part.split(";")[0], value)
    return found


def calendar_of(message: Any) -> tuple[str, str]:
    [part] = [a for a in message.attachments if isinstance(a, MIMEBase)]
    assert part.get_content_type() == "text/calendar"
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("utf-8"), str(part.get_param("method"))


def deliver_all(meeting_id: UUID) -> list[bool]:
    attendees = MeetingAttendee.objects.filter(meeting_id=meeting_id).select_related("meeting").order_by("pk")
    return [invitations.deliver_invitation(a.pk, a.meeting.sequence) for a in attendees]


def invitation_message(attendee: MeetingAttendee, sequence: int) -> Message:
    return Message.objects.get(dedupe_key=invitations.invitation_dedupe_key(attendee.pk, sequence))


def calendar_event(**overrides: Any) -> ics.CalendarEvent:
    """A meeting as a calendar sees it, at a fixed moment: ``ics.build_calendar`` is given its
    ``now`` and reads no clock, so nothing here is compared with the real date."""
    fields: dict[str, Any] = {
        "uid": "meeting-1@tandem",
        "sequence": 0,
        "starts_at": datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        "duration": timedelta(hours=1),
        "summary": "Strategy discussion",
        "location": "Room 2",
        "organiser_name": "Ann Organiser",
        "organiser_email": "ann@example.org",
        "attendee_name": "Bea Attendee",
        "attendee_email": "bea@example.org",
        "url": "https://tandem.example/meetings/1/",
    }
    fields.update(overrides)
    return ics.CalendarEvent(**fields)


def test_a_long_line_is_folded_at_75_octets_without_breaking_a_character():
    summary = "Strategy discussion \u2013 case TDM-2026-000123 " * 4
    calendar = ics.build_calendar(
        calendar_event(summary=summary), method=ics.Method.REQUEST, now=datetime(2026, 3, 1, tzinfo=UTC)
    )
    physical = calendar.encode("utf-8").split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in physical)
    for line in physical:
        line.decode("utf-8")  # raises if a fold split a character
    assert f"SUMMARY:{summary}" in unfold(calendar)
    [event] = Calendar.from_ical(calendar).events
    assert event["SUMMARY"] == summary


def test_commas_semicolons_backslashes_and_newlines_in_text_round_trip():
    location = "Room 2, Hall; A\\B\nnext"
    calendar = ics.build_calendar(
        calendar_event(location=location), method=ics.Method.REQUEST, now=datetime(2026, 3, 1, tzinfo=UTC)
    )
    assert properties(calendar)["LOCATION"] == "Room 2\\, Hall\\; A\\\\B\\nnext"
    [event] = Calendar.from_ical(calendar).events
    assert event["LOCATION"] == location


def test_a_name_cannot_break_out_of_its_parameter():
    name = 'Ann "Lead"\r\nATTENDEE:mailto:someone@elsewhere.example\x07'
    calendar = ics.build_calendar(
        calendar_event(organiser_name=name), method=ics.Method.REQUEST, now=datetime(2026, 3, 1, tzinfo=UTC)
    )
    [event] = Calendar.from_ical(calendar).events
    assert [str(a) for a in event.attendees] == ["mailto:bea@example.org"]
    assert event["ORGANIZER"] == "mailto:ann@example.org"
    assert "\x07" not in calendar  # a parameter value may hold no control character but a tab


def test_each_attendee_gets_one_invitation_with_a_calendar_file(team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        meeting = schedule(team)
    assert callbacks  # queued after commit, not before
    assert mail.outbox == []
    assert deliver_all(meeting.pk) == [True, True, True, True]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in team.everyone)
    calendar, method = calendar_of(mail.outbox[0])
    props = properties(calendar)
    assert method == "REQUEST" and props["METHOD"] == "REQUEST"
    assert props["UID"] == f"meeting-{meeting.pk}@tandem"
    assert props["SEQUENCE"] == "0"
    assert props["DTSTART"] == meeting.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert props["DTEND"] == (meeting.starts_at + timedelta(hours=1)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert props["SUMMARY"] == f"Strategy discussion \u2013 case {team.case.reference}"
    assert props["LOCATION"] == "Riverside Centre\\, Room 2"
    assert props["ORGANIZER"] == f"mailto:{team.lead.email}"
    assert "BEGIN:VEVENT" in unfold(calendar) and unfold(calendar)[-1] == "END:VCALENDAR"
    # In-app too, and the invitation is the only email: the notification is not emailed again.
    notifications = Notification.objects.filter(recipient__in=team.everyone)
    assert notifications.count() == 4
    assert all(reminders.email_notification(n.pk) is False for n in notifications)
    assert len(mail.outbox) == 4


def test_each_attendee_and_revision_is_one_outbox_message(team):
    meeting = schedule(team)
    attendees = list(MeetingAttendee.objects.filter(meeting=meeting))
    assert {m.dedupe_key for m in Message.objects.filter(kind=invitations.INVITATION)} == {
        invitations.invitation_dedupe_key(a.pk, 0) for a in attendees
    }
    assert invitations.record_invitations(attendees, 0) == []  # recording again records nothing
    assert invitation_message(attendees[0], 0).payload == {"attendee_id": attendees[0].pk, "sequence": 0}


def test_a_duplicate_task_sends_nothing_twice(team):
    meeting = schedule(team)
    attendee = MeetingAttendee.objects.get(meeting=meeting, user=team.police.user)
    message = invitation_message(attendee, 0)
    assert deliver_message(message.pk) is True
    assert deliver_message(message.pk) is False
    assert len(mail.outbox) == 1


def test_a_live_lease_holds_off_a_second_worker_and_a_dead_ones_lapses(team):
    meeting = schedule(team)
    attendee = MeetingAttendee.objects.get(meeting=meeting, user=team.health.user)
    message = invitation_message(attendee, 0)
    Message.objects.filter(pk=message.pk).update(claimed_at=timezone.now())
    assert delivery.deliver(message.pk) is False
    stale = timezone.now() - delivery.lease() - timedelta(seconds=1)
    Message.objects.filter(pk=message.pk).update(claimed_at=stale)
    assert delivery.deliver(message.pk) is True
    assert len(mail.outbox) == 1


class RefusingBackend(EmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        raise SMTPException("421 try again later")


def test_an_smtp_failure_releases_the_lease_for_the_retry(team, settings):
    meeting = schedule(team)
    attendee = MeetingAttendee.objects.get(meeting=meeting, user=team.lead)
    message = invitation_message(attendee, 0)
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with pytest.raises(SMTPException):
        delivery.deliver(message.pk)
    attendee.refresh_from_db()
    message.refresh_from_db()
    assert message.claimed_at is None and message.sent_at is None and attendee.invitation_sequence is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert delivery.deliver(message.pk) is True


def test_reschedule_resends_with_a_higher_sequence_and_the_same_uid(team):
    meeting = schedule(team)
    deliver_all(meeting.pk)
    first = properties(calendar_of(mail.outbox[0])[0])
    mail.outbox.clear()
    moved = meeting_services.reschedule_meeting(
        access=access_for(team.key_worker, team.case),
        meeting=meeting,
        starts_at=in_days(4, hour=14),
        duration_minutes=90,
        location="Video call",
    )
    assert moved.sequence == 1
    # The stale task for sequence 0 sends nothing; the new one sends the update.
    first_attendee = MeetingAttendee.objects.filter(meeting=meeting).order_by("pk")[0]
    assert invitations.deliver_invitation(first_attendee.pk, 0) is False
    assert deliver_all(meeting.pk) == [True, True, True, True]
    updated = properties(calendar_of(mail.outbox[0])[0])
    assert updated["UID"] == first["UID"] and updated["SEQUENCE"] == "1"
    assert updated["DTSTART"] == moved.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert mail.outbox[0].subject.startswith("Updated invitation:")


def test_cancel_sends_a_calendar_cancellation_to_those_invited(team):
    meeting = schedule(team)
    deliver_all(meeting.pk)
    mail.outbox.clear()
    meeting_services.cancel_meeting(access=access_for(team.lead, team.case), meeting=meeting, reason="Family moved")
    assert deliver_all(meeting.pk) == [True, True, True, True]
    calendar, method = calendar_of(mail.outbox[0])
    props = properties(calendar)
    assert method == "CANCEL" and props["METHOD"] == "CANCEL" and props["SEQUENCE"] == "1"
    assert props["STATUS"] == "CANCELLED"
    assert all("Family moved" not in m.body for m in mail.outbox)


def test_someone_who_left_the_team_before_the_send_is_sent_nothing(team):
    meeting = schedule(team)
    CaseTeamMember.objects.filter(pk=team.health.pk).update(active=False)
    attendee = MeetingAttendee.objects.get(meeting=meeting, user=team.health.user)
    assert invitations.deliver_invitation(attendee.pk, 0) is False
    assert mail.outbox == []


def test_a_meeting_recorded_as_held_before_its_invitations_went_sends_none(team):
    meeting = schedule(team)
    hold(team, meeting)
    assert deliver_all(meeting.pk) == [False, False, False, False]
    assert mail.outbox == []


def test_no_email_carries_the_childs_name_or_the_agenda(team):
    meeting = schedule(team)
    deliver_all(meeting.pk)
    meeting_services.reschedule_meeting(
        access=access_for(team.lead, team.case),
        meeting=meeting,
        starts_at=in_days(5),
        duration_minutes=60,
        location="Room 4",
    )
    deliver_all(meeting.pk)
    hold(team, meeting, held_at=timezone.now())
    meeting_services.add_meeting_action(
        access=access_for(team.lead, team.case),
        meeting=meeting,
        description=f"Speak to {CHILD_GIVEN}'s school",
        owner=team.police.user,
        due_at=in_days(6),
    )
    for notification in Notification.objects.all():
        reminders.email_notification(notification.pk)
    assert len(mail.outbox) >= 9
    for message in mail.outbox:
        text = f"{message.subject}{message.body}{calendar_of(message)[0] if message.attachments else ''}"
        for secret in (CHILD_GIVEN, CHILD_FAMILY, "bruising", "Speak to"):
            assert secret not in text
    for deadline in Deadline.objects.all():
        assert CHILD_GIVEN not in deadline.title


def test_the_invitation_parses_as_one_event_carrying_only_what_an_invitation_may(team, settings):
    meeting = schedule(team)
    deliver_all(meeting.pk)
    message = next(m for m in mail.outbox if m.to == [team.police.user.email])
    calendar, _ = calendar_of(message)
    parsed = Calendar.from_ical(calendar)
    assert parsed["VERSION"] == "2.0" and parsed["PRODID"] == ics.PRODUCT_ID and parsed["METHOD"] == "REQUEST"
    [event] = parsed.events
    assert event["UID"] == f"meeting-{meeting.pk}@tandem" and event["SEQUENCE"] == 0
    for name in ("DTSTAMP", "DTSTART", "DTEND"):
        assert properties(calendar)[name].endswith("Z")  # in UTC, not a local time with a TZID
    assert event.start == meeting.starts_at and event.end == meeting.starts_at + timedelta(hours=1)
    assert event["ORGANIZER"] == f"mailto:{meeting.organiser.email}"
    assert event["ORGANIZER"].params["CN"] == meeting.organiser.full_name
    [attendee] = event.attendees
    assert attendee == f"mailto:{team.police.user.email}" and attendee.params["CN"] == team.police.user.full_name
    meeting_path = reverse("cases:meeting_detail", kwargs={"meeting_id": meeting.pk})
    assert event["URL"] == f"{settings.SITE_URL.rstrip('/')}{meeting_path}"
    assert event["STATUS"] == "CONFIRMED"
    # Folding may split a word across lines, so look in the unfolded lines as well as the bytes.
    unfolded = "\n".join(unfold(calendar))
    for secret in (CHILD_GIVEN, CHILD_FAMILY, "bruising", meeting.agenda):
        assert secret not in calendar and secret not in unfolded
        assert all(secret not in str(value) for _, value in event.property_items())


def test_a_cancellation_parses_as_the_same_event_cancelled(team):
    meeting = schedule(team)
    deliver_all(meeting.pk)
    meeting_services.cancel_meeting(access=access_for(team.lead, team.case), meeting=meeting, reason="Family moved")
    mail.outbox.clear()
    deliver_all(meeting.pk)
    parsed = Calendar.from_ical(calendar_of(mail.outbox[0])[0])
    assert parsed["METHOD"] == "CANCEL"
    [event] = parsed.events
    assert event["UID"] == f"meeting-{meeting.pk}@tandem" and event["SEQUENCE"] == 1
    assert event["STATUS"] == "CANCELLED"


def test_the_safety_net_finds_invitations_never_sent(team):
    schedule(team)
    later = timezone.now() + delivery.requeue_after() + timedelta(seconds=1)
    unsent = set(Message.objects.filter(kind=invitations.INVITATION).values_list("pk", flat=True))
    assert len(unsent) == 4 and unsent <= set(delivery.take_stale(later))
    for message_id in unsent:
        delivery.deliver(message_id)
    assert len(mail.outbox) == 4
    assert not unsent & set(delivery.take_stale(later + delivery.requeue_after() * 2))


def test_a_superseded_revision_is_obsolete_and_never_tried_again(team):
    meeting = schedule(team)
    attendee = MeetingAttendee.objects.get(meeting=meeting, user=team.police.user)
    meeting_services.reschedule_meeting(
        access=access_for(team.lead, team.case),
        meeting=meeting,
        starts_at=in_days(4),
        duration_minutes=60,
        location="Room 4",
    )
    old, new = invitation_message(attendee, 0), invitation_message(attendee, 1)
    assert delivery.deliver(old.pk) is False
    old.refresh_from_db()
    assert old.obsolete and old.sent_at is None
    assert delivery.deliver(new.pk) is True
    assert [m.to for m in mail.outbox] == [[team.police.user.email]]


def test_a_cancellation_waits_for_an_invitation_being_sent_to_the_same_person(team):
    meeting = schedule(team)
    attendee = MeetingAttendee.objects.get(meeting=meeting, user=team.police.user)
    # A worker has taken the first invitation and is sending it when the meeting is cancelled.
    Message.objects.filter(pk=invitation_message(attendee, 0).pk).update(claimed_at=timezone.now())
    meeting_services.cancel_meeting(access=access_for(team.lead, team.case), meeting=meeting, reason="Family moved")
    cancellation = invitation_message(attendee, 1)  # only this attendee was being sent the meeting
    assert Message.objects.filter(kind=invitations.INVITATION, payload__sequence=1).count() == 1
    with pytest.raises(delivery.SendLater):
        delivery.deliver(cancellation.pk)
    # The first send finishes; the cancellation then follows it.
    MeetingAttendee.objects.filter(pk=attendee.pk).update(invitation_sequence=0)
    Message.objects.filter(pk=invitation_message(attendee, 0).pk).update(sent_at=timezone.now())
    assert delivery.deliver(cancellation.pk) is True
    assert calendar_of(mail.outbox[0])[1] == "CANCEL"


# --- actions agreed -----------------------------------------------------------------------------


def test_an_action_is_a_deadline_whose_title_keeps_the_description_out(team):
    _meeting, action = held_meeting_with_action(team, owner=team.police.user)
    deadline = Deadline.objects.get(meeting_action=action)
    assert action.owner_agency == team.police.agency
    assert deadline.kind == DeadlineKind.MEETING_ACTION and deadline.owner == team.police.user
    assert deadline.owner_agency == team.police.agency and deadline.case == team.case
    local_due = timezone.localtime(action.due_at)
    assert deadline.title == f"Action from the strategy discussion: due {local_due:%d %b %Y}"
    assert Notification.objects.filter(recipient=team.police.user, deadline=deadline).exists()
    assert log_rows(team.lead, "add_meeting_action") == 1


def test_actions_are_agreed_only_at_a_held_meeting_by_a_team_owner(team):
    meeting = schedule(team)
    access = access_for(team.lead, team.case)
    with pytest.raises(ValidationError):
        meeting_services.add_meeting_action(
            access=access, meeting=meeting, description="Visit", owner=team.lead, due_at=in_days(3)
        )
    hold(team, meeting)
    with pytest.raises(ValidationError) as refused:
        meeting_services.add_meeting_action(
            access=access,
            meeting=meeting,
            description="Visit",
            owner=MembershipFactory.create().user,
            due_at=in_days(-1),
        )
    assert set(refused.value.message_dict) == {"owner", "due_at"}


def test_the_owner_completes_their_action_and_its_deadline_is_met(team):
    _meeting, action = held_meeting_with_action(team, owner=team.police.user)
    done = meeting_services.complete_meeting_action(access=access_for(team.police.user, team.case), action=action)
    assert done.state == ActionState.DONE and done.completed_at is not None
    assert Deadline.objects.get(meeting_action=action).state == DeadlineState.MET
    assert AccessLogEntry.objects.filter(
        user=team.police.user, action="complete_meeting_action", rule="owner of the action"
    ).exists()


def test_someone_elses_action_cannot_be_completed_by_a_contributor(team):
    _meeting, action = held_meeting_with_action(team, owner=team.key_worker)
    with pytest.raises(PermissionDenied):
        meeting_services.complete_meeting_action(access=access_for(team.health.user, team.case), action=action)
    assert log_rows(team.health.user, "complete_meeting_action", DENIED) == 1
    assert MeetingAction.objects.get(pk=action.pk).state == ActionState.OPEN


def test_drop_needs_a_reason_and_cancels_the_deadline(team):
    _meeting, action = held_meeting_with_action(team)
    access = access_for(team.lead_supervisor, team.case)
    with pytest.raises(ValidationError):
        meeting_services.drop_meeting_action(access=access, action=action, reason=" ")
    dropped = meeting_services.drop_meeting_action(access=access, action=action, reason="Family moved away")
    assert dropped.state == ActionState.DROPPED and dropped.dropped_reason == "Family moved away"
    assert Deadline.objects.get(meeting_action=action).state == DeadlineState.CANCELLED
    with pytest.raises(ValidationError):
        meeting_services.complete_meeting_action(access=access, action=action)


def test_a_contributor_may_not_drop_an_action(team):
    _meeting, action = held_meeting_with_action(team, owner=team.police.user)
    with pytest.raises(PermissionDenied):
        meeting_services.drop_meeting_action(access=access_for(team.police.user, team.case), action=action, reason="x")
    assert log_rows(team.police.user, "manage_meetings", DENIED) == 1


def test_my_upcoming_meetings_are_those_i_am_invited_to_still_to_come(team):
    soon = schedule(team, starts_at=in_days(1))
    later = schedule(team, starts_at=in_days(9))
    schedule(team, attendees=[team.lead, team.key_worker], confirm_missing_agencies=True)
    hold(team, schedule(team, starts_at=in_days(2)))
    assert list(meeting_queries.my_upcoming_meetings(team.police.user)) == [soon, later]
    CaseTeamMember.objects.filter(pk=team.police.pk).update(active=False)
    assert list(meeting_queries.my_upcoming_meetings(team.police.user)) == []


# --- pages --------------------------------------------------------------------------------------


def schedule_post(team: MeetingTeam, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": MeetingKind.STRATEGY_DISCUSSION,
        "starts_at": in_days(3).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 60,
        "location": "Riverside Centre",
        "attendees": [u.pk for u in team.everyone],
        "chair": team.lead.pk,
        "agenda": "Share information",
    }
    data.update(overrides)
    return data


def held_post(team: MeetingTeam) -> dict[str, Any]:
    return {
        "held_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "attended": [team.lead.pk, team.police.user_id],
        "minutes": "All agencies shared what they know.",
        "decisions": "Convene a conference.",
        "next_stage_agreed": "yes",
    }


def test_meeting_list_shows_upcoming_first_then_past(client, team):
    past = hold(team, schedule(team, starts_at=in_days(1)))
    later = schedule(team, starts_at=in_days(8))
    soon = schedule(team, starts_at=in_days(2))
    client.force_login(team.police.user)
    response = client.get(reverse("cases:meeting_list", args=[team.case.pk]))
    assert response.status_code == 200
    assert [m.pk for m in response.context["page"].object_list] == [soon.pk, later.pk, past.pk]
    assert b"Schedule a meeting" not in response.content
    assert log_rows(team.police.user, "list_meetings") == 1


def test_meeting_list_empty_state_and_schedule_link(client, team):
    client.force_login(team.lead)
    response = client.get(reverse("cases:meeting_list", args=[team.case.pk]))
    assert b"No meetings on this case yet" in response.content
    assert reverse("cases:meeting_schedule", args=[team.case.pk]).encode() in response.content
    detail = client.get(reverse("cases:detail", args=[team.case.pk]))
    assert reverse("cases:meeting_list", args=[team.case.pk]).encode() in detail.content


def test_schedule_page_groups_the_team_by_agency_and_schedules(client, team):
    client.force_login(team.lead)
    page = client.get(reverse("cases:meeting_schedule", args=[team.case.pk]))
    assert page.status_code == 200
    assert b"Northshire Police" in page.content and b"<fieldset" in page.content
    response = client.post(reverse("cases:meeting_schedule", args=[team.case.pk]), schedule_post(team))
    meeting = team.case.meetings.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:meeting_detail", args=[meeting.pk])


def test_schedule_page_warns_of_missing_agencies_and_asks_to_confirm(client, team):
    client.force_login(team.lead)
    url = reverse("cases:meeting_schedule", args=[team.case.pk])
    data = schedule_post(team, attendees=[team.lead.pk, team.health.user_id])
    response = client.post(url, data)
    assert response.status_code == 200
    assert b"This strategy discussion is missing Police." in response.content
    assert b"Schedule it anyway" in response.content
    assert not team.case.meetings.exists()
    confirmed = client.post(url, {**data, "confirm_missing_agencies": "on"})
    assert confirmed.status_code == 302
    page = client.get(confirmed["Location"])
    assert b"This strategy discussion is missing Police." in page.content


def test_schedule_page_is_403_for_a_contributor_and_404_for_an_outsider(client, team):
    client.force_login(team.police.user)
    assert client.get(reverse("cases:meeting_schedule", args=[team.case.pk])).status_code == 403
    client.force_login(MembershipFactory.create().user)
    assert client.get(reverse("cases:meeting_schedule", args=[team.case.pk])).status_code == 404


def test_meeting_page_shows_attendees_by_agency_actions_and_overdue(client, team):
    meeting, action = held_meeting_with_action(team)
    MeetingAction.objects.filter(pk=action.pk).update(due_at=timezone.now() - timedelta(days=1))
    client.force_login(team.key_worker)
    response = client.get(reverse("cases:meeting_detail", args=[meeting.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Northshire NHS Trust" in content and "Northshire Police" in content
    assert "Discussed the concerns" in content and "Overdue" in content
    assert reverse("cases:meeting_action_complete", args=[action.pk]) in content
    assert [row["overdue"] for row in response.context["rows"]] == [True]


def test_record_held_page_meets_the_clock(client, team):
    meeting = schedule(team)
    client.force_login(team.lead)
    page = client.get(reverse("cases:meeting_held", args=[meeting.pk]))
    assert b"Outcome: convene an initial child protection conference?" in page.content
    response = client.post(reverse("cases:meeting_held", args=[meeting.pk]), held_post(team))
    assert response.status_code == 302
    assert Deadline.objects.filter(case=team.case, kind=DeadlineKind.INITIAL_CONFERENCE).exists()


def test_cancel_page_confirms_then_cancels(client, team):
    meeting = schedule(team)
    client.force_login(team.lead)
    url = reverse("cases:meeting_cancel", args=[meeting.pk])
    assert b"Yes, cancel the meeting" in client.get(url).content
    response = client.post(url, {"reason": "Family moved out of the area"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.CANCELLED and meeting.sequence == 1


def test_reschedule_page_moves_the_meeting(client, team):
    meeting = schedule(team)
    client.force_login(team.lead)
    url = reverse("cases:meeting_reschedule", args=[meeting.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"starts_at": in_days(6).strftime("%Y-%m-%dT%H:%M"), "duration_minutes": 45, "location": "Room 9"}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.location == "Room 9" and meeting.sequence == 1


def test_action_pages_add_complete_and_drop(client, team):
    meeting = hold(team, schedule(team))
    client.force_login(team.lead)
    added = client.post(
        reverse("cases:meeting_action_add", args=[meeting.pk]),
        {"description": "Home visit", "owner": team.police.user_id, "due_at": in_days(5).strftime("%Y-%m-%dT%H:%M")},
    )
    assert added.status_code == 302
    action = MeetingAction.objects.get(meeting=meeting)
    assert action.owner_agency == team.police.agency
    client.force_login(team.police.user)
    assert client.post(reverse("cases:meeting_action_complete", args=[action.pk])).status_code == 302
    assert MeetingAction.objects.get(pk=action.pk).state == ActionState.DONE
    _, other = held_meeting_with_action(team)
    client.force_login(team.lead)
    drop_url = reverse("cases:meeting_action_drop", args=[other.pk])
    assert b"Yes, no longer needed" in client.get(drop_url).content
    assert client.post(drop_url, {"reason": "Done by another agency"}).status_code == 302
    assert MeetingAction.objects.get(pk=other.pk).state == ActionState.DROPPED


# --- who may do what ------------------------------------------------------------------------------

RELATIONSHIPS = [
    "lead",
    "key worker",
    "police contributor",
    "lead's supervisor",
    "other agency supervisor",
    "unrelated user",
    "agency admin",
]
ACTIONS = ["list", "view", "schedule", "record", "add action", "complete action"]
MANAGERS = {"lead", "key worker", "lead's supervisor"}
SEES_CASE = {*MANAGERS, "police contributor", "other agency supervisor"}
# What each action logs when it is allowed.
LOGGED_AS = {
    "list": "list_meetings",
    "view": "view_casework",
    "schedule": "schedule_meeting",
    "record": "record_meeting_held",
    "add action": "add_meeting_action",
    "complete action": "complete_meeting_action",
}


def _who(team: MeetingTeam, relationship: str):
    return {
        "lead": lambda: team.lead,
        "key worker": lambda: team.key_worker,
        "police contributor": lambda: team.police.user,
        "lead's supervisor": lambda: team.lead_supervisor,
        "other agency supervisor": lambda: police_supervisor(team),
        "unrelated user": lambda: MembershipFactory.create().user,
        "agency admin": lambda: agency_admin(team),
    }[relationship]()


def _attempt(client, team: MeetingTeam, action: str):
    scheduled = schedule(team)
    held, meeting_action = held_meeting_with_action(team, owner=team.key_worker)
    if action == "list":
        return client.get(reverse("cases:meeting_list", args=[team.case.pk]))
    if action == "view":
        return client.get(reverse("cases:meeting_detail", args=[scheduled.pk]))
    if action == "schedule":
        return client.post(reverse("cases:meeting_schedule", args=[team.case.pk]), schedule_post(team))
    if action == "record":
        return client.post(reverse("cases:meeting_held", args=[scheduled.pk]), held_post(team))
    if action == "add action":
        data = {"description": "Visit", "owner": team.lead.pk, "due_at": in_days(4).strftime("%Y-%m-%dT%H:%M")}
        return client.post(reverse("cases:meeting_action_add", args=[held.pk]), data)
    return client.post(reverse("cases:meeting_action_complete", args=[meeting_action.pk]))


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("relationship", RELATIONSHIPS)
def test_access_matrix(client, team, relationship, action):
    user = _who(team, relationship)
    client.force_login(user)
    response = _attempt(client, team, action)
    allowed_rows = AccessLogEntry.objects.filter(user=user, action=LOGGED_AS[action], outcome="allowed")
    denied_rows = AccessLogEntry.objects.filter(user=user, outcome=DENIED)
    if relationship not in SEES_CASE:
        assert response.status_code == 404
        assert denied_rows.exists() and not allowed_rows.exists()
    elif action in ("list", "view") or relationship in MANAGERS:
        assert response.status_code in (200, 302), response.content[:500]
        assert allowed_rows.exists() and not denied_rows.exists()
    else:
        assert response.status_code == 403
        assert not allowed_rows.exists()
        denied = "complete_meeting_action" if action == "complete action" else "manage_meetings"
        assert denied_rows.filter(action=denied).exists()


# --- query counts -----------------------------------------------------------------------------------


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_meeting_list_runs_the_same_number_of_queries_at_5_and_30_rows(client, team):
    client.force_login(team.lead)
    url = reverse("cases:meeting_list", args=[team.case.pk])
    counts = []
    for rows in (5, 30):
        for _ in range(rows - team.case.meetings.count()):
            schedule(team)
        counts.append(_count(client, url))
    assert counts[0] == counts[1]


def test_meeting_page_runs_the_same_number_of_queries_at_5_and_30_rows(client, team):
    meeting = hold(team, schedule(team))
    client.force_login(team.lead)
    url = reverse("cases:meeting_detail", args=[meeting.pk])
    access = access_for(team.lead, team.case)
    counts = []
    for rows in (5, 30):
        while MeetingAction.objects.filter(meeting=meeting).count() < rows:
            member = TeamMemberFactory.create(case=team.case)
            MeetingAttendee.objects.create(meeting=meeting, user=member.user, agency=member.agency)
            meeting_services.add_meeting_action(
                access=access, meeting=meeting, description="Visit", owner=member.user, due_at=in_days(3)
            )
        counts.append(_count(client, url))
    assert counts[0] == counts[1]
