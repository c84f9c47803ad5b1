"""A fixed-window rate limit for anonymous endpoints, kept in the cache (Redis in production).

The cache is shared by every ASGI process, so a client cannot spread its requests across
processes to get around the limit.
"""

import time

from django.core.cache import cache


def client_ip(request) -> str:
    # Behind a proxy, set it to overwrite REMOTE_ADDR (docs/operations.md); X-Forwarded-For
    # is not trusted here because any client can send it.
    return request.META.get("REMOTE_ADDR", "unknown")


def hit(scope: str, key: str, *, limit: int, window_seconds: int = 60) -> bool:
    """Count one request; False when `key` has gone over `limit` in the current window."""
    bucket = int(time.time() // window_seconds)
    cache_key = f"ratelimit:{scope}:{key}:{bucket}"
    # Increment first: a key that already counts (every message after a client's first in a
    # window) costs one Redis round trip instead of two (bench/chat_load.py profile).
    try:
        return cache.incr(cache_key) <= limit
    except ValueError:
        pass
    if cache.add(cache_key, 1, timeout=window_seconds + 1):
        return True
    # Another request created the key between our incr and add.
    return cache.incr(cache_key) <= limit
