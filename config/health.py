"""Health probes.

* ``GET /healthz/live``: the process is up and serving; touches nothing (liveness: restart the
  process when this fails).
* ``GET /healthz/ready`` (and ``/healthz``, the old name): the database answers ``SELECT 1``
  and the channel layer accepts a message (readiness: send traffic elsewhere when this fails).
  200 when both do, 503 with the failing part named otherwise.

The channel-layer check publishes to a group that nobody joins. It used to make a channel and
receive on it, which on the Redis pub/sub layer left one subscription behind per probe.
"""

from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse

LAYER_TIMEOUT_SECONDS = 2.0
PROBE_GROUP = "kring.health"


@database_sync_to_async
def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


async def _channel_layer_state() -> str:
    layer = get_channel_layer()
    if layer is None:
        return "error: no channel layer configured"
    try:
        await asyncio.wait_for(
            layer.group_send(PROBE_GROUP, {"type": "health.ping"}), LAYER_TIMEOUT_SECONDS
        )
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


async def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


async def ready(request: HttpRequest) -> JsonResponse:
    database, channel_layer = await asyncio.gather(_database_state(), _channel_layer_state())
    layer = get_channel_layer()
    body = {
        "status": "ok" if database == channel_layer == "ok" else "degraded",
        "database": {"state": database, "vendor": connection.vendor},
        "channel_layer": {"state": channel_layer, "backend": type(layer).__name__},
    }
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)
