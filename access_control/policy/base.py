"""Decisions and the signed-in user's own memberships: what every rule starts from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import BooleanField, F, Func, QuerySet

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


class _EqualsAny(Func):
    template = "(%(expressions)s))"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def equals_any(field: str, ids: QuerySet[Any, Any]) -> Func:
    """``field = ANY(ARRAY(ids))``, as a filter: the id list is computed once (an InitPlan) and
    ``field`` is matched through its index. Unlike ``field IN (ids)``, which PostgreSQL plans
    for the size it expects the list to have (for a front door: its whole inbox, so a scan of
    the table), an array of unknown length is expected to be short, so the plan is index
    driven for everyone and costs what the list really holds."""
    return _EqualsAny(F(field), ArraySubquery(ids.order_by()))
