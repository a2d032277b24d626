"""A Redis cache that degrades to this process's memory while Redis is down.

Everything that uses Django's cache keeps working without Redis: allauth's rate limits (login,
sign-up, password reset), its TOTP replay guard, Kring's post limits. Limits then hold per
process instead of across processes, which is better than answering 500 to every sign-in.
After a failure Redis is left alone for ``RETRY_SECONDS`` (so a dead Redis costs no connect
timeout per call), then tried again; values written meanwhile stay local.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


def _falls_back(name: str) -> Any:
    def method(self: FallbackRedisCache, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() >= self._redis_down_until:
            try:
                return getattr(super(FallbackRedisCache, self), name)(*args, **kwargs)
            except REDIS_DOWN as exc:
                self._redis_down_until = time.monotonic() + RETRY_SECONDS
                logger.warning(
                    "cache: Redis unavailable (%s); using this process's memory for %.0f s",
                    exc.__class__.__name__,
                    RETRY_SECONDS,
                )
        return getattr(self._local, name)(*args, **kwargs)

    method.__name__ = name
    return method


class FallbackRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        # fail fast when Redis is gone, rather than holding a request for seconds
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 1.0)
        super().__init__(server, {**params, "OPTIONS": options})
        # one store per process (LocMemCache shares by name; Django makes an instance per thread)
        self._local = LocMemCache(f"kring-fallback-{server}", {**params, "OPTIONS": {}})
        self._redis_down_until = 0.0

    for _name in (
        "add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "set_many",
        "delete_many", "clear",
    ):  # fmt: skip
        locals()[_name] = _falls_back(_name)
    del _name
