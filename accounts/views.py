"""A person's own account: its page, a new password, signing out everywhere."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import PasswordChangeView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET, require_http_methods

from access_control.request_context import request_user
from accounts import services

PASSWORD_CHANGED = "Your password is changed. Any other session you had is signed out, and your API tokens revoked."  # noqa: S105 (a message)
SIGNED_OUT_EVERYWHERE = "You are signed out everywhere, here too, and your API tokens are revoked."


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/account.html",
        {"idle_minutes": settings.SESSION_COOKIE_AGE // 60, "absolute_hours": settings.SESSION_ABSOLUTE_HOURS},
    )


class PasswordChange(PasswordChangeView):
    """Django's page for a new password (the current one first), then: the other sessions end
    (the password is in their hash; this one is kept) and API tokens are revoked."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        services.password_changed(request_user(self.request))
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
