"""What the front door is told about a new referral: that it exists, how urgent it is and
when it is due. Never the child's details: those are read in Tandem, through the policy."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from access_control.policy import FRONT_DOOR_ROLES
from agencies.models import Membership
from referrals.models import Referral, ReferralStatus

logger = logging.getLogger(__name__)


def unnotified_referral_ids(*, submitted_before: datetime, limit: int = 500) -> list[str]:
    """Submitted referrals whose front door was never told (the sweep's work list)."""
    pending = Referral.objects.filter(front_door_notified_at__isnull=True, submitted_at__lte=submitted_before).exclude(
        status=ReferralStatus.DRAFT
    )
    return [str(pk) for pk in pending.values_list("pk", flat=True)[:limit]]


def notify_front_door(referral_id: str) -> bool:
    """Send the notification unless it was already sent. The claim is a conditional UPDATE,
    so two deliveries of the same task send one email; a failed send releases the claim
    (and the task retries)."""
    with transaction.atomic():
        claimed = Referral.objects.filter(pk=referral_id, front_door_notified_at__isnull=True).update(
            front_door_notified_at=timezone.now()
        )
        if not claimed:
            return False
        referral = Referral.objects.select_related("receiving_agency").get(pk=referral_id)
        recipients = list(
            Membership.objects.filter(
                agency=referral.receiving_agency_id, active=True, role__in=FRONT_DOOR_ROLES, user__is_active=True
            ).values_list("user__email", flat=True)
        )
        if not recipients:
            # Nobody works this front door: release the claim so the sweep keeps trying (and warning).
            logger.warning("Front door %s has no active intake workers or supervisors.", referral.receiving_agency_id)
            transaction.set_rollback(True)
            return False
        due = timezone.localtime(referral.triage_due_at).strftime("%d %b %Y %H:%M") if referral.triage_due_at else ""
        urgent = "URGENT " if referral.urgency == "urgent" else ""
        # Sending inside the transaction: if it raises, the claim rolls back and the retry sends.
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
