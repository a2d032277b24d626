"""The outbox port: work that must happen after a write, durably (notifications, reminders,
forwarding). A service calls ``enqueue`` inside its own transaction, so the job exists exactly
when its cause committed; a worker claims jobs and runs the handler registered for their kind.

The delivery app provides the store (its ``OutboxJob`` table and the worker's doorbell); any
app registers the job kinds it handles in its ``AppConfig.ready``, and the periodic tasks its
workers should run (``periodic``).
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
    """Work a worker does every ``interval_seconds`` (e.g. turning reminders that came due
    into jobs). ``run()`` must be safe to run in several workers at once and again after a
    crash (claim with a unique row or a lock in its own transaction); returns how many things
    it did."""

    interval_seconds: float
    run: Callable[[], int]


periodic: Registry[PeriodicTask] = Registry("periodic worker tasks")


def enqueue(*, kind: str, payload: dict[str, Any]) -> Any:
    """Record a job of ``kind`` in the current transaction; returns the stored job. The
    payload is JSON (ids, not objects): the job may run in another process, later."""
    job_kinds.get(kind)  # an unknown kind is a programming error: fail now, not in the worker
    return store(kind, payload)
