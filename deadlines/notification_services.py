"""Writes a person makes to their own notifications: marking them read, choosing a digest.
(Reminder notifications themselves are written by ``deadlines.reminders``.)"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from agencies.models import User
from deadlines.models import Notification, NotificationPreference


def mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications read: those named, or all when none are named.
    Only the user's own notifications change, whatever ids are given; returns how many did."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())


@transaction.atomic
def set_digest(*, user: User, daily_digest: bool) -> NotificationPreference:
    """Record whether the user takes one daily digest instead of an email per reminder."""
    preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    if preference.daily_digest != daily_digest:
        preference.daily_digest = daily_digest
        preference.full_clean()
        preference.save(update_fields=["daily_digest"])
    return preference
