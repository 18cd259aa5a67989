"""How long ago, or how long until, in the home page's words: Django's ``timesince`` and
``timeuntil`` say "0 minutes" for anything under a minute, which reads as a fault; here that
is "just now" or "under a minute"."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.timesince import timesince, timeuntil

register = template.Library()

A_MINUTE = 60


@register.filter
def ago(when: datetime, now: datetime) -> str:
    """ "3 hours ago", or "just now" within the minute (and for a moment a clock put ahead)."""
    if (now - when).total_seconds() < A_MINUTE:
        return "just now"
    return f"{timesince(when, now)} ago"


@register.filter
def time_since(when: datetime, now: datetime) -> str:
    """How long since ``when`` ("2 days"), or "under a minute"."""
    if (now - when).total_seconds() < A_MINUTE:
        return "under a minute"
    return timesince(when, now)


@register.filter
def time_until(when: datetime, now: datetime) -> str:
    """How long until ``when`` ("4 hours"), or "under a minute"."""
    if (when - now).total_seconds() < A_MINUTE:
        return "under a minute"
    return timeuntil(when, now)
