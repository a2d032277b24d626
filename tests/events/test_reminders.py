"""Reminders 24 hours and 15 minutes before, exactly once, to those going (or maybe), in
their language and zone, as their settings say."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test.utils import override_settings
from django.utils import timezone
from notifications.models import Notification

from community.models import User
from core import outbox
from delivery.models import OutboxJob
from delivery.worker import process_pending_jobs, run_due_periodic
from events import services
from events.models import Event, Occurrence, ReminderLog, ReminderSettings
from events.services.reminders import REMINDER_JOB, reminders_enqueue_due

from .conftest import schedule

pytestmark = pytest.mark.django_db


def _soon(circle, minutes: int = 10, **fields):
    """An event starting in ``minutes``, scheduled two days ago (so its reminders are due)."""
    start = (
        (timezone.now() + timedelta(minutes=minutes))
        .astimezone(__import__("zoneinfo").ZoneInfo("Europe/Amsterdam"))
        .replace(tzinfo=None, second=0, microsecond=0)
    )
    event = schedule(circle.facilitator.user, circle.community, start=start, **fields)
    Event.objects.filter(pk=event.pk).update(scheduled_at=timezone.now() - timedelta(days=2))
    return Event.objects.get(pk=event.pk)


def _reminders(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, verb__contains="reminds you").values_list(
            "verb", flat=True
        )
    )


def test_the_fifteen_minute_reminder_reaches_those_going_once(circle):
    event = _soon(circle)
    services.rsvp_set(actor=circle.alice.user, event=event, status="going")
    services.rsvp_set(actor=circle.bob.user, event=event, status="maybe")
    services.rsvp_set(actor=circle.carol.user, event=event, status="no")
    services.rsvp_set(actor=circle.facilitator.user, event=event, status="going")
    User.objects.filter(pk=circle.alice.user.pk).update(timezone="Europe/London")

    assert reminders_enqueue_due() == 1
    assert reminders_enqueue_due() == 0  # claimed: a second worker (or a rerun) finds it taken
    process_pending_jobs()
    process_pending_jobs()

    (alice,) = _reminders(circle.alice.user)
    assert "starts in 15 minutes" in alice and "your time" in alice and "in Amsterdam" in alice
    assert len(_reminders(circle.bob.user)) == 1
    assert _reminders(circle.carol.user) == []
    assert len(_reminders(circle.facilitator.user)) == 1  # the organiser is reminded too
    assert ReminderLog.objects.get().kind == "soon"
    assert OutboxJob.objects.get(kind=REMINDER_JOB).recipients == 3


def test_the_day_before_reminder_and_settings(circle):
    event = _soon(circle, minutes=23 * 60 + 50)
    services.rsvp_set(actor=circle.alice.user, event=event, status="going")
    services.rsvp_set(actor=circle.bob.user, event=event, status="going")
    ReminderSettings.objects.create(user=circle.bob.user, day_before=False)

    assert reminders_enqueue_due() == 1
    process_pending_jobs()
    process_pending_jobs()

    (alice,) = _reminders(circle.alice.user)
    assert "is tomorrow" in alice
    assert _reminders(circle.bob.user) == []


def test_an_event_scheduled_at_the_last_minute_gets_no_late_reminders(circle):
    start = (
        (timezone.now() + timedelta(minutes=10))
        .astimezone(__import__("zoneinfo").ZoneInfo("Europe/Amsterdam"))
        .replace(tzinfo=None, second=0, microsecond=0)
    )
    schedule(circle.facilitator.user, circle.community, start=start)
    assert reminders_enqueue_due() == 0


def test_cancelled_and_waiting_list_get_none(circle):
    event = _soon(circle, capacity=1)
    services.rsvp_set(actor=circle.alice.user, event=event, status="going")
    services.rsvp_set(actor=circle.bob.user, event=event, status="going")  # waiting
    other = _soon(circle, title="Off")
    services.rsvp_set(actor=circle.carol.user, event=other, status="going")
    services.event_cancel(actor=circle.facilitator.user, event=other)

    assert reminders_enqueue_due() == 1
    process_pending_jobs()
    process_pending_jobs()
    assert len(_reminders(circle.alice.user)) == 1
    assert _reminders(circle.bob.user) == [] and _reminders(circle.carol.user) == []


def test_a_session_moved_after_its_reminder_is_reminded_again(circle):
    event = _soon(circle)
    _answer, row = services.rsvp_set(actor=circle.alice.user, event=event, status="going")
    assert reminders_enqueue_due() == 1
    Occurrence.objects.filter(pk=row.pk).update(
        starts_at=row.starts_at + timedelta(minutes=2),
        ends_at=row.ends_at + timedelta(minutes=2),
        scheduled_at=timezone.now() - timedelta(days=1),
    )
    process_pending_jobs()  # the old one's job: moved since, it tells nobody
    assert _reminders(circle.alice.user) == []
    assert reminders_enqueue_due() == 1
    process_pending_jobs()
    process_pending_jobs()
    assert len(_reminders(circle.alice.user)) == 1


def test_the_worker_runs_the_reminder_scan_as_a_periodic_task(circle):
    assert "event_reminders" in outbox.periodic
    event = _soon(circle)
    services.rsvp_set(actor=circle.alice.user, event=event, status="going")
    # Only this task is due (other apps' periodic tasks, e.g. networking's, count their own).
    last_run = {name: time.monotonic() for name in outbox.periodic if name != "event_reminders"}
    assert run_due_periodic(last_run) == 1
    assert run_due_periodic(last_run) == 0  # its interval has not passed
    with override_settings(KRING_OUTBOX_QUEUE="another-deployment"):
        assert reminders_enqueue_due() == 1  # claims are per outbox queue, as jobs are
