"""The database threads the group commit (``post_batch``) stores posts in.

Each batch runs in a thread of its own that keeps its database connection from one batch to
the next while posts keep coming, and gives it back to the pool once the batcher has had
nothing to store for ``KRING_POST_CONNECTION_LINGER_SECONDS``. Giving it back after every lone
post cost each post a thread wake-up and a pool return and checkout (bench S2: ~0.1 ms of CPU,
six paired runs of single posts at 40/s), while a second or so of a held pool connection costs
nothing. Measured against channels' ``database_sync_to_async`` (bench S3, a
batch of two posts: 1.68 -> 1.31 ms of CPU): that hop copies the loop's context variables in
and out and returns the connection to the pool after every call; a batch needs neither. It
reads no context variable (each post carries its language), and a connection that saw an
error is given back at once, so the next batch connects afresh.

The threads belong to the process, not to one event loop (tests run one loop after another),
and there are never more than batches were ever in flight at once. Two loops running at once
would share them: their batches would take turns, and one loop going idle would end the
other's use of a connection (correct, only slower; daphne runs one loop).

Without a pool (``KRING_DB_POOL=0``) a batch starts as a request does, checking the connection
(``CONN_MAX_AGE``, ``CONN_HEALTH_CHECKS``); the pool hands out connections without a check, as
it did before.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import SyncToAsync
from django.conf import settings
from django.db import close_old_connections, connections

_threads: list[ThreadPoolExecutor] = []  # one thread each
_threads_lock = threading.Lock()


def _thread(index: int) -> ThreadPoolExecutor:
    with _threads_lock:
        while len(_threads) <= index:
            _threads.append(ThreadPoolExecutor(1, thread_name_prefix="kring-posts"))
        return _threads[index]


class StoreThreads:
    """Runs ``store`` in database threads, one batch per thread at a time: the batcher never
    runs more batches at once than it uses threads (``KRING_POST_BATCHES_IN_FLIGHT``)."""

    def __init__(self, store: Callable[[Sequence[Any]], list]) -> None:
        self._store = store
        self._free: list[int] = []
        self._taken = 0  # threads 0 .. _taken - 1 are this batcher's
        self._holding: set[int] = set()  # threads that may hold a connection
        self._idle_since = 0.0  # loop time the batcher last said it had nothing left
        self._release: asyncio.TimerHandle | None = None

    async def __call__(self, items: Sequence[Any]) -> list:
        loop = asyncio.get_running_loop()
        if self._free:
            index = self._free.pop()
        else:
            index, self._taken = self._taken, self._taken + 1
        self._holding.add(index)
        running = loop.run_in_executor(_thread(index), self._run, loop, items)
        try:
            return await asyncio.shield(running)
        except asyncio.CancelledError:
            # The loop is closing (or the batch's task was cancelled): the batch runs on in
            # its thread. Its connection is given back after it, and the loop waits for it, as
            # channels' hop did, so no write outlives the loop that asked for it.
            _thread(index).submit(close_old_connections)
            self._holding.discard(index)
            with contextlib.suppress(Exception):
                await running
            raise
        finally:
            self._free.append(index)

    def idle(self) -> None:
        """Nothing is left to store. If nothing comes for the linger time, each thread ends its
        connection's use as a request's end does (back to the pool; without a pool, kept until
        ``CONN_MAX_AGE``)."""
        linger = settings.KRING_POST_CONNECTION_LINGER_SECONDS
        if linger <= 0:
            self._give_back()
            return
        loop = asyncio.get_running_loop()
        self._idle_since = loop.time()
        if self._release is None:  # one timer at a time, however many posts go by
            self._release = loop.call_later(linger, self._give_back_if_still_idle, linger)

    def _give_back_if_still_idle(self, linger: float) -> None:
        self._release = None
        if len(self._free) < self._taken:  # a batch is in a thread now
            return  # the batcher calls idle() again when it has nothing left
        loop = asyncio.get_running_loop()
        wait = self._idle_since + linger - loop.time()
        if wait > 0:  # a post came and went since the timer was set
            self._release = loop.call_later(wait, self._give_back_if_still_idle, linger)
            return
        self._give_back()

    def _give_back(self) -> None:
        for index in self._holding:
            _thread(index).submit(close_old_connections)
        self._holding.clear()

    def _run(self, loop: asyncio.AbstractEventLoop, items: Sequence[Any]) -> list:
        # What channels' hop tells a thread: emitters hand their doorbells to this loop
        # (``core.emitters``) instead of waiting for Redis here.
        SyncToAsync.threadlocal.main_event_loop = loop
        SyncToAsync.threadlocal.main_event_loop_pid = os.getpid()
        if getattr(connections["default"], "pool", None) is None:
            # Without a pool, each batch starts as a request does: a connection past
            # CONN_MAX_AGE, or failing its health check after a database restart, is replaced.
            close_old_connections()
        try:
            return self._store(items)
        finally:
            SyncToAsync.threadlocal.main_event_loop = None  # a loop that ends is not kept
            if any(connection.errors_occurred for connection in connections.all(True)):
                close_old_connections()  # a broken connection is not kept for the next batch
