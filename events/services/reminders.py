"""Reminders 24 hours and 15 minutes before an occurrence, exactly once.

Two steps, each all or nothing:

1. ``reminders_enqueue_due`` (a periodic task of the outbox worker) finds reminders whose
   moment has come and claims each with a ``ReminderLog`` row (unique per outbox queue,
   occurrence, start and kind) in the same transaction as its outbox job. Two workers, or a
   worker restarted after a crash, find the row taken; a crash before the commit leaves
   neither the row nor the job.
2. The ``events.reminder`` job (run by the worker in the job's transaction) works out who
   goes (going with a seat, or maybe; their reminder settings; still allowed to come) and
   writes their notifications' jobs, one per language and zone. Killed mid-job, the worker's
   transaction rolls back and the next worker does the job once.

A reminder whose moment passed before the occurrence was scheduled (or moved) is not sent
late: scheduling a session for tonight sends no "tomorrow" reminder.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from core import outbox
from core.notify import Verb

from .. import selectors, texts
from ..models import Event, ReminderKind, ReminderLog, ReminderSettings, Rsvp, RsvpStatus
from ..permissions import can_rsvp
from ..selectors.occurrences import _in_window
from . import notices

logger = logging.getLogger(__name__)
REMINDER_JOB = "events.reminder"
OFFSETS = {
    ReminderKind.DAY_BEFORE: timedelta(hours=24),
    ReminderKind.SOON: timedelta(minutes=15),
}
SCAN_SECONDS = 30.0


def _due(now: Any) -> list[tuple[Any, str]]:
    horizon = now + max(OFFSETS.values()) + timedelta(minutes=1)
    events = Event.objects.filter(cancelled_at__isnull=True)
    views = selectors.expand(list(_in_window(events, now, horizon)), now, horizon)
    due = []
    for view in views:
        if view.cancelled or view.starts_at <= now:
            continue
        scheduled = view.event.scheduled_at
        if view.row is not None and view.row.scheduled_at is not None:
            scheduled = max(scheduled, view.row.scheduled_at)
        soon = view.starts_at - OFFSETS[ReminderKind.SOON] <= now
        for kind, offset in OFFSETS.items():
            moment = view.starts_at - offset
            if kind == ReminderKind.DAY_BEFORE and soon:
                continue  # late (a worker was down): "starts in 15 minutes" says it all
            if scheduled <= moment <= now:
                due.append((view, kind))
    return due


def reminders_enqueue_due() -> int:
    """Claim every reminder that came due and write its job. Safe in any number of workers
    at once and after a crash. Returns the jobs written."""
    now = timezone.now()
    queue = settings.KRING_OUTBOX_QUEUE
    written = 0
    for view, kind in _due(now):
        with transaction.atomic():
            _log, created = ReminderLog.objects.get_or_create(
                queue=queue,
                event=view.event,
                occurrence=view.key,
                starts_at=view.starts_at,
                kind=kind,
            )
            if created:
                outbox.enqueue(
                    kind=REMINDER_JOB,
                    payload={
                        "event": view.event.pk,
                        "occurrence": view.key.isoformat(),
                        "starts_at": view.starts_at.isoformat(),
                        "kind": kind,
                    },
                )
                written += 1
    return written


def reminder_job(job_id: int, payload: dict[str, Any]) -> int:
    """Tell the people going (or maybe) to one occurrence that it starts soon. Runs in the
    worker's transaction for the job. Returns how many people it reminds."""
    event = (
        Event.objects.select_related("community", "created_by").filter(pk=payload["event"]).first()
    )
    if event is None or event.cancelled_at is not None:
        return 0
    view = selectors.occurrence_view(event=event, key=selectors.parse_key(payload["occurrence"]))
    if view.cancelled or view.starts_at.isoformat() != payload["starts_at"] or view.row is None:
        return 0  # cancelled or moved since (a moved one gets reminders of its own)
    kind = payload["kind"]
    answered = (
        Rsvp.objects.filter(occurrence=view.row)
        .filter(status__in=[RsvpStatus.GOING, RsvpStatus.MAYBE], waitlisted=False)
        .select_related("user")
    )
    off = set(
        ReminderSettings.objects.filter(
            user_id__in=[r.user_id for r in answered], **{kind: False}
        ).values_list("user_id", flat=True)
    )
    people = [r.user_id for r in answered if r.user_id not in off and can_rsvp(r.user, event)]
    if not people:
        return 0

    def verb(zone: str | None) -> Verb:
        when = texts.when_for(view.starts_at, zone, event.timezone)
        if kind == ReminderKind.SOON:
            msgid = gettext_noop("reminds you: “%(title)s” starts in 15 minutes, %(when)s")
        else:
            msgid = gettext_noop("reminds you: “%(title)s” is tomorrow, %(when)s")
        return Verb(msgid, title=view.title, when=when)

    where = " · ".join(p for p in (view.location, view.online_url) if p)
    notices.tell(
        event=event,
        actor=_organiser(event),
        user_ids=people,
        verb=verb,
        key=view.key,
        text=where,
        from_organiser=True,
    )
    if settings.KRING_FAULT_REMINDER_PAUSE:
        # Fault injection for the crash test: hold the job's transaction open after its
        # notification jobs are written. Never set in production.
        logger.warning("fault injection: reminder job %s paused mid-transaction", job_id)
        time.sleep(settings.KRING_FAULT_REMINDER_PAUSE)
    return len(people)


def _organiser(event: Event) -> Any:
    """Who a reminder is from: the organiser who scheduled it, else any organiser."""
    return event.created_by or event.organisers.first()


PERIODIC = outbox.PeriodicTask(interval_seconds=SCAN_SECONDS, run=reminders_enqueue_due)
