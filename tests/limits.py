"""The password-reset limits (accounts.lockout.over_limit) count in Redis, which outlives a
test and a run: every test starts with nothing counted."""

from __future__ import annotations

from django.core.cache import cache
from redis.exceptions import RedisError

from accounts.lockout import LIMIT_PREFIX


def forget_limits() -> None:
    pattern = cache.make_key(f"{LIMIT_PREFIX}:*")
    client_of = getattr(cache, "_cache", None)
    if client_of is None or not hasattr(client_of, "get_client"):
        cache.clear()  # the local-memory cache of a run without Redis
        return
    try:
        client = client_of.get_client(write=True)
        keys = list(client.scan_iter(match=pattern))
        if keys:
            client.delete(*keys)
    except (RedisError, OSError):
        pass  # a test that stopped Redis: nothing can be counted either
