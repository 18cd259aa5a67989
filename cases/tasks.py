"""Meeting invitations by email. Thin tasks over a lease on the attendee row: each
(attendee, calendar sequence) is sent once, whatever the retries or duplicate deliveries."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from cases import services_meeting


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=None,
)
def send_meeting_invitation(self: object, attendee_id: int, sequence: int) -> bool:
    """Email one attendee the meeting's invitation (or cancellation) at ``sequence``, once."""
    return services_meeting.deliver_invitation(attendee_id, sequence)


@shared_task
def queue_unsent_invitations() -> int:
    """Safety net (for beat): queue every current invitation whose enqueue was lost."""
    sends = services_meeting.unsent_invitations()
    services_meeting.queue_invitations(sends)
    return len(sends)
