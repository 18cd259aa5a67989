"""How long a session lives, whatever it does.

A session ends after ``SESSION_IDLE_MINUTES`` without a request (Django's cookie age, renewed
by every request) and, however busy, ``SESSION_ABSOLUTE_HOURS`` after it signed in: a session
left open on a shared computer does not last for ever."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from access_control import security_log
from access_control.request_context import request_user
from access_control.security_log import SecurityEvent
from accounts.signals import home_agency

SIGNED_IN_AT = "tandem_signed_in_at"
SESSION_OVER = "You have been signed in for {hours} hours, the longest a session lasts: sign in again."


def note_sign_in(sender: object, request: HttpRequest, user: object, **kwargs: Any) -> None:
    """On ``user_logged_in``: the moment the session's lifetime counts from."""
    request.session[SIGNED_IN_AT] = timezone.now().isoformat()


def connect() -> None:
    user_logged_in.connect(note_sign_in, dispatch_uid="accounts.middleware.note_sign_in")


def absolute_lifetime() -> timedelta:
    return timedelta(hours=settings.SESSION_ABSOLUTE_HOURS)


def _signed_in_at(request: HttpRequest) -> datetime:
    """When this session signed in; a session from before that was noted counts from now."""
    value = request.session.get(SIGNED_IN_AT)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    now = timezone.now()
    request.session[SIGNED_IN_AT] = now.isoformat()
    return now


class SessionLifetimeMiddleware:
    """Sign out a session that signed in more than ``SESSION_ABSOLUTE_HOURS`` ago. The request
    goes on signed out: a page asks to sign in again (and says why); the API answers as it
    does anyone not signed in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and timezone.now() - _signed_in_at(request) > absolute_lifetime():
            user = request_user(request)
            security_log.record(SecurityEvent.SESSION_EXPIRED, about=user, by=user, agency=home_agency(user))
            logout(request)
            messages.info(request, SESSION_OVER.format(hours=settings.SESSION_ABSOLUTE_HOURS))
        return self.get_response(request)
