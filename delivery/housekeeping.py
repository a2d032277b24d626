"""The outbox's own upkeep, as a periodic worker task: done jobs are pruned after
``KRING_OUTBOX_KEEP_DAYS`` (failed ones stay until retried or deleted in the admin), and the
backlog, the age of the oldest waiting job and the failed jobs are published as metrics
(alert on them: a growing backlog means the workers do not keep up or are down)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from core import metrics

from .models import JobState, OutboxJob

PRUNE_BATCH = 5000


def outbox_housekeeping() -> int:
    """Prune and measure this deployment's queue; returns how many jobs were pruned."""
    queue = settings.KRING_OUTBOX_QUEUE
    jobs = OutboxJob.objects.filter(queue=queue)
    cutoff = timezone.now() - timedelta(days=settings.KRING_OUTBOX_KEEP_DAYS)
    old = list(
        jobs.filter(state=JobState.DONE, processed_at__lt=cutoff).values_list("pk", flat=True)[
            :PRUNE_BATCH
        ]
    )
    pruned = OutboxJob.objects.filter(pk__in=old).delete()[0] if old else 0
    waiting = jobs.filter(state=JobState.PENDING)
    oldest = waiting.aggregate(oldest=Min("created_at"))["oldest"]
    metrics.OUTBOX_BACKLOG.labels(queue=queue).set(waiting.count())
    metrics.OUTBOX_OLDEST_SECONDS.labels(queue=queue).set(
        (timezone.now() - oldest).total_seconds() if oldest else 0
    )
    metrics.OUTBOX_FAILED.labels(queue=queue).set(jobs.filter(state=JobState.FAILED).count())
    return pruned
