"""What a locked-out attempt is answered with, and the password-reset pages with their limits.

A locked attempt (accounts.lockout) is a 429: the sign-in page says for how long and what to
do; the API answers ``{"detail": …}``. Asking for a reset link is limited per address and per
email address typed, using one per address; the counts are kept whether or not an account has
that address, so the answer never tells whether it has."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.contrib.auth.views import PasswordResetConfirmView, PasswordResetView
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from rest_framework.request import Request

from access_control import security_log
from access_control.security_log import SecurityEvent
from accounts import lockout, services
from accounts.signals import home_agency
from agencies.models import User
from web.client import client_address

LOCKED_OUT_DETAIL = (
    "Too many failed sign-ins: this account or connection is locked for up to {minutes} minutes. "
    "Wait and try again, or ask your agency admin to let you sign in again."
)
TOO_MANY_REQUESTS = 429


def _is_api(request: HttpRequest | Request) -> bool:
    return request.path.startswith("/api/")


def locked_out(
    request: HttpRequest | Request, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the answer to an attempt refused as locked out."""
    minutes = lockout.cool_off_minutes()
    retry_after = str(minutes * 60)
    if _is_api(request):
        response: HttpResponse = JsonResponse(
            {"detail": LOCKED_OUT_DETAIL.format(minutes=minutes)}, status=TOO_MANY_REQUESTS
        )
    else:
        response = render(request, "registration/locked_out.html", {"minutes": minutes}, status=TOO_MANY_REQUESTS)
    response["Retry-After"] = retry_after
    return response


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/too_many_requests.html", status=TOO_MANY_REQUESTS)


class PasswordReset(PasswordResetView):
    """Django's page to ask for a reset link, limited per address and per email address."""

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        email = form.cleaned_data["email"].strip().lower()
        by_address = lockout.over_limit(
            "reset-address", client_address(self.request), settings.PASSWORD_RESET_RATE_PER_HOUR
        )
        by_email = lockout.over_limit("reset-email", email, settings.PASSWORD_RESET_EMAIL_RATE_PER_HOUR)
        if by_address or by_email:
            return _too_many(self.request)
        return super().form_valid(form)


class SetPassword(PasswordResetConfirmView):
    """Django's page to choose a password from an emailed link (a reset or an invitation),
    limited per address; the new password is in the security log."""

    def dispatch(self, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if lockout.over_limit("set-password", client_address(self.request), settings.SET_PASSWORD_RATE_PER_HOUR):
            return _too_many(self.request)
        return super().dispatch(*args, **kwargs)

    def form_valid(self, form: SetPasswordForm[User]) -> HttpResponse:
        response = super().form_valid(form)
        services.password_changed(form.user)
        security_log.record(SecurityEvent.PASSWORD_RESET, about=form.user, by=form.user, agency=home_agency(form.user))
        return response
