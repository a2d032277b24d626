"""The client's address, the one way Kring reads it: allauth's rule (REMOTE_ADDR, or the
``KRING_TRUSTED_PROXY_COUNT``-th X-Forwarded-For entry from the right behind proxies), so
rate limits and logs agree on who a client is."""

from __future__ import annotations

from allauth.core.internal.httpkit import get_client_ip
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    try:
        return get_client_ip(request)
    except ImproperlyConfigured:  # fewer X-Forwarded-For entries than trusted proxies
        return None
