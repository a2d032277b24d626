"""The outbox worker: runs each job's registered handler (``core.outbox``), e.g. turning a
notification job into notifications; sends the Web Pushes they made (``push/sender.py``); runs
the registered periodic tasks (reminders that came due become jobs); sends due emails and
digests.

Runs as the Procfile's ``worker`` process (``manage.py run_worker``), or inside the web
process with the embedded default (``KRING_WORKER_IN_PROCESS``), where the in-memory channel
layer only reaches sockets of the same process. Any number of workers may run: each job is
claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` and processed in the same transaction, so a
worker killed mid-job leaves the job pending (its transaction rolls back) and the next worker
does it, once.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
import weakref

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import outbox
from core.emitters import WORKER_CHANNEL

from . import email
from .models import JobState, OutboxJob
from .push import sender as push_sender

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
POLL_SECONDS = 1.0
EMAIL_INTERVAL_SECONDS = 30.0


def process_next_job() -> OutboxJob | None:
    """Claim the oldest pending job and process it, all in one transaction. Returns the job,
    or ``None`` when there was nothing to do."""
    with transaction.atomic():
        job = (
            OutboxJob.objects.select_for_update(skip_locked=True)
            .filter(queue=settings.KRING_OUTBOX_QUEUE, state=JobState.PENDING)
            .order_by("pk")
            .first()
        )
        if job is None:
            return None
        job.attempts += 1
        try:
            with transaction.atomic():
                job.recipients = outbox.job_kinds.get(job.kind)(job.pk, job.payload)
        except Exception:
            logger.exception("outbox job %s (%s) failed", job.pk, job.kind)
            job.last_error = traceback.format_exc()[-4000:]
            if job.attempts >= MAX_ATTEMPTS:
                job.state = JobState.FAILED
            job.save(update_fields=["attempts", "last_error", "state"])
            return job
        job.state = JobState.DONE
        job.processed_at = timezone.now()
        job.save(update_fields=["attempts", "state", "processed_at", "recipients"])
    return job


def process_pending_jobs(limit: int = 1000) -> int:
    """Process jobs until none is pending (or ``limit``). Returns how many were processed."""
    done = 0
    while done < limit and process_next_job() is not None:
        done += 1
    return done


def send_due_emails() -> int:
    return email.send_immediate() + email.send_digests()


def send_due_pushes() -> int:
    return push_sender.send_due()


def run_due_periodic(last_run: dict[str, float]) -> int:
    """Run the registered periodic tasks (``core.outbox.periodic``) whose interval has passed
    since ``last_run`` (name -> monotonic time, updated here). A failing task is logged and
    tried again at its next interval; the others still run."""
    done = 0
    for name, task in outbox.periodic.items():
        if time.monotonic() - last_run.get(name, float("-inf")) < task.interval_seconds:
            continue
        last_run[name] = time.monotonic()
        try:
            done += task.run()
        except Exception:
            logger.exception("periodic task %s failed", name)
    return done


async def run(stop: asyncio.Event | None = None) -> None:
    """The worker loop: a job, then the pushes that are due (a busy queue must not hold up
    pushes), then the periodic tasks that are due, emails every ``EMAIL_INTERVAL_SECONDS``;
    sleeps on the outbox doorbell (or ``POLL_SECONDS``) when idle."""
    layer = get_channel_layer()
    # Own threads, not the one shared by consumers: a 10,000-recipient job must not hold up
    # every socket's database calls in the same process.
    next_job = database_sync_to_async(process_next_job, thread_sensitive=False)
    emails = database_sync_to_async(send_due_emails, thread_sensitive=False)
    periodic = database_sync_to_async(run_due_periodic, thread_sensitive=False)
    pushes = database_sync_to_async(send_due_pushes, thread_sensitive=False)
    last_emails = 0.0
    last_periodic: dict[str, float] = {}
    while stop is None or not stop.is_set():
        try:
            worked = await next_job() is not None
            if await pushes() or worked:
                continue
            if await periodic(last_periodic):
                continue  # it made jobs: take them now
            if time.monotonic() - last_emails >= EMAIL_INTERVAL_SECONDS:
                last_emails = time.monotonic()
                await emails()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("worker iteration failed; retrying")
            await asyncio.sleep(POLL_SECONDS)
            continue
        await _wait_for_doorbell(layer, stop)


async def _wait_for_doorbell(layer: object, stop: asyncio.Event | None) -> None:
    waits = []
    if layer is not None:
        waits.append(asyncio.ensure_future(layer.receive(WORKER_CHANNEL)))  # type: ignore[attr-defined]
    if stop is not None:
        waits.append(asyncio.ensure_future(stop.wait()))
    if not waits:
        await asyncio.sleep(POLL_SECONDS)
        return
    _done, pending = await asyncio.wait(
        waits, timeout=POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED
    )
    for task in pending:
        task.cancel()
    for task in waits:
        if task.done() and not task.cancelled() and task.exception() is not None:
            logger.debug("doorbell wait failed", exc_info=task.exception())


_in_process: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[None]] = (
    weakref.WeakKeyDictionary()
)


def ensure_in_process_worker() -> None:
    """Start the worker inside this process's event loop, once (embedded default)."""
    if not settings.KRING_WORKER_IN_PROCESS:
        return
    loop = asyncio.get_running_loop()
    task = _in_process.get(loop)
    if task is None or task.done():
        _in_process[loop] = loop.create_task(run(), name="kring-in-process-worker")
