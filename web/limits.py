"""Counting requests in a window, in the cache every web process shares (Redis), failing open."""

from __future__ import annotations

import logging

from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def count_one_more(key: str, window_seconds: int, what: str) -> int | None:
    """Add one to the count at ``key`` (started afresh ``window_seconds`` after its first) and
    answer it; None, with a warning naming ``what`` is let through, when the cache cannot be
    reached."""
    try:
        cache.add(key, 0, timeout=window_seconds)
        try:
            return int(cache.incr(key))
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window_seconds)
            return 1
    except (RedisError, OSError):
        logger.warning("%s unavailable; request allowed.", what, exc_info=True)
        return None
