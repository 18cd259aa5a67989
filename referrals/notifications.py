"""What the front door is told about a new referral: that it exists, how urgent it is and
when it is due. Never the child's details: those are read in Tandem, through the policy.

Submitting a referral records the notification in the outbox, in the submission's
transaction; the outbox delivers it once (``notify_front_door`` is its sender)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from access_control.policy import FRONT_DOOR_ROLES
from agencies.models import Membership
from outbox import services as outbox
from outbox.delivery import SendLater
from referrals.models import Referral

FRONT_DOOR = "referrals.front_door"


def front_door_dedupe_key(referral_id: object) -> str:
    """The outbox key of a referral's front-door notification: one per referral, ever."""
    return f"front-door:{referral_id}"


def tell_front_door(referral: Referral) -> int | None:
    """Record that the receiving front door is to be told of this referral, once; it is sent
    after the caller's transaction commits. Returns the outbox message's id (None if recorded before)."""
    return outbox.record(
        kind=FRONT_DOOR, dedupe_key=front_door_dedupe_key(referral.pk), payload={"referral_id": str(referral.pk)}
    )


def notify_front_door(referral_id: str) -> bool:
    """The outbox's sender: email the front door's intake workers and supervisors. With nobody
    working that front door, it asks to be tried again later (and the retry warns again)."""
    referral = Referral.objects.select_related("receiving_agency").get(pk=referral_id)
    recipients = list(
        Membership.objects.filter(
            agency=referral.receiving_agency_id, active=True, role__in=FRONT_DOOR_ROLES, user__is_active=True
        ).values_list("user__email", flat=True)
    )
    if not recipients:
        raise SendLater(f"Front door {referral.receiving_agency_id} has no active intake workers or supervisors.")
    due = timezone.localtime(referral.triage_due_at).strftime("%d %b %Y %H:%M") if referral.triage_due_at else ""
    urgent = "URGENT " if referral.urgency == "urgent" else ""
    send_mail(
        subject=f"{urgent}New referral {referral.reference} for {referral.receiving_agency.name}",
        message=(
            f"A {referral.get_source_display().lower()} referral is waiting for triage.\n"
            f"Decision due by {due}.\n\n"
            f"{settings.SITE_URL.rstrip('/')}{reverse('referrals:inbox')}"
        ),
        from_email=None,
        recipient_list=recipients,
    )
    return True
