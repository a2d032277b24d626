"""A push service for the tests: a real HTTP server on 127.0.0.1 that takes Web Pushes
(RFC 8030) the way a browser vendor's does, and checks them as a browser would.

* ``Device`` is the browser's side of a subscription: a P-256 key pair and a 16-byte auth
  secret, made as ``PushManager.subscribe`` makes them, and an endpoint on this service.
* Each push's VAPID ``Authorization`` (RFC 8292) is verified: ES256 signature by the key in
  ``k``, ``aud`` = this service's origin, ``exp`` in the future and at most 24 hours ahead,
  a ``sub``. A push without a valid one is refused with 401 (and recorded as a problem).
* Each body is decrypted (RFC 8291, ``aes128gcm``) with the device's private key and auth
  secret, independently of the library that encrypted it (``cryptography``'s HKDF and
  AES-GCM, as a browser does), and recorded with its headers.
* A device can be told to answer with another status (410 gone, 404, 429, 500...).
"""

from __future__ import annotations

import base64
import json
import os
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def decrypt_aes128gcm(body: bytes, private_key: ec.EllipticCurvePrivateKey, auth: bytes) -> bytes:
    """RFC 8291 section 3.4 / RFC 8188: what the browser does with a push's body."""
    salt, record_size, id_length = body[:16], struct.unpack("!I", body[16:20])[0], body[20]
    sender_public = body[21 : 21 + id_length]
    ciphertext = body[21 + id_length :]
    assert id_length == 65, "keyid must be the sender's uncompressed P-256 key (RFC 8291 4)"
    assert len(ciphertext) <= record_size, "one record (a push is at most 4096 bytes)"
    receiver_public = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    shared = private_key.exchange(
        ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender_public)
    )
    key_info = b"WebPush: info\x00" + receiver_public + sender_public
    ikm = _hkdf(auth, shared, key_info, 32)
    cek = _hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = _hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
    padded = AESGCM(cek).decrypt(nonce, ciphertext, None)
    unpadded = padded.rstrip(b"\x00")
    assert unpadded.endswith(b"\x02"), "the last record ends with the delimiter 0x02"
    return unpadded[:-1]


def verify_vapid(authorization: str, audience: str) -> tuple[dict[str, Any], str]:
    """RFC 8292: ``vapid t=<JWT>, k=<public key>``. Returns (claims, k); raises
    ``AssertionError`` for anything a push service would refuse."""
    scheme, _, params = authorization.partition(" ")
    assert scheme.lower() == "vapid", f"scheme {scheme!r} is not vapid"
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    token, key = parts["t"], parts["k"]
    header_b64, claims_b64, signature_b64 = token.split(".")
    header = json.loads(unb64url(header_b64))
    assert header.get("alg") == "ES256", header
    signature = unb64url(signature_b64)
    assert len(signature) == 64, "JWS ES256 signatures are r||s, 64 bytes"
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise AssertionError("the VAPID signature does not verify") from None
    claims = json.loads(unb64url(claims_b64))
    assert claims.get("aud") == audience, f"aud {claims.get('aud')} is not {audience}"
    now = time.time()
    assert now < claims["exp"] <= now + 24 * 3600 + 60, "exp: in the future, at most 24 h"
    assert str(claims.get("sub", "")).startswith(("mailto:", "https:")), "sub"
    return claims, key


@dataclass
class Device:
    """A browser's subscription to ``service``."""

    service: PushService
    name: str
    status: int = 201
    retry_after: str | None = None
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def endpoint(self) -> str:
        return f"{self.service.url}/push/{self.token}"

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    def subscription(self) -> dict[str, Any]:
        """``PushSubscription.toJSON()``."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)},
        }


@dataclass
class Received:
    device: str
    headers: dict[str, str]  # names in lower case
    payload: dict[str, Any]
    claims: dict[str, Any]
    vapid_key: str


class PushService:
    def __init__(self) -> None:
        self.devices: dict[str, Device] = {}
        self.received: list[Received] = []
        self.problems: list[str] = []
        self.lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as push services do

            def do_POST(self) -> None:
                service._take(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> PushService:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def device(self, name: str, status: int = 201) -> Device:
        device = Device(self, name, status)
        self.devices[device.token] = device
        return device

    def _take(self, request: BaseHTTPRequestHandler) -> None:
        body = request.rfile.read(int(request.headers.get("Content-Length", 0)))
        token = request.path.rsplit("/", 1)[-1]
        device = self.devices.get(token)
        if device is None:
            request.send_response(404)
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        try:
            claims, key = verify_vapid(request.headers.get("Authorization", ""), self.url)
            assert request.headers.get("Content-Encoding") == "aes128gcm", "aes128gcm"
            assert request.headers.get("TTL", "").isdigit(), "a TTL header (RFC 8030 5.2)"
            payload = json.loads(decrypt_aes128gcm(body, device.private_key, device.auth))
        except Exception as exc:  # what a real push service would refuse
            with self.lock:
                self.problems.append(f"{device.name}: {exc!r}")
            request.send_response(401)
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        if device.status < 300:
            with self.lock:
                self.received.append(
                    Received(
                        device.name,
                        {k.lower(): v for k, v in request.headers.items()},
                        payload,
                        claims,
                        key,
                    )
                )
        request.send_response(device.status)
        if device.status == 201:
            request.send_header("Location", f"{self.url}/message/{uuid.uuid4().hex}")
        if device.retry_after:
            request.send_header("Retry-After", device.retry_after)
        request.send_header("Content-Length", "0")
        request.end_headers()

    def payloads(self, device: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [r.payload for r in self.received if device is None or r.device == device]
