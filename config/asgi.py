"""ASGI entry point: HTTP goes to Django, WebSockets to Kring's consumer (served by daphne)."""

import os
from typing import Any

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from config.limits import body_limit, refusal  # noqa: E402
from delivery.worker import ensure_in_process_worker  # noqa: E402
from realtime.routing import websocket_application  # noqa: E402


class StartInProcessWorker:
    """With the embedded default, the notification worker lives in the web process: start it
    with the first connection (daphne sends no lifespan events)."""

    def __init__(self, app: object) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: object, send: object) -> object:
        ensure_in_process_worker()
        return await self.app(scope, receive, send)  # type: ignore[operator]


def _content_length(scope: dict) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def _refuse(send: Any, path: str, status: int) -> None:
    content_type, body = refusal(path, status)
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Bounded request bodies, whatever the ASGI server: a declared ``Content-Length`` over
    the path's limit (``config.limits``) is refused before anything is read; a body that
    grows past it while streaming (chunked, or lying about its length) is refused as soon as
    it does, and the application is told the client went away (Django then stops reading)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        limit = body_limit(path)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, path, 413)
            return
        received = 0
        refused = started = False

        async def limited_receive() -> dict:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await _refuse(send, path, 413)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: dict) -> None:
            nonlocal started
            if refused:
                return  # the 413 went out in place of whatever the application answers
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)


application = ProtocolTypeRouter(
    {
        "http": BodyLimitMiddleware(django_asgi_app),
        "websocket": websocket_application,
    }
)
if settings.KRING_WORKER_IN_PROCESS:
    # Only then: every socket keeps this wrapper's frame alive for its whole life.
    application = StartInProcessWorker(application)
