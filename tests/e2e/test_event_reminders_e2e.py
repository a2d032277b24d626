"""Reminders exactly once across a worker crash: real `run_worker` processes, one killed
(SIGKILL) mid-job — inside the reminder job, or inside the fan-out of the notifications it
wrote — and a second one started after it."""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count
from django.utils import timezone
from notifications.models import Notification

from delivery.models import OutboxJob
from events import services
from events.models import Event, ReminderLog
from tests.conftest import make_member, server_env, start_worker, stop_process
from tests.factories import CommunityFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
QUEUE = "reminder-crash"


def _wait_for(predicate, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.1)


@pytest.mark.parametrize("fault", ["KRING_FAULT_REMINDER_PAUSE", "KRING_FAULT_FANOUT_PAUSE"])
def test_a_worker_killed_mid_reminder_reminds_everyone_exactly_once(transactional_db, fault):
    attendees = 40
    community = CommunityFactory()
    facilitator = make_member(community, role="facilitator")
    start = (timezone.now() + timedelta(minutes=10)).astimezone(ZoneInfo("Europe/Amsterdam"))
    start = start.replace(tzinfo=None, second=0, microsecond=0)
    event = services.event_create(
        actor=facilitator.user,
        community=community,
        title="Online CPD: formative assessment",
        starts_at=start.isoformat(),
        ends_at=(start + timedelta(hours=1)).isoformat(),
        timezone="Europe/Amsterdam",
        online_url="https://meet.example.org/cpd",
    )
    Event.objects.filter(pk=event.pk).update(scheduled_at=timezone.now() - timedelta(days=2))
    people = [make_member(community).user for _ in range(attendees)]
    for person in people:
        services.rsvp_set(actor=person, event=event, status="going")

    log = f"/tmp/kring-test-reminder-crash-{fault}-{event.pk}-{os.getpid()}.log"
    first = start_worker(
        server_env({"KRING_OUTBOX_QUEUE": QUEUE, fault: "30"}),
        log_name=f"reminder-crash-{fault}-{event.pk}",
    )
    try:
        _wait_for(
            lambda: os.path.exists(log) and "paused mid-transaction" in Path(log).read_text(),
            60,
            "the first worker never reached the middle of a reminder",
        )
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    finally:
        if first.poll() is None:
            stop_process(first)

    mine = OutboxJob.objects.filter(queue=QUEUE)
    assert ReminderLog.objects.filter(queue=QUEUE, event=event).count() == 1, "the claim committed"
    assert not Notification.objects.filter(
        data__job__in=list(mine.values_list("pk", flat=True))
    ).exists()
    assert mine.filter(state="pending").exists(), "the job the worker died in is still to do"

    second = start_worker(server_env({"KRING_OUTBOX_QUEUE": QUEUE}), log_name="reminder-crash-2")
    try:
        _wait_for(
            lambda: (
                mine.exists()
                and not mine.exclude(state="done").exists()
                and Notification.objects.filter(
                    data__job__in=list(mine.values_list("pk", flat=True))
                ).count()
                >= attendees
            ),
            90,
            "the reminder was not finished after the restart",
        )
        time.sleep(1.5)  # a scan or two more: nothing new may come of them
    finally:
        stop_process(second)

    assert ReminderLog.objects.filter(queue=QUEUE, event=event).count() == 1
    job_ids = list(mine.values_list("pk", flat=True))
    per_person = (
        Notification.objects.filter(data__job__in=job_ids, verb__contains="reminds you")
        .values("recipient_id")
        .annotate(n=Count("id"))
    )
    counts = {row["recipient_id"]: row["n"] for row in per_person}
    assert set(counts) == {p.pk for p in people}, "everyone going was reminded"
    assert set(counts.values()) == {1}, "nobody twice"
