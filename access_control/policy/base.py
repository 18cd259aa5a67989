"""Decisions and the signed-in user's own memberships: what every rule starts from."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, F, Field, Func, QuerySet
from django.db.models.expressions import RawSQL

from access_control import audit, request_context
from agencies.models import Agency, Membership, User

T = TypeVar("T")


@dataclass(frozen=True)
class Decision:
    """The answer to "may this user do this?", naming the rule that decided it."""

    allowed: bool
    rule: str

    def __bool__(self) -> bool:
        return self.allowed


DENY_NO_RULE = Decision(False, "no rule grants access")


def enforce(
    decision: Decision,
    *,
    user: User | None,
    action: str,
    object_type: str,
    object_id: object = "",
    case_id: object = None,
    agency: Agency | int | None = None,
    says: str | None = None,
    log_allowed: bool = True,
) -> Decision:
    """Write ``decision`` to the access log, with its rule, and when it refuses raise
    PermissionDenied (``says``, or the rule): the one way a decision reaches the log.

    ``log_allowed=False`` logs only a refusal, for a write that logs what it did once done
    (an allowed decision is then logged by the write, e.g. ``CaseAccess.log``)."""
    if decision.allowed and not log_allowed:
        return decision
    audit.record_many([event(decision, user, action, object_type, object_id, case_id, agency)])
    if not decision:
        raise PermissionDenied(says or decision.rule)
    return decision


def event(
    decision: Decision,
    user: User | None,
    action: str,
    object_type: str,
    object_id: object = "",
    case_id: object = None,
    agency: Agency | int | None = None,
) -> audit.Event:
    """``decision`` as a row of the access log (``enforce`` writes one; the policy's doors
    write theirs, or several at once, through ``audit``)."""
    return audit.Event(
        user=user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        case_id=case_id,
        allowed=decision.allowed,
        rule=decision.rule,
        agency=agency,
    )


class Grounds:
    """What the access log says of a write that needs no decision beyond itself: the system's
    own changes, a member of the public's forms, and what follows from a decision already
    made (logged with ``enforce``)."""

    ACCEPTED_REFERRAL = Decision(True, "accepted a referral for this case")
    REFERRER_DRAFTING = Decision(True, "referrer, while the referral is a draft")
    PUBLIC_CONCERN = Decision(True, "public concern form")
    PUBLIC_REFERENCE_CHECK = Decision(True, "public reference check: received and considered only")
    KNOWN_CHILD_MATCH = Decision(True, "known-child match at the front door")
    DEADLINE_OPENED = Decision(True, "deadline opened")

    @staticmethod
    def deadline_closed(state: str) -> Decision:
        """A deadline met or cancelled."""
        return Decision(True, f"deadline {state}")

    @staticmethod
    def triage_decision(label: str) -> Decision:
        """A front door's triage decision taking effect."""
        return Decision(True, f"triage decision: {label}")


class Listing(Enum):
    """What a list page or endpoint shows, and the rule that narrowed it (logged by
    ``log_listing``): (action, object type, rule)."""

    CASES = ("list", "case", "need-to-know filter")
    CASE_SEARCH = ("search", "case", "need-to-know filter")
    MY_TASKS = ("list", "deadline", "my tasks")
    EXTENSIONS_TO_DECIDE = ("list", "extension", "waiting for my approval")
    REFERRALS_I_MADE = ("list", "referral", "referrals I made")
    FRONT_DOOR_INBOX = ("list", "referral", "front-door inbox")
    SERVICE_INBOX = ("list", "servicereferral", "service referrals to my agency")
    MY_WORK = ("list", "home", "my work: what waits for me, read through each rule")
    MY_MEETINGS = ("list", "meeting", "meetings I am invited to or on the team of")


def log_listing(user: User, listing: Listing) -> None:
    """Log that ``user`` was shown ``listing`` (each row in it was read through the policy)."""
    action, object_type, rule = listing.value
    enforce(Decision(True, rule), user=user, action=action, object_type=object_type)


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
