"""Decisions and the signed-in user's own memberships: what every rule starts from."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import BooleanField, F, Field, Func, QuerySet
from django.db.models.expressions import RawSQL

from access_control import request_context
from agencies.models import Membership, User

T = TypeVar("T")


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


class _ArrayOf(Func):
    """``ARRAY(<subquery>)``, of a subquery already compiled (``reused_subquery``)."""

    template = "ARRAY%(expressions)s"


def equals_any(field: str, ids: QuerySet[Any, Any] | RawSQL) -> Func:
    """``field = ANY(ARRAY(ids))``, as a filter: the id list is computed once (an InitPlan) and
    ``field`` is matched through its index. Unlike ``field IN (ids)``, which PostgreSQL plans
    for the size it expects the list to have (for a front door: its whole inbox, so a scan of
    the table), an array of unknown length is expected to be short, so the plan is index
    driven for everyone and costs what the list really holds."""
    if isinstance(ids, RawSQL):
        return _EqualsAny(F(field), _ArrayOf(ids))
    return _EqualsAny(F(field), ArraySubquery(ids.order_by()))


def read_once(key: Hashable, read: Callable[[], T]) -> T:
    """``read()``, once per request that only reads (GET, HEAD, OPTIONS; see
    ``request_context.read_once``), kept under ``key`` for the rest of it; called afresh
    everywhere else (a write, a task, the shell)."""
    memo = request_context.read_once.get()
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    found: T = memo[key]
    return found


def reused_subquery(
    key: Hashable, rows: Callable[[], QuerySet[Any, Any]], output_field: Field[Any, Any]
) -> QuerySet[Any, Any] | RawSQL:
    """``rows()`` as a subquery (for ``field__in=`` or ``equals_any``), built and compiled by
    Django once per read-only request (``read_once``) and its SQL reused by every later query
    of the request; ``rows()`` itself anywhere else.

    For the rules most of a page's queries start from (the ids of the cases the user may see:
    four id lists, with their joins and conditions): Python then builds and compiles them once,
    not in each of a dashboard's ten queries. PostgreSQL still computes them inside each query,
    from the tables as they are then, so nothing read is reused, only the SQL text (its "now",
    for a break-glass grant's expiry, is the moment of the first query)."""

    def compiled() -> tuple[str, tuple[Any, ...]]:
        query = rows()
        sql, params = query.query.get_compiler(using=query.db).as_sql()
        return sql, tuple(params)

    if request_context.read_once.get() is None:
        return rows()
    sql, params = read_once(key, compiled)
    # Django's own compilation of a queryset, parameters apart: nothing here is user input.
    return RawSQL(sql, params, output_field=output_field)  # noqa: S611
