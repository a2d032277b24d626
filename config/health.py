"""GET /healthz: is the database reachable, and does a message make a round trip through the
channel layer? 200 when both are, 503 (with the same body) when one is not."""

from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse

LAYER_TIMEOUT_SECONDS = 2.0


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
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "health.ping"})
        message = await asyncio.wait_for(layer.receive(channel), LAYER_TIMEOUT_SECONDS)
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok" if message.get("type") == "health.ping" else "error: wrong message"


async def healthz(request: HttpRequest) -> JsonResponse:
    database, channel_layer = await asyncio.gather(_database_state(), _channel_layer_state())
    layer = get_channel_layer()
    body = {
        "status": "ok" if database == channel_layer == "ok" else "degraded",
        "database": {"state": database, "vendor": connection.vendor},
        "channel_layer": {"state": channel_layer, "backend": type(layer).__name__},
    }
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)
