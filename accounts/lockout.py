"""Lockout after failed sign-ins (django-axes, its attempts in the database), and the limits on
asking for and using password-reset links.

Every password checked through ``django.contrib.auth.authenticate(request=…)`` counts: the
sign-in page, the API's token endpoint, anything else that signs in with a password. A wrong
password is a row of axes' ``AccessAttempt`` (the account as typed, lower-cased, and the
address); within ``AXES_COOLOFF_TIME`` of the last failure,

- an **account** with ``AXES_FAILURE_LIMIT`` failures, from anywhere, is locked, and
- an **address** with ``LOCKOUT_ADDRESS_FAILURE_LIMIT`` failures, on any accounts, is locked
  (higher: a whole office signs in from one address).

A locked attempt is refused before its password is checked, right or wrong, and the lock runs
out ``AXES_COOLOFF_TIME`` after the failure that set it (trying again does not lengthen it).
A sign-in that succeeds clears the account's failures. An agency admin may lift a member's
lock sooner (``agencies.lockouts.unlock_member``)."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from rest_framework.request import Request

from agencies.lockouts import failures
from agencies.models import User
from web.client import client_address
from web.limits import count_one_more

# The longest account name axes stores; anything longer is cut (it names no account).
_USERNAME_LENGTH = 255


def attempted_account(request: HttpRequest | Request | None, credentials: dict[str, Any] | None) -> str | None:
    """The account an attempt is on (``AXES_USERNAME_CALLABLE``): the email address typed, as
    the sign-in form ("username"), DRF's token serializer ("username") or basic authentication
    ("email") passes it; lower-cased, as accounts are stored, so "Sam@…" counts with "sam@…"."""
    value = None
    if credentials:
        value = credentials.get("username") or credentials.get(User.USERNAME_FIELD)
    elif request is not None:
        data = getattr(request, "data", None) or request.POST
        value = data.get("username") or data.get(User.USERNAME_FIELD)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower()[:_USERNAME_LENGTH]


def attempt_address(request: HttpRequest | Request) -> str | None:
    """The address an attempt comes from (``AXES_CLIENT_IP_CALLABLE``): the same as every rate
    limit counts it (``web.client.client_address``, trusting ``NUM_PROXIES`` proxies)."""
    return client_address(request) or None


class LockoutBackend(AxesStandaloneBackend):
    """axes' backend, first of ``AUTHENTICATION_BACKENDS``: a locked attempt is refused before
    any password is checked. A check without a request (a test client's ``login``, a shell)
    is still refused for a locked account; there is no address to count it by."""

    def authenticate(  # type: ignore[no-untyped-def]
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ):
        return super().authenticate(request or HttpRequest(), username, password, **kwargs)


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler, with a limit per account and a higher one per address."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        """The failures that count against this attempt, on the scale of AXES_FAILURE_LIMIT:
        the account's own, or the limit itself once the address has reached its limit."""
        recent = AccessAttempt.objects.filter(attempt_time__gte=request.axes_attempt_time - get_cool_off(request))
        username = get_client_username(request, credentials)
        on_account = failures(recent.filter(username=username)) if username else 0
        address = getattr(request, "axes_ip_address", None)
        if address and failures(recent.filter(ip_address=address)) >= settings.LOCKOUT_ADDRESS_FAILURE_LIMIT:
            return max(on_account, settings.AXES_FAILURE_LIMIT)
        return on_account

    def reset_user_attempts(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        """On a successful sign-in: the account's failures go, not the whole address's (one
        good password must not wipe the count of guesses at everyone else's)."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def cool_off_minutes() -> int:
    return int(get_cool_off().total_seconds() // 60)


# --- limits on the password-reset pages: a count per hour in the shared cache -----------------

LIMIT_PREFIX = "accounts-limit"
LIMIT_WINDOW_SECONDS = 3600


def limit_key(scope: str, identity: str) -> str:
    digest = salted_hmac("accounts.limits", f"{scope}:{identity}", algorithm="sha256").hexdigest()
    return f"{LIMIT_PREFIX}:{scope}:{digest}"


def over_limit(scope: str, identity: str, per_hour: int) -> bool:
    """Count one more request of ``scope`` by ``identity`` (an address, an email address:
    only a keyed digest of it is kept) and say whether it is past ``per_hour``. Without the
    cache the request goes through, with a warning: the pages still check every link."""
    count = count_one_more(limit_key(scope, identity), LIMIT_WINDOW_SECONDS, "Password reset limit")
    return count is not None and count > per_hour
