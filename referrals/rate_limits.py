"""Rate limits for the public pages and API, per client address, shared by every web process
(the cache is Redis). The address is never stored: only a keyed SHA-256 digest of it."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 3600


def client_address(request: HttpRequest) -> str:
    """The client's address. Behind NUM_PROXIES trusted proxies it is the entry that the
    outermost proxy appended to X-Forwarded-For; with none, the connection's own address
    (a client's own X-Forwarded-For header is never believed)."""
    hops = settings.NUM_PROXIES
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return str(request.META.get("REMOTE_ADDR", ""))


def rate_limit_key(address: str, scope: str) -> str:
    digest = salted_hmac("referrals.public-rate-limit", address, algorithm="sha256").hexdigest()
    return f"public-{scope}:{digest}"


def over_limit(request: HttpRequest, scope: str, per_hour: int) -> bool:
    """Count this request against the client's hourly allowance. If the cache cannot be
    reached the request is let through: a concern about a child must not be lost to an
    outage, and the honeypot and the timing check still stand."""
    key = rate_limit_key(client_address(request), scope)
    try:
        cache.add(key, 0, timeout=WINDOW_SECONDS)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=WINDOW_SECONDS)
            count = 1
    except (RedisError, OSError):
        logger.warning("Public form rate limit unavailable; request allowed.", exc_info=True)
        return False
    return count > per_hour
