"""Posting pushes to the push services: each payload encrypted to its device (RFC 8291,
``aes128gcm``) by ``pywebpush``, with this deployment's VAPID token (RFC 8292), several at
once, never following a redirect; the answer sorted into sent / gone / retry / failed."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from pywebpush import WebPushException, webpush

from . import keys

logger = logging.getLogger(__name__)
RETRY_MAX_SECONDS = 3600


@dataclass
class Push:
    """One POST to a push service, settling ``rows``."""

    rows: list[int]
    subscription_id: int
    info: dict[str, Any]
    payload: str
    urgency: str = "normal"


@dataclass
class Result:
    outcome: str  # "sent", "gone", "retry" or "failed"
    detail: str = ""
    retry_after: float | None = None


class _NoRedirects:
    """What pywebpush posts through: a requests session that never follows a redirect, so a
    push service cannot send the worker to another host."""

    def __init__(self, session: requests.Session) -> None:
        self.session = session

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self.session.post(url, allow_redirects=False, **kwargs)


_local = threading.local()
_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def _session() -> _NoRedirects:
    if not hasattr(_local, "session"):
        _local.session = _NoRedirects(requests.Session())  # keeps connections per thread
    return _local.session


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=max(1, settings.KRING_PUSH_CONCURRENCY), thread_name_prefix="push"
            )
        return _pool


def post_all(pushes: list[Push]) -> list[Result]:
    return list(_executor().map(_post, pushes))


_signatures: dict[str, tuple[float, str]] = {}
SIGNATURE_SECONDS = 3600  # a VAPID token is reused this long, and valid 12 hours
VAPID_EXPIRY_SECONDS = 12 * 3600


def _authorization(endpoint: str) -> str:
    """The VAPID ``Authorization`` for the endpoint's push service (RFC 8292: ``aud`` is its
    origin): signed once an hour per push service, not once per push."""
    parts = urlsplit(endpoint)
    audience = f"{parts.scheme}://{parts.netloc}"
    now = time.time()
    cached = _signatures.get(audience)
    if cached is None or cached[0] < now:
        claims = {
            "sub": settings.KRING_VAPID_SUBJECT,
            "aud": audience,
            "exp": int(now) + VAPID_EXPIRY_SECONDS,
        }
        cached = (now + SIGNATURE_SECONDS, keys.vapid().sign(claims)["Authorization"])
        _signatures[audience] = cached
    return cached[1]


def _post(push: Push) -> Result:
    try:
        webpush(
            push.info,
            data=push.payload,
            ttl=settings.KRING_PUSH_TTL_SECONDS,
            timeout=settings.KRING_PUSH_TIMEOUT_SECONDS,
            headers={
                "Authorization": _authorization(push.info["endpoint"]),
                "Urgency": push.urgency,
            },
            requests_session=_session(),  # type: ignore[arg-type]
        )
    except WebPushException as exc:
        status = exc.status_code
        if status in (404, 410):
            return Result("gone", f"{status}")
        if status is None or status == 429 or status >= 500:
            return Result("retry", f"{status}", _retry_after(exc.retry_after))
        return Result("failed", f"{status}: {str(exc)[:250]}")
    except requests.RequestException as exc:
        return Result("retry", f"{type(exc).__name__}")
    except Exception as exc:
        logger.exception("push to device %s failed", push.subscription_id)
        return Result("failed", f"{type(exc).__name__}: {str(exc)[:250]}")
    return Result("sent")


def _retry_after(value: str | None) -> float | None:
    try:
        return min(float(value), RETRY_MAX_SECONDS) if value else None
    except ValueError:
        return None  # an HTTP date: the usual back-off will do
