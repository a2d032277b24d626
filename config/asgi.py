"""ASGI entry point: HTTP goes to Django, WebSockets to Kring's consumer (served by daphne)."""

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

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


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": websocket_application,
    }
)
if settings.KRING_WORKER_IN_PROCESS:
    # Only then: every socket keeps this wrapper's frame alive for its whole life.
    application = StartInProcessWorker(application)
