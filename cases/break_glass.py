"""Telling of break-glass access, through the outbox: the case's lead worker is told who used
it, until when and why; the user's supervisor (in the agency they acted for) is told who,
which case and until when, but not why, because the supervisor may not see the case.

``services.break_glass`` records both messages in the grant's transaction; the outbox sends
each once (``tell_of_break_glass`` is its sender), so a failing mail server delays a message
and never loses or repeats one."""

from __future__ import annotations

from django.core.mail import send_mail
from django.utils import timezone

from access_control.models import BreakGlassGrant
from access_control.policy import supervision_over
from outbox import services as outbox

# The outbox kind of a break-glass alert (settings.OUTBOX_SENDERS).
BREAK_GLASS = "cases.break_glass"
TO_LEAD = "lead"
TO_SUPERVISORS = "supervisors"


def break_glass_dedupe_key(grant_id: object, to: str) -> str:
    """The outbox key of one alert about one grant: sent once, ever."""
    return f"break-glass:{grant_id}:{to}"


def record_alerts(grant: BreakGlassGrant) -> list[int]:
    """Record the lead's and the supervisors' alerts about ``grant`` in the caller's
    transaction; the outbox queues them after commit."""
    return outbox.record_many(
        kind=BREAK_GLASS,
        messages=[
            (break_glass_dedupe_key(grant.pk, to), {"grant_id": str(grant.pk), "to": to})
            for to in (TO_LEAD, TO_SUPERVISORS)
        ],
    )


def tell_of_break_glass(grant_id: str, to: str) -> bool:
    """The outbox's sender of one alert. Returns whether it sent one: nothing when the user
    has no supervisor in the agency they acted for. SMTP errors propagate so the outbox retries."""
    grant = BreakGlassGrant.objects.select_related("case__lead_worker", "user", "agency").get(pk=grant_id)
    who = f"{grant.user.full_name} ({grant.agency.name if grant.agency else 'no agency'})"
    until = timezone.localtime(grant.expires_at).strftime("%d %b %Y %H:%M")
    if to == TO_LEAD:
        send_mail(
            subject=f"Break-glass access to case {grant.case.reference}",
            message=(
                f"{who} used break-glass access to case {grant.case.reference}, which you lead, until {until}.\n\n"
                f"Their reason: {grant.reason}\n\nSee who accessed the case on its access log in Tandem."
            ),
            from_email=None,
            recipient_list=[grant.case.lead_worker.email],
        )
        return True
    supervisors = list(
        supervision_over(grant.user_id, grant.agency_id)
        .filter(supervisor__user__is_active=True)
        .values_list("supervisor__user__email", flat=True)
    )
    if not supervisors:
        return False
    send_mail(
        subject="Break-glass access by someone you supervise",
        message=f"{who} used break-glass access to case {grant.case.reference} until {until}.",
        from_email=None,
        recipient_list=supervisors,
    )
    return True
