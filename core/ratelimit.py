"""Fixed-window rate limits kept in Django's cache (Redis when configured, so limits hold
across processes)."""

from __future__ import annotations

import logging
import time

from django.core.cache import cache

from .errors import RateLimited

logger = logging.getLogger(__name__)


def hit(*, bucket: str, limit: int, window_seconds: int = 60, what: str = "posts") -> None:
    """Count one action in ``bucket``; raise ``RateLimited`` when the window's limit is used up.
    ``what`` names the actions in the error ("Too many posts")."""
    if limit <= 0:
        return
    window = int(time.time() // window_seconds)
    key = f"rl:{bucket}:{window}"
    try:
        # add() is a no-op when the key exists, so the first hit of a window starts it at 0.
        cache.add(key, 0, timeout=window_seconds + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window_seconds + 5)
            count = 1
    except Exception:
        # The cache (Redis) is down: let the post through rather than refuse every teacher;
        # the limit protects against floods, the database stays the judge of what is stored.
        logger.warning("rate limit cache unavailable; not limiting %s", bucket, exc_info=True)
        return

    if count > limit:
        retry_after = window_seconds - (time.time() % window_seconds)
        raise RateLimited(
            f"Too many {what}: at most {limit} per {window_seconds} s. "
            f"Try again in {int(retry_after) + 1} s.",
            retry_after=retry_after,
        )
