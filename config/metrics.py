"""Kring's Prometheus metrics, served at ``/metrics`` with django-prometheus' request metrics.

Kring's own gauges and counters are declared in ``core.metrics`` (the bottom floor, so the hub,
the consumer and the outbox worker fill them without importing anything above them). Each web
process serves its own numbers: scrape every process (``:8001/metrics``, ``:8002/metrics``),
as deploy/grafana-dashboard.json expects.

``/metrics`` answers only clients in ``KRING_METRICS_ALLOW`` (addresses or networks; by
default this machine) or with ``Authorization: Bearer <KRING_METRICS_TOKEN>``; anyone else
gets a 404, as if there were nothing.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django_prometheus.exports import ExportToDjangoView

from config.clientip import client_ip
from core import metrics as kring_metrics  # noqa: F401 - registers Kring's own metrics


def _allowed(request: HttpRequest) -> bool:
    token = settings.KRING_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    address = client_ip(request)
    if not address:
        return False
    ip = ipaddress.ip_address(address)
    return any(
        ip in ipaddress.ip_network(net, strict=False) for net in settings.KRING_METRICS_ALLOW
    )


def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        raise Http404
    return ExportToDjangoView(request)
