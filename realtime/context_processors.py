from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def socket_limits(request: HttpRequest) -> dict[str, Any]:
    """What the page's socket client must know: the largest frame the server accepts (a post
    that could never fit is refused in the page, not re-sent after every reconnect)."""
    return {"kring_max_frame_bytes": settings.KRING_MAX_FRAME_BYTES}
