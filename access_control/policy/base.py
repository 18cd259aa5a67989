"""Decisions and the signed-in user's own memberships: what every rule starts from."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from agencies.models import Membership, User


@dataclass(frozen=True)
class Decision:
    """The answer to "may this user do this?", naming the rule that decided it."""

    allowed: bool
    rule: str

    def __bool__(self) -> bool:
        return self.allowed


DENY_NO_RULE = Decision(False, "no rule grants access")


def _signed_in(user: User | object) -> bool:
    return isinstance(user, User) and user.is_authenticated and user.is_active


def active_memberships(user: User) -> QuerySet[Membership]:
    """The user's own active memberships, in agencies that are active."""
    if not _signed_in(user):
        return Membership.objects.none()
    return Membership.objects.filter(user=user, active=True, agency__active=True).select_related("agency")
