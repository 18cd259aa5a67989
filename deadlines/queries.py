"""Reads of deadlines and notifications. Deadlines always start from the policy
(``access_control.policy.my_tasks``); notifications are the signed-in user's own."""

from __future__ import annotations

from uuid import UUID

from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from access_control import policy
from access_control.policy.base import equals_any
from agencies.models import Role, User
from deadlines.models import LIVE_STATES, Deadline, DeadlineState, Extension, Notification, NotificationPreference


def overdue_now() -> Q:
    """Owed and past its due time, whether or not the sweep has marked it overdue yet."""
    return Q(state=DeadlineState.OVERDUE) | Q(state__in=LIVE_STATES, due_at__lt=timezone.now())


def tasks_for(user: User, *, state: str = "") -> QuerySet[Deadline]:
    """What the user or their agency owes on things they can see: overdue first, then soonest due.
    With no ``state``, only what is still owed (open, overdue, extended)."""
    if state == DeadlineState.OVERDUE:
        tasks = policy.my_tasks(user).filter(overdue_now())
    elif state:
        tasks = policy.my_tasks(user, states=[state])
    else:
        tasks = policy.my_tasks(user)
    return (
        tasks.annotate(is_overdue=Case(When(overdue_now(), then=Value(True)), default=Value(False)))
        .select_related("case", "referral", "meeting_action", "owner", "owner_agency")
        .order_by("-is_overdue", "due_at", "pk")
    )


def notifications_for(user: User) -> QuerySet[Notification]:
    """The user's notifications: unread first, newest first within each."""
    if not user.is_authenticated:
        return Notification.objects.none()
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return Notification.objects.filter(recipient=user).order_by(unread.desc(), "-created_at", "-pk")


def preference_of(user: User) -> NotificationPreference:
    """The user's notification preference: the one they chose, or the default (an email per
    reminder, unsaved) until they choose. Reading it writes nothing."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


def unread_count(user: User) -> int:
    """How many notifications the user has not read: one query."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def unread_count_of_outer_user() -> Coalesce:
    """The unread count of the user named by the outer query's ``user_id``, as an annotation:
    the header folds it into the memberships query it already runs, so no page pays a query."""
    unread = (
        Notification.objects.filter(recipient=OuterRef("user_id"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), 0)


def visible_deadline(user: User, deadline_id: UUID) -> Deadline | None:
    """One deadline, if the policy lets the user see it: its rules tested on that row alone."""
    deadline = Deadline.objects.filter(pk=deadline_id)
    return policy.visible_deadlines_among(user, deadline).select_related("case", "referral").first()


def pending_extensions_for(user: User) -> QuerySet[Extension]:
    """Extensions waiting for a decision this user may make, on deadlines they can see: as the
    owner's supervisor, or (no one named) as a supervisor of the owning agency. The same rule as
    ``policy.decide_on_extension``. Read from the extensions waiting (few), each
    deadline tested against the policy: never from everything the user can see."""
    supervising_agencies = policy.active_memberships(user).filter(role=Role.SUPERVISOR).values("agency_id")
    owner_supervised = policy.of_supervisee(user, "owner_id", "owner_agency_id")
    owed = Q(owner_supervised) | Q(owner__isnull=True, owner_agency__in=supervising_agencies)
    pending = Extension.objects.filter(state=Extension.State.PENDING).exclude(requested_by=user)
    # Ids first, as arrays (``equals_any``): the deadlines with an extension waiting (few),
    # then those the user decides and may see, then their extensions. PostgreSQL cannot tell
    # how few these are; planned for many, it would join every deadline to fetch the rows'
    # subjects, or test the policy as if once per deadline of the table (and JIT-compile).
    asked = Deadline.objects.filter(equals_any("pk", pending.values("deadline_id"))).filter(owed)
    return (
        pending.filter(equals_any("deadline_id", policy.visible_deadlines_among(user, asked).values("pk")))
        .select_related("deadline", "deadline__case", "deadline__referral", "deadline__owner", "requested_by")
        .order_by("requested_at", "pk")
    )
