"""How large a request body may be, and what a refused one is told.

One policy for both guards: the ASGI middleware (``config.asgi.BodyLimitMiddleware``, for any
ASGI server) and Kring's daphne front (``config.server``), which refuses before daphne reads a
byte of the body. Upload endpoints take ``KRING_UPLOAD_MAX_BYTES`` plus the multipart
overhead (a message with files, ``KRING_CHAT_FILES_PER_MESSAGE`` times
``KRING_CHAT_FILE_MAX_BYTES``); everything else ``KRING_REQUEST_MAX_BYTES``.
"""

from __future__ import annotations

import json
import re

from django.conf import settings

# The endpoints that take a file (resources/api.py, resources/urls.py).
CHAT_UPLOAD_PATHS = re.compile(r"^/api/rooms/\d+/messages$")
UPLOAD_PATHS = re.compile(
    r"^/(?:api/communities/[^/]+/resources"
    r"|api/resources/\d+/(?:versions|adapt)"
    r"|resources/\d+/(?:adapt|versions/new)/"
    r"|c/[^/]+/resources/share/)$"
)


def body_limit(path: str) -> int:
    """The largest body, in bytes, a request to ``path`` may carry."""
    if CHAT_UPLOAD_PATHS.match(path):
        files = settings.KRING_CHAT_FILES_PER_MESSAGE * settings.KRING_CHAT_FILE_MAX_BYTES
        return files + settings.KRING_MULTIPART_OVERHEAD_BYTES
    if UPLOAD_PATHS.match(path):
        return settings.KRING_UPLOAD_MAX_BYTES + settings.KRING_MULTIPART_OVERHEAD_BYTES
    return settings.KRING_REQUEST_MAX_BYTES


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


def refusal(path: str, status: int) -> tuple[bytes, bytes]:
    """Content type and body for a refused request: 413 (too large) or 408 (too slow);
    JSON ``{"error", "detail"}`` under ``/api/``, a small page elsewhere."""
    if status == 413:
        code, detail = (
            "too_large",
            f"The request body is larger than {_megabytes(body_limit(path))}.",
        )
    else:
        code, detail = "timeout", "The request was not sent in time."
    if path.startswith("/api/"):
        return b"application/json", json.dumps({"error": code, "detail": detail}).encode()
    title = "Too large" if status == 413 else "Too slow"
    page = (
        f'<!doctype html><html lang="en"><meta charset="utf-8"><title>{title}</title>'
        f"<h1>{title}</h1><p>{detail}</p></html>"
    )
    return b"text/html; charset=utf-8", page.encode()
