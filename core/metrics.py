"""Kring's Prometheus metrics (served at ``/metrics`` by ``config.metrics``). Declared in the
bottom floor so the hub, the consumer and the outbox worker update them without importing any
floor above their own."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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
WEB_PUSHES = Counter(
    "kring_web_pushes_total",
    "Web Pushes posted to push services, by outcome (sent, gone, retry, failed)",
    ["outcome"],
)
POST_BATCH_SIZE = Histogram(
    "kring_post_batch_posts",
    "Posts stored together in one transaction by the socket edge's group commit",
    buckets=(1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64),
)
