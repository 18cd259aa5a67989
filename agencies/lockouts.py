"""Whether a member is locked out of signing in, and an agency admin letting them in again.

The lock itself is axes' (``accounts.lockout``): failed attempts in ``AccessAttempt``, by the
account's email address as typed (lower-cased). A member is locked while their account's
failures within ``AXES_COOLOFF_TIME`` reach ``AXES_FAILURE_LIMIT``; forgetting those failures
lifts the lock at once."""

from __future__ import annotations

from collections.abc import Iterable

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from access_control import security_log
from access_control.models import AccessLogEntry
from access_control.policy import can_manage_members
from access_control.security_log import SecurityEvent
from agencies.models import Membership, User


def failures(attempts: QuerySet[AccessAttempt]) -> int:
    """The failed sign-ins these attempt rows count."""
    return int(attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)


def _attempts_on(user: User) -> QuerySet[AccessAttempt]:
    return AccessAttempt.objects.filter(username=user.email.lower())


def is_locked(user: User) -> bool:
    """Whether the account is locked now by its own failed sign-ins."""
    recent = _attempts_on(user).filter(attempt_time__gte=timezone.now() - get_cool_off())
    return failures(recent) >= settings.AXES_FAILURE_LIMIT


def unlock_member(*, by: User, membership: Membership) -> int:
    """An agency admin of the member's agency lets them sign in again: the account's failed
    attempts are forgotten, and that is in the security log. How many attempt rows went."""
    if not can_manage_members(by, membership.agency):
        raise PermissionDenied("Only an agency admin of this agency can do that.")
    with transaction.atomic():
        count, _ = _attempts_on(membership.user).delete()
        security_log.record(SecurityEvent.UNLOCKED, about=membership.user, by=by, agency=membership.agency)
    return count


def account_names(events: Iterable[AccessLogEntry]) -> dict[str, str]:
    """The names of the accounts a page of security events is about, by ``object_id``
    (events read through ``security_events``: members of an agency the reader administers)."""
    ids = {event.object_id for event in events if event.object_id}
    return {str(pk): name for pk, name in User.objects.filter(pk__in=ids).values_list("pk", "full_name")}
