"""Devices and their push rows: registering and removing a browser's subscription (by its
owner), forgetting the subscriptions of a session that signs out, and writing one push row
per notification and device inside the notification job's transaction."""

from __future__ import annotations

import binascii
import hashlib
import ipaddress
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import User
from core import ratelimit
from core.errors import Conflict, Invalid, NotFound

from ..models import PushDelivery, PushSubscription
from .keys import b64url_decode

ENDPOINT_MAX_LENGTH = 2048
CHUNK = 5000


def endpoint_hash(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()


def session_hash(session_key: str | None) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest() if session_key else ""


def _host_allowed(host: str) -> bool:
    for allowed in settings.KRING_PUSH_SERVICE_HOSTS:
        allowed = allowed.strip().lower()
        if allowed.startswith("*."):
            if host.endswith(allowed[1:]):
                return True
        elif host == allowed:
            return True
    return False


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _valid_endpoint(endpoint: str) -> str:
    endpoint = endpoint.strip()
    if not endpoint or len(endpoint) > ENDPOINT_MAX_LENGTH:
        raise Invalid(
            _("endpoint: a URL of at most %(endpoint_max_length)s characters.")
            % {"endpoint_max_length": ENDPOINT_MAX_LENGTH}
        )
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise Invalid(_("endpoint: not a URL.")) from None
    if parts.username or parts.password or not host:
        raise Invalid(_("endpoint: not a push service's URL."))
    if not _host_allowed(host):
        raise Invalid(
            _("endpoint: %(host)s is not a push service this server sends to.") % {"host": host}
        )
    # Plain http only to a push service on this machine (a local one, as in the tests).
    if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(host)):
        raise Invalid(_("endpoint: push services are reached over https."))
    return endpoint


def _valid_keys(p256dh: str, auth: str) -> tuple[str, str]:
    try:
        point = b64url_decode(p256dh)
        secret = b64url_decode(auth)
    except (binascii.Error, ValueError):
        raise Invalid(_("keys: p256dh and auth are base64url.")) from None
    if len(point) != 65 or point[0] != 4:
        raise Invalid(_("keys.p256dh: an uncompressed P-256 public key (65 bytes)."))
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise Invalid(_("keys.p256dh: not a point on P-256.")) from None
    if len(secret) != 16:
        raise Invalid(_("keys.auth: an authentication secret of 16 bytes."))
    return p256dh.strip(), auth.strip()


_BROWSERS = [
    ("Edg/", "Edge"), ("EdgA/", "Edge"), ("OPR/", "Opera"), ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"), ("CriOS/", "Chrome"), ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"), ("Safari/", "Safari"),
]  # fmt: skip
_PLATFORMS = [
    ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("CrOS", "ChromeOS"),
    ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("Linux", "Linux"),
]  # fmt: skip


def device_of(user_agent: str) -> tuple[str, str]:
    """(browser, platform) named from a User-Agent, for the device list; blank if unknown."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), "")
    platform = next((name for mark, name in _PLATFORMS if mark in user_agent), "")
    return browser, platform


def push_subscription_register(
    *,
    user: User,
    endpoint: str,
    p256dh: str,
    auth: str,
    user_agent: str = "",
    session_key: str | None = None,
) -> tuple[PushSubscription, bool]:
    """Register this browser for the user's pushes (again: the same endpoint updates its row;
    an endpoint registered by someone else now signed in on this browser moves to ``user``).
    Returns the subscription and whether it is new. At most ``KRING_PUSH_MAX_DEVICES``."""
    endpoint = _valid_endpoint(endpoint)
    p256dh, auth = _valid_keys(p256dh, auth)
    ratelimit.limit("push_device", actor_id=user.pk, what=_("device registrations"))
    browser, platform = device_of(user_agent[:500])
    hashed = endpoint_hash(endpoint)
    with transaction.atomic():
        # The user's row first: concurrent registrations of one user queue here, so the
        # device limit holds.
        User.objects.select_for_update().filter(pk=user.pk).exists()
        existing = PushSubscription.objects.select_for_update().filter(endpoint_hash=hashed).first()
        others = PushSubscription.objects.filter(user=user).exclude(endpoint_hash=hashed).count()
        if others >= settings.KRING_PUSH_MAX_DEVICES:
            raise Conflict(
                _(
                    "You already get notifications on %(others)s devices, "
                    "the most there can be; remove one first."
                )
                % {"others": others}
            )
        fields = {
            "user": user,
            "endpoint": endpoint,
            "p256dh": p256dh,
            "auth": auth,
            "browser": browser,
            "platform": platform,
            "session_hash": session_hash(session_key),
        }
        if existing is None:
            return PushSubscription.objects.create(endpoint_hash=hashed, **fields), True
        if existing.user_id != user.pk:
            # Another teacher's pushes must not reach whoever uses this browser now.
            existing.deliveries.all().delete()
        for field, value in fields.items():
            setattr(existing, field, value)
        existing.save()
        return existing, False


def push_subscription_remove(*, user: User, subscription_id: int) -> None:
    """Remove one of the user's devices (its waiting pushes go with it)."""
    removed, _by_model = PushSubscription.objects.filter(pk=subscription_id, user=user).delete()
    if not removed:
        raise NotFound(_("No device %(subscription_id)s.") % {"subscription_id": subscription_id})


def push_subscriptions_forget_session(*, user: User, session_key: str | None) -> int:
    """Signing out removes the subscriptions registered in that session: a shared school
    computer must not keep showing the last teacher's notifications."""
    hashed = session_hash(session_key)
    if not hashed:
        return 0
    removed, _by_model = PushSubscription.objects.filter(user=user, session_hash=hashed).delete()
    return removed


def forget_on_logout(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    """``user_logged_out`` receiver (before the session is flushed)."""
    session = getattr(request, "session", None)
    # An erased account is signed out after its rows (devices included) are gone.
    if user is not None and user.pk is not None and session is not None:
        push_subscriptions_forget_session(user=user, session_key=session.session_key)


def push_deliveries_create(notification_ids: dict[int, int], user_ids: Iterable[int]) -> int:
    """One push row per notification and device of ``user_ids`` (recipients whose level lets
    their notification be delivered), given ``notification_ids`` {user: notification}. Call
    inside the notification job's transaction: the rows exist exactly when the notifications
    do. A few queries per 5,000 recipients, none per recipient. Returns the rows written."""
    wanted = [uid for uid in user_ids if uid in notification_ids]
    now = timezone.now()
    queue = settings.KRING_OUTBOX_QUEUE
    written = 0
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        devices = PushSubscription.objects.filter(user_id__in=chunk).values_list("pk", "user_id")
        rows = [
            PushDelivery(
                notification_id=notification_ids[uid],
                subscription_id=pk,
                not_before=now,
                queue=queue,
            )
            for pk, uid in devices
        ]
        PushDelivery.objects.bulk_create(rows, batch_size=1000)
        written += len(rows)
    return written
