"""Rate limits for the public pages and API, per client address, shared by every web process
(the cache is Redis). The address is never stored: only a keyed SHA-256 digest of it."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from web.client import client_address
from web.limits import count_one_more

__all__ = ["client_address", "over_limit", "rate_limit_key"]

WINDOW_SECONDS = 3600


def rate_limit_key(address: str, scope: str) -> str:
    digest = salted_hmac("referrals.public-rate-limit", address, algorithm="sha256").hexdigest()
    return f"public-{scope}:{digest}"


def over_limit(request: HttpRequest, scope: str, per_hour: int) -> bool:
    """Count this request against the client's hourly allowance. If the cache cannot be
    reached the request is let through: a concern about a child must not be lost to an
    outage, and the honeypot and the timing check still stand."""
    count = count_one_more(rate_limit_key(client_address(request), scope), WINDOW_SECONDS, "Public form rate limit")
    return count is not None and count > per_hour
