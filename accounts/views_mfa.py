"""A second factor: setting up an authenticator app, new recovery codes, and the code step of
signing in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from access_control.request_context import request_user
from accounts import mfa
from accounts.forms import ConfirmAppForm, SignInCodeForm
from accounts.mfa_middleware import HAS_SECOND_FACTOR
from agencies import second_factor
from agencies.second_factor import Outcome
from web.forms import saved

WRONG_CODE = "That code is not right. Check it and try again."
WAIT = "That was too soon after a wrong code. Wait a few seconds, then type the code your app shows then."
RECOVERY_USED = "You signed in with a recovery code, which now will not work again. You have {left} left."
NEW_CODES_MADE = "Your new recovery codes are below. The old ones no longer work."


def _next(request: HttpRequest) -> str:
    """Where to go afterwards: the ``next`` asked for, if it is on this site; else home."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url("home")


def _show_recovery_codes(request: HttpRequest, codes: list[str], heading: str) -> HttpResponse:
    """The recovery codes, this once (the page is not stored: ``web.middleware.NoStoreMiddleware``)."""
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "heading": heading, "next": _next(request)})


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up (or replace) the authenticator app: its QR code and secret, and a code from it to
    confirm; then the recovery codes, shown once."""
    user = request_user(request)
    form = ConfirmAppForm(request.POST or None)
    if done := saved(request, form, lambda data: mfa.confirm(user, request.session, data["code"])):
        device, codes = done.result
        update_session_auth_hash(request, user)  # every other session has ended; this one goes on
        otp_login(request, device)  # and has given a code from the app
        request.session[HAS_SECOND_FACTOR] = True
        return _show_recovery_codes(request, codes, "Your authenticator app is set up")
    secret = mfa.pending_secret(request.session)
    return render(
        request,
        "accounts/two_factor.html",
        {
            "form": form,
            "qr_code": mfa.qr_code_svg(mfa.setup_link(user, secret)),
            "secret": mfa.secret_text(secret),
            "replacing": second_factor.has_second_factor(user),
            "next": _next(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """GET asks to confirm; POST makes ten new recovery codes (the old ones stop) and shows them."""
    user = request_user(request)
    if not second_factor.has_second_factor(user):
        return redirect("accounts:mfa_enrol")
    if request.method == "POST":
        return _show_recovery_codes(request, mfa.new_recovery_codes(user), "Your new recovery codes")
    return render(request, "accounts/recovery_codes_new.html", {"left": second_factor.recovery_codes_left(user)})


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app, or a recovery code."""
    user = request_user(request)
    if not second_factor.has_second_factor(user):
        return redirect(_next(request))
    form = SignInCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        checked = second_factor.check_code(request, user, form.cleaned_data["code"])
        if checked.device is not None:
            request.session.cycle_key()
            otp_login(request, checked.device)
            if checked.outcome is Outcome.RECOVERY_USED:
                messages.warning(request, RECOVERY_USED.format(left=second_factor.recovery_codes_left(user)))
            return redirect(_next(request))
        if getattr(request, "axes_locked_out", False):
            # The lockout counted one failure too many: this half-signed-in session ends.
            logout(request)
            return redirect("login")
        form.add_error("code", WAIT if checked.outcome is Outcome.WAIT else WRONG_CODE)
    return render(request, "registration/two_factor_code.html", {"form": form, "next": _next(request)})
