"""Kring's Prometheus metrics, served at ``/metrics`` with django-prometheus' request metrics.

The gauges and counters of the real-time side are declared here, in the configuration floor,
so the hub, consumer and outbox worker can fill them later without this module importing
them (nothing here imports ``realtime`` or ``delivery``): ``from config.metrics import
OPEN_SOCKETS; OPEN_SOCKETS.inc()``. Each web process serves its own numbers: scrape every
process (``:8001/metrics``, ``:8002/metrics``), as deploy/grafana-dashboard.json expects.

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
from prometheus_client import Counter, Gauge, Histogram

from config.clientip import client_ip

OPEN_SOCKETS = Gauge("kring_open_sockets", "WebSockets open in this process")
ROOMS_FOLLOWED = Gauge("kring_rooms_followed", "Rooms with at least one local subscriber")
HUB_LAG_SECONDS = Histogram(
    "kring_hub_lag_seconds",
    "From an event's commit to its frame leaving the hub",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DELIVERIES = Counter("kring_deliveries_total", "Frames written to sockets")
SLOW_CONSUMER_CLOSES = Counter(
    "kring_slow_consumer_closes_total", "Sockets closed because their client fell behind"
)
DB_ERRORS = Counter("kring_db_errors_total", "Writes refused as unavailable", ["where"])
OUTBOX_BACKLOG = Gauge("kring_outbox_backlog", "Outbox jobs waiting", ["queue"])
OUTBOX_OLDEST_SECONDS = Gauge(
    "kring_outbox_oldest_age_seconds", "Age of the oldest waiting outbox job", ["queue"]
)
OUTBOX_FAILED = Gauge("kring_outbox_failed", "Outbox jobs that failed for good", ["queue"])


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
