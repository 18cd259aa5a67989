"""Deadlines: what is owed, on things the user can see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from access_control.policy.base import _signed_in, active_memberships, equals_any
from access_control.policy.cases import visible_cases
from access_control.policy.referrals import front_door_referrals
from agencies.models import User
from deadlines.models import Deadline

# --- deadlines: what is owed, on things the user can see --------------------------------


def visible_deadlines(user: User) -> QuerySet[Deadline]:
    """Deadlines on cases the user can see, and on referrals they can see. One id list per
    rule, united, so the cost is what the user sees, not how many deadlines there are."""
    if not _signed_in(user):
        return Deadline.objects.none()
    on_cases = Deadline.objects.filter(case__in=visible_cases(user))
    # A front door sees its whole inbox's deadlines, anyone else none; an array (see
    # ``equals_any``) keeps this rule index-driven for both. (The user's own referrals are
    # the next rule's.)
    on_referrals = Deadline.objects.filter(
        equals_any("referral_id", front_door_referrals(user).exclude(referrer=user).values("pk"))
    )
    on_own_referrals = Deadline.objects.filter(referral__referrer=user, owner=user)
    ids = (
        on_cases.values("pk")
        .order_by()
        .union(on_referrals.values("pk").order_by(), on_own_referrals.values("pk").order_by(), all=True)
    )
    return Deadline.objects.filter(pk__in=ids)


def my_tasks(user: User) -> QuerySet[Deadline]:
    """Deadlines owed by the user, or by one of their agencies with no one named, that they can see."""
    if not _signed_in(user):
        return Deadline.objects.none()
    return visible_deadlines(user).filter(
        Q(owner=user) | Q(owner__isnull=True, owner_agency__in=active_memberships(user).values("agency_id"))
    )
