"""A person's own account: its page, a new password, signing out everywhere, revoking API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordChangeView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET, require_http_methods

from access_control import security_log
from access_control.request_context import request_user
from access_control.security_log import SecurityEvent
from accounts import services, tokens
from accounts.forms import PasswordChangeForm
from accounts.signals import home_agency
from agencies import second_factor
from agencies.models import User

PASSWORD_CHANGED = "Your password is changed. Any other session you had is signed out, and your API tokens revoked."  # noqa: S105 (a message)
SIGNED_OUT_EVERYWHERE = "You are signed out everywhere, here too, and your API tokens are revoked."
TOKEN_REVOKED = "The API token for “{client}” is revoked."  # noqa: S105 (a message)
TOKENS_REVOKED = "All your API tokens are revoked."


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/account.html",
        {
            "idle_minutes": settings.SESSION_COOKIE_AGE // 60,
            "absolute_hours": settings.SESSION_ABSOLUTE_HOURS,
            **_second_factor(request_user(request)),
            "api_tokens": tokens.mine(request_user(request)),
            "token_hours": settings.API_TOKEN_TTL_HOURS,
        },
    )


def _second_factor(user: User) -> dict[str, object]:
    """The account page's second-factor section: set up or not, recovery codes left."""
    enrolled = second_factor.has_second_factor(user)
    return {
        "second_factor": enrolled,
        "recovery_codes_left": second_factor.recovery_codes_left(user) if enrolled else 0,
        "mfa_required": settings.MFA_REQUIRED,
    }


class PasswordChange(PasswordChangeView):
    """Django's page for a new password (the current one first), then: the other sessions end
    (the password is in their hash; this one is kept) and API tokens are revoked."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")
    form_class = PasswordChangeForm

    def form_valid(self, form: auth_forms.PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        user = request_user(self.request)
        services.password_changed(user)
        security_log.record(SecurityEvent.PASSWORD_CHANGED, about=user, by=user, agency=home_agency(user))
        messages.success(self.request, PASSWORD_CHANGED)
        return response


@login_required
@require_http_methods(["GET", "POST"])
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """GET asks to confirm; POST ends every session the person has, this one too."""
    if request.method == "POST":
        services.sign_out_everywhere(request_user(request))
        logout(request)
        messages.success(request, SIGNED_OUT_EVERYWHERE)
        return redirect("login")
    return render(request, "accounts/sign_out_everywhere.html")


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """GET asks to confirm; POST revokes one of the person's API tokens (404 for any other)."""
    user = request_user(request)
    token = tokens.get_mine(user, token_id)
    if request.method == "POST":
        tokens.revoke_mine(user, token.pk)
        messages.success(request, TOKEN_REVOKED.format(client=token.client))
        return redirect("accounts:account")
    return render(request, "accounts/token_revoke.html", {"token": token})


@login_required
@require_http_methods(["GET", "POST"])
def tokens_revoke_all(request: HttpRequest) -> HttpResponse:
    """GET asks to confirm; POST revokes every API token the person has."""
    user = request_user(request)
    if request.method == "POST":
        tokens.revoke_all_mine(user)
        messages.success(request, TOKENS_REVOKED)
        return redirect("accounts:account")
    return render(request, "accounts/token_revoke.html", {"token": None, "api_tokens": tokens.mine(user)})
