"""The second step of signing in, on every request.

A password signs a session in; for a person with a second factor it counts only once a code
has been given too (django-otp's ``OTPMiddleware`` says whether it has: ``is_verified()``).
Until then every page sends them to the code step, and where ``MFA_REQUIRED`` is on, a person
without a second factor is sent to set one up first. Signing out is always there. The API
answers such a session as it answers anyone not signed in.

Whether the person has a second factor is noted in the session when it signs in, so that a
request of someone without one costs no query. Setting one up ends every other session (they
would not know), and a session noted as having one checks again before it is held (an admin
may have reset it since)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from agencies.second_factor import has_second_factor

CODE_STEP = "accounts:mfa_verify"
ENROL_STEP = "accounts:mfa_enrol"
ALWAYS_OPEN = ("logout", "csp_report", "healthz")
HAS_SECOND_FACTOR = "tandem_mfa_has_second_factor"


def note_sign_in(sender: object, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """On ``user_logged_in``: whether this person has a second factor to give."""
    request.session[HAS_SECOND_FACTOR] = has_second_factor(user)


def connect() -> None:
    user_logged_in.connect(note_sign_in, dispatch_uid="accounts.mfa_middleware.note_sign_in")


def step_needed(request: HttpRequest) -> str | None:
    """The URL name of the step this signed-in session must take before anything else, if any."""
    user: Any = request.user
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return None
    noted = request.session.get(HAS_SECOND_FACTOR)
    if noted is None or noted:
        if has_second_factor(user):
            request.session[HAS_SECOND_FACTOR] = True
            return CODE_STEP
        request.session[HAS_SECOND_FACTOR] = False
    if settings.MFA_REQUIRED:
        return ENROL_STEP
    return None


class SecondFactorMiddleware:
    """After authentication and ``OTPMiddleware``: hold a half-signed-in session at its step."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and (step := step_needed(request)) is not None:
            if request.path.startswith("/api/"):
                request.user = AnonymousUser()
            elif request.path not in {reverse(name) for name in (step, *ALWAYS_OPEN)}:
                return redirect_to_login(request.get_full_path(), login_url=reverse(step))
        return self.get_response(request)
