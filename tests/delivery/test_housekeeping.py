"""The outbox looks after itself: done jobs are pruned after a while, the backlog is measured."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client import REGISTRY

from core import outbox
from delivery.housekeeping import outbox_housekeeping
from delivery.models import JobState, OutboxJob

pytestmark = pytest.mark.django_db


def _gauge(name: str) -> float:
    return REGISTRY.get_sample_value(name, {"queue": "default"}) or 0.0


def test_old_done_jobs_are_pruned_and_the_rest_kept(settings):
    settings.KRING_OUTBOX_QUEUE, settings.KRING_OUTBOX_KEEP_DAYS = "default", 7
    long_ago = timezone.now() - timedelta(days=8)
    old = OutboxJob.objects.create(kind="users", payload={}, state=JobState.DONE)
    recent = OutboxJob.objects.create(kind="users", payload={}, state=JobState.DONE)
    failed = OutboxJob.objects.create(kind="users", payload={}, state=JobState.FAILED)
    OutboxJob.objects.filter(pk__in=[old.pk, failed.pk]).update(processed_at=long_ago)
    OutboxJob.objects.filter(pk=recent.pk).update(processed_at=timezone.now())
    assert outbox_housekeeping() == 1
    assert set(OutboxJob.objects.values_list("pk", flat=True)) == {recent.pk, failed.pk}


def test_backlog_oldest_age_and_failures_are_published(settings):
    settings.KRING_OUTBOX_QUEUE = "default"
    waiting = OutboxJob.objects.create(kind="users", payload={})
    OutboxJob.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    OutboxJob.objects.create(kind="users", payload={}, state=JobState.FAILED)
    outbox_housekeeping()
    assert _gauge("kring_outbox_backlog") == 1
    assert 299 <= _gauge("kring_outbox_oldest_age_seconds") < 400
    assert _gauge("kring_outbox_failed") == 1


def test_the_housekeeping_is_a_periodic_worker_task():
    assert "outbox.housekeeping" in outbox.periodic
