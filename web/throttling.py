"""The API's throttles, failing open when their cache cannot be reached.

A throttle counts requests in Redis (the cache every web process shares). With Redis down,
DRF's throttles raise, and every API request answered 500: the case record, adding an entry,
signing in for a token. A throttle guards against abuse; it must not take the service down
with it. So a throttle that cannot reach its cache lets the request through and logs a
warning (``tandem.throttling``), and the request goes on to the policy as always. What
throttling cannot count during the outage, the access log still records."""

from __future__ import annotations

import logging
from typing import Any

from redis.exceptions import RedisError
from rest_framework import throttling
from rest_framework.request import Request

logger = logging.getLogger("tandem.throttling")


class FailOpen:
    """A throttle mixin: the cache's errors let the request through, with a warning."""

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            allowed: bool = super().allow_request(request, view)  # type: ignore[misc]
        except (RedisError, OSError) as error:
            logger.warning("%s cannot reach its cache (%s); the request is let through.", type(self).__name__, error)
            return True
        return allowed


class AnonRateThrottle(FailOpen, throttling.AnonRateThrottle):
    """Per address, for requests without a sign-in."""


class UserRateThrottle(FailOpen, throttling.UserRateThrottle):
    """Per signed-in user."""
