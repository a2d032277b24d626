"""The database threads the group commit (``post_batch``) stores posts in.

Each batch runs in a thread of its own executor that keeps its database connection from one
batch to the next while posts keep coming, and gives it back to the pool (and ends the thread)
as soon as the batcher has nothing left to store. Measured against channels'
``database_sync_to_async`` (bench S3, a batch of two posts: 1.68 -> 1.31 ms of CPU): that hop
copies the loop's context variables in and out and returns the connection to the pool after
every call; a batch needs neither. It reads no context variable (each post carries its
language), and a connection that saw an error is given back at once, so the next batch
connects afresh.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from asgiref.sync import SyncToAsync
from django.db import close_old_connections, connections

T = TypeVar("T")


class StoreThreads:
    """Runs ``store`` in database threads, one batch per thread at a time: the batcher never
    runs more batches at once than it has threads (``KRING_POST_BATCHES_IN_FLIGHT``)."""

    def __init__(self, store: Callable[[Sequence[T]], list]) -> None:
        self._store = store
        self._free: list[ThreadPoolExecutor] = []
        self._started: list[ThreadPoolExecutor] = []

    async def __call__(self, items: Sequence[T]) -> list:
        loop = asyncio.get_running_loop()
        executor = self._free.pop() if self._free else self._start(loop)
        try:
            return await loop.run_in_executor(executor, self._run, items)
        finally:
            # Even if cancelled: a batch still running there only delays the next one.
            self._free.append(executor)

    def idle(self) -> None:
        """Nothing is left to store: each thread gives its connection back, then ends."""
        for executor in self._started:
            executor.submit(connections.close_all)
            executor.shutdown(wait=False)
        self._started.clear()
        self._free.clear()

    def _start(self, loop: asyncio.AbstractEventLoop) -> ThreadPoolExecutor:
        executor = ThreadPoolExecutor(
            1, thread_name_prefix="kring-posts", initializer=_serve_loop, initargs=(loop,)
        )
        self._started.append(executor)
        return executor

    def _run(self, items: Sequence[T]) -> list:
        try:
            return self._store(items)
        finally:
            if any(connection.errors_occurred for connection in connections.all(True)):
                close_old_connections()  # a broken connection is not kept for the next batch


def _serve_loop(loop: asyncio.AbstractEventLoop) -> None:
    """What channels' hop tells a thread it runs for: emitters hand their doorbells to
    ``loop`` (``core.emitters``) instead of waiting for Redis in the thread."""
    SyncToAsync.threadlocal.main_event_loop = loop
    SyncToAsync.threadlocal.main_event_loop_pid = os.getpid()
