"""Meeting invitations by email, through the outbox: each attendee is sent each revision of the
meeting (its calendar SEQUENCE) once, with a calendar file that replaces the one sent before, or
takes it out of their calendar when the meeting is cancelled. The services record an invitation
per attendee and revision; ``deliver_invitation`` is the outbox's sender.

What an invitation says is limited to the kind of meeting, the case reference, when and where:
never the agenda, the minutes or a child's details."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from email.mime.text import MIMEText
from uuid import UUID

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from access_control.policy import visible_cases
from cases.meetings import ics
from cases.models import Meeting, MeetingAttendee, MeetingState
from outbox import services as outbox
from outbox.delivery import SendLater
from outbox.models import Message

# The outbox kind of a meeting invitation (settings.OUTBOX_SENDERS).
INVITATION = "cases.meeting_invitation"
EN_DASH = "\u2013"


def invitation_dedupe_key(attendee_id: int, sequence: int) -> str:
    """The outbox key of one attendee's invitation to one revision of a meeting: sent once, ever."""
    return f"invitation:{attendee_id}:{sequence}"


def record_invitations(attendees: Iterable[MeetingAttendee], sequence: int) -> list[int]:
    """Record each attendee's invitation at the meeting's revision ``sequence``, in the caller's
    transaction; the outbox queues them after commit."""
    return outbox.record_many(
        kind=INVITATION,
        messages=[
            (invitation_dedupe_key(a.pk, sequence), {"attendee_id": a.pk, "sequence": sequence}) for a in attendees
        ],
    )


def being_sent(attendee_ids: Iterable[int], *, before: int) -> set[int]:
    """The attendees whose invitation to a revision before ``before`` a worker is sending now
    (leased, not yet stamped): they may have the meeting in their calendar in a moment, so a
    cancellation must reach them."""
    return set(
        Message.objects.filter(
            kind=INVITATION,
            payload__attendee_id__in=list(attendee_ids),
            payload__sequence__lt=before,
            claimed_at__isnull=False,
            sent_at__isnull=True,
            obsolete=False,
        ).values_list("payload__attendee_id", flat=True)
    )


def meeting_when(meeting: Meeting) -> str:
    """When the meeting is, as invitations and notifications say it: day, start and end, local time."""
    start = timezone.localtime(meeting.starts_at)
    end = timezone.localtime(meeting.starts_at + timedelta(minutes=meeting.duration_minutes))
    return f"{start:%a %d %b %Y, %H:%M}{EN_DASH}{end:%H:%M}"


def meeting_summary(meeting: Meeting) -> str:
    """What a calendar and an email call the meeting: its kind and the case reference."""
    return f"{meeting.get_kind_display()} {EN_DASH} case {meeting.case.reference}"


def _meeting_url(meeting_id: UUID) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse('cases:meeting_detail', kwargs={'meeting_id': meeting_id})}"


def invitation_email(attendee: MeetingAttendee, *, now: datetime) -> EmailMessage:
    """The email for one attendee at the meeting's current sequence, with its calendar file."""
    meeting = attendee.meeting
    cancelled = meeting.state == MeetingState.CANCELLED
    method = ics.Method.CANCEL if cancelled else ics.Method.REQUEST
    summary = meeting_summary(meeting)
    url = _meeting_url(meeting.pk)
    event = ics.CalendarEvent(
        uid=f"meeting-{meeting.pk}@tandem",
        sequence=meeting.sequence,
        starts_at=meeting.starts_at,
        duration=timedelta(minutes=meeting.duration_minutes),
        summary=summary,
        location=meeting.location,
        organiser_name=meeting.organiser.full_name,
        organiser_email=meeting.organiser.email,
        attendee_name=attendee.user.full_name,
        attendee_email=attendee.user.email,
        url=url,
        description=f"The agenda and papers are in Tandem: {url}",
    )
    calendar = ics.build_calendar(event, method=method, now=now)
    if cancelled:
        subject = f"Cancelled: {summary}, {meeting_when(meeting)}"
        text = f"The {meeting.get_kind_display().lower()} on case {meeting.case.reference} is cancelled."
    else:
        subject = f"{'Updated invitation' if meeting.sequence else 'Invitation'}: {summary}, {meeting_when(meeting)}"
        text = (
            f"You are invited to the {meeting.get_kind_display().lower()} on case {meeting.case.reference}.\n"
            f"When: {meeting_when(meeting)}\nWhere: {meeting.location}\n"
            f"Chair: {meeting.chair.full_name}. Organised by {meeting.organiser.full_name}."
        )
    message = EmailMessage(
        subject=subject,
        body=f"{text}\n\nThe agenda and papers are in Tandem:\n{url}\n",
        to=[attendee.user.email],
    )
    part = MIMEText(calendar, "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="meeting.ics")
    message.attach(part)
    return message


def deliver_invitation(attendee_id: int, sequence: int) -> bool:
    """The outbox's sender of one attendee's invitation (or cancellation) at calendar
    ``sequence``. Returns whether it sent one. Nothing for a revision since superseded (the
    newer one carries the change) or already sent (a worker died before the outbox stamped
    it), nor to someone no longer able to see the case, nor for a meeting already held, nor a
    cancellation to someone never sent the meeting. A cancellation waits (SendLater) while an
    earlier invitation to the same person is being sent, so it cannot overtake it. SMTP errors
    propagate so the outbox retries."""
    attendee = (
        MeetingAttendee.objects.select_related(
            "user", "meeting", "meeting__case", "meeting__chair", "meeting__organiser"
        )
        .filter(pk=attendee_id)
        .first()
    )
    if attendee is None or attendee.meeting.sequence != sequence:
        return False
    if attendee.invitation_sequence is not None and attendee.invitation_sequence >= sequence:
        return False
    never_sent = attendee.invitation_sequence is None
    cancelled = attendee.meeting.state == MeetingState.CANCELLED
    if cancelled and never_sent and being_sent([attendee_id], before=sequence):
        raise SendLater("An earlier invitation to this attendee is being sent.")
    # A meeting already held (recorded before its invitation went) needs no invitation.
    held = attendee.meeting.state == MeetingState.HELD
    still_sees_case = (
        attendee.user.is_active and visible_cases(attendee.user).filter(pk=attendee.meeting.case_id).exists()
    )
    send = still_sees_case and not held and not (cancelled and never_sent)
    if send:
        invitation_email(attendee, now=timezone.now()).send()
    MeetingAttendee.objects.filter(pk=attendee_id).update(invitation_sequence=sequence)
    return send
