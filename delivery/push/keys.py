"""The server's VAPID key (RFC 8292): signs every push; browsers subscribe with its public half.

``KRING_VAPID_PRIVATE_KEY`` is base64url of the raw 32-byte P-256 private key (what
``manage.py vapid_key`` prints); with nothing set, a key generated into ``.vapid_key``.
"""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core import checks
from py_vapid import Vapid


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    """Raises ``ValueError`` (``binascii.Error``) for text that is not base64url."""
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@lru_cache(maxsize=4)
def _vapid_for(private_key: str) -> Vapid:
    raw = b64url_decode(private_key)
    if len(raw) != 32:
        raise ValueError("KRING_VAPID_PRIVATE_KEY must be 32 bytes, base64url encoded.")
    return Vapid(ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1()))


def vapid() -> Vapid:
    """The signer of this deployment's pushes (py_vapid's RFC 8292 ``vapid t=…,k=…``)."""
    return _vapid_for(settings.KRING_VAPID_PRIVATE_KEY)


def public_key(private_key: str | None = None) -> str:
    """The ``applicationServerKey`` browsers subscribe with: base64url of the uncompressed
    public point (65 bytes); of this deployment's key unless ``private_key`` is given."""
    signer = _vapid_for(private_key) if private_key else vapid()
    point = signer.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


def generate_private_key() -> str:
    """A new private key in the setting's format."""
    number = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
    return b64url(number.to_bytes(32, "big"))


def check_vapid_key(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A system check: a key that cannot sign would fail every push, so say so at start-up."""
    try:
        vapid()
    except (ValueError, binascii.Error) as exc:
        message = f"KRING_VAPID_PRIVATE_KEY is not a usable key: {exc}"
        return [checks.Error(message, id="kring.E101")]
    subject = settings.KRING_VAPID_SUBJECT
    if not subject.startswith(("mailto:", "https://")):
        message = "KRING_VAPID_SUBJECT must be a mailto: or https: URL."
        return [checks.Error(message, id="kring.E102")]
    return []


def check_vapid_key_is_configured(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """A deployment check: the generated per-checkout key differs between machines, and
    browsers subscribed with one key cannot be pushed to with another."""
    local = Path(settings.BASE_DIR) / ".vapid_key"
    if local.exists() and local.read_text().strip() == settings.KRING_VAPID_PRIVATE_KEY:
        return [
            checks.Warning(
                "Web Push signs with the key generated into .vapid_key.",
                hint="Set KRING_VAPID_PRIVATE_KEY (manage.py vapid_key), the same on every "
                "process, and never change it.",
                id="kring.W101",
            )
        ]
    return []
