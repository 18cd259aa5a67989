"""Every sign-in, failed sign-in, sign-out and lockout in the security log
(``access_control.security_log``), from Django's and axes' signals, connected once
(``connect``, from ``AccountsConfig.ready``).

Nothing typed is logged: a failed attempt names the account only if the address typed is one
(``about``), never the address itself, and never a password."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest
from rest_framework.request import Request

from access_control import security_log
from access_control.policy import active_memberships
from access_control.security_log import SecurityEvent
from accounts.lockout import attempted_account
from agencies.models import Agency, User


def home_agency(user: User) -> Agency | None:
    """The agency an event about ``user`` is filed under: their first active membership's."""
    membership = active_memberships(user).order_by("started_on", "pk").first()
    return membership.agency if membership is not None else None


def _account(username: str | None) -> User | None:
    if not username:
        return None
    return User.objects.filter(email=username).first()


# Set on a request once its failed sign-in is in the log: one row whichever receiver runs first.
_FAILURE_LOGGED = "tandem_sign_in_failure_logged"


def _refused_while_locked(request: Any) -> bool:
    """axes refused the attempt before its password was checked (the account or address was
    locked already): it is logged as LOCKED_OUT, not as a wrong password too."""
    return bool(getattr(request, "axes_locked_out", False)) and getattr(request, "axes_failures_since_start", 0) is None


def _log_failure(request: Any, about: User | None) -> None:
    """The wrong password, once per attempt, before the lockout it may set."""
    if request is not None:
        if getattr(request, _FAILURE_LOGGED, False) or _refused_while_locked(request):
            return
        setattr(request, _FAILURE_LOGGED, True)
    security_log.record(
        SecurityEvent.SIGN_IN_FAILED, about=about, agency=home_agency(about) if about is not None else None
    )


def _over_http(request: HttpRequest | None) -> bool:
    """A sign-in or sign-out made by an HTTP request. One without (``login()`` in a shell, a
    test client's ``force_login``) checked no credential: it is no authentication event."""
    return request is not None and request.method is not None


def log_sign_in(sender: object, request: HttpRequest, user: User, **kwargs: Any) -> None:
    if _over_http(request):
        security_log.record(SecurityEvent.SIGNED_IN, about=user, by=user, agency=home_agency(user))


def log_sign_in_failed(
    sender: object, credentials: dict[str, Any], request: HttpRequest | Request | None = None, **kwargs: Any
) -> None:
    if "password" not in credentials and request is not None:
        # Not a password (a wrong second-factor code): its checker logs it as MFA_FAILED.
        setattr(request, _FAILURE_LOGGED, True)
        return
    _log_failure(request, _account(attempted_account(request, credentials)))


def log_sign_out(sender: object, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if _over_http(request) and user is not None and user.is_authenticated:
        security_log.record(SecurityEvent.SIGNED_OUT, about=user, by=user, agency=home_agency(user))


def log_locked_out(sender: object, request: HttpRequest | Request, username: str | None, **kwargs: Any) -> None:
    """axes' ``user_locked_out``: this attempt was refused for too many failures. Through the
    API the attempt's request is DRF's; the flag is passed to Django's own request so that
    ``axes.middleware.AxesMiddleware`` answers it as locked (429) rather than as a wrong password."""
    if isinstance(request, Request):
        request._request.axes_locked_out = True  # type: ignore[attr-defined]
    about = _account(username)
    _log_failure(request, about)  # the failure that set the lock, if it did
    security_log.record(SecurityEvent.LOCKED_OUT, about=about, agency=home_agency(about) if about is not None else None)


def connect() -> None:
    user_logged_in.connect(log_sign_in, dispatch_uid="accounts.signals.log_sign_in")
    user_login_failed.connect(log_sign_in_failed, dispatch_uid="accounts.signals.log_sign_in_failed")
    user_logged_out.connect(log_sign_out, dispatch_uid="accounts.signals.log_sign_out")
    user_locked_out.connect(log_locked_out, dispatch_uid="accounts.signals.log_locked_out")
