"""The outbox port: work that must happen after a write, durably (notifications, reminders,
forwarding). A service calls ``enqueue`` inside its own transaction, so the job exists exactly
when its cause committed; a worker claims jobs and runs the handler registered for their kind.

The delivery app provides the store (its ``OutboxJob`` table and the worker's doorbell); any
app registers the job kinds it handles in its ``AppConfig.ready``, and the periodic tasks the
worker runs between jobs (``periodic``: every N seconds, in every worker process, so each task
must be idempotent and keep its own "done" marks in the database).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .registry import Port, Registry

# A job handler runs inside the worker's transaction for the job (all or nothing) and returns
# how many things it produced (notifications stored, statements sent), for the job's record.
JobHandler = Callable[[int, dict[str, Any]], int]

job_kinds: Registry[JobHandler] = Registry("outbox job kinds")
store: Port[[str, dict[str, Any]], Any] = Port("the outbox store")


@dataclass(frozen=True)
class PeriodicTask:
    """``run()`` is called by the worker about every ``every_seconds`` (first one interval
    after the worker starts), outside any job's transaction; it returns how much it did, for
    the log."""

    every_seconds: float
    run: Callable[[], int]


periodic: Registry[PeriodicTask] = Registry("periodic worker tasks")


def enqueue(*, kind: str, payload: dict[str, Any]) -> Any:
    """Record a job of ``kind`` in the current transaction; returns the stored job. The
    payload is JSON (ids, not objects): the job may run in another process, later."""
    job_kinds.get(kind)  # an unknown kind is a programming error: fail now, not in the worker
    return store(kind, payload)
