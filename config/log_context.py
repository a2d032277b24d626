"""What django-structlog binds to each request's log lines besides request id and user id:
the proxy-aware client address, and the user of X-Session-Token API calls. Connected when
the URLconf or the ASGI application loads."""

from __future__ import annotations

from typing import Any

import structlog
from django.dispatch import receiver
from django_structlog import signals

from config.clientip import client_ip


@receiver(signals.bind_extra_request_metadata, dispatch_uid="kring-client-ip")
def _bind_client(request: Any, logger: Any, **kwargs: Any) -> None:
    structlog.contextvars.bind_contextvars(ip=client_ip(request))


@receiver(signals.bind_extra_request_finished_metadata, dispatch_uid="kring-api-user")
def _bind_api_user(request: Any, logger: Any, response: Any, **kwargs: Any) -> None:
    # API clients with X-Session-Token are known only once ninja authenticated them
    auth = getattr(request, "auth", None)
    if getattr(auth, "pk", None) is not None:
        structlog.contextvars.bind_contextvars(user_id=auth.pk)
