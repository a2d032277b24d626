"""Fixed-window rate limits kept in Django's cache (Redis when configured, so limits hold
across processes). Every write path counts its actions here: ``limit("share", actor_id=...)``
with the numbers of ``KRING_RATE_LIMITS`` (a setting), so one account cannot flood a community
with materials, join/leave cycles, reports or notifications."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from .errors import RateLimited

logger = logging.getLogger(__name__)


def limit(action: str, *, actor_id: int, what: str) -> None:
    """Count one ``action`` (a key of ``KRING_RATE_LIMITS``) by ``actor_id``; raise
    ``RateLimited`` (429 with Retry-After; ``rate_limited`` on a socket) when their window is
    used up. ``what`` names the actions for the reader ("shared materials")."""
    count, window = settings.KRING_RATE_LIMITS[action]
    hit(bucket=f"{action}:{actor_id}", limit=count, window_seconds=window, what=what)


def allow(action: str, *, actor_id: int) -> bool:
    """Like ``limit``, for what is better dropped than refused (a notification)."""
    try:
        count, window = settings.KRING_RATE_LIMITS[action]
        hit(bucket=f"{action}:{actor_id}", limit=count, window_seconds=window, what=action)
    except RateLimited:
        return False
    return True


def unlimited() -> dict[str, tuple[int, int]]:
    """``KRING_RATE_LIMITS`` with every limit off: for loading demo data and test set-up."""
    return {action: (0, window) for action, (_, window) in settings.KRING_RATE_LIMITS.items()}


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
            _("Too many %(what)s: at most %(limit)s per %(window)s s. Try again in %(wait)s s.")
            % {
                "what": what,
                "limit": limit,
                "window": window_seconds,
                "wait": int(retry_after) + 1,
            },
            retry_after=retry_after,
        )
