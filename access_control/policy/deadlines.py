"""Deadlines: what is owed, on things the user can see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from access_control.policy.base import _signed_in, active_memberships
from access_control.policy.cases import visible_cases
from access_control.policy.referrals import visible_referrals
from agencies.models import User
from deadlines.models import Deadline

# --- deadlines: what is owed, on things the user can see --------------------------------


def visible_deadlines(user: User) -> QuerySet[Deadline]:
    """Deadlines on cases the user can see, and on referrals they can see."""
    if not _signed_in(user):
        return Deadline.objects.none()
    return Deadline.objects.filter(
        Q(case__in=visible_cases(user))
        | Q(referral__in=visible_referrals(user).exclude(referrer=user))
        | Q(referral__referrer=user, owner=user)
    )


def my_tasks(user: User) -> QuerySet[Deadline]:
    """Deadlines owed by the user, or by one of their agencies with no one named, that they can see."""
    if not _signed_in(user):
        return Deadline.objects.none()
    return visible_deadlines(user).filter(
        Q(owner=user) | Q(owner__isnull=True, owner_agency__in=active_memberships(user).values("agency_id"))
    )
