"""Group commit of the posts sockets send: a post that arrives while
``KRING_POST_BATCHES_IN_FLIGHT`` batches are being stored waits, with every other post that
arrives meanwhile, and they are stored together by one database thread in one transaction
(``community.services.message_post_batch``, which gives each the outcome it would have had
alone).

No timer: when the database keeps up, each post goes alone at once and waits for nothing;
under load a post waits at most for the batch ahead of it, and a BEGIN, a COMMIT and a thread
hop are shared by the whole batch instead of paid per post (bench S3). A socket's frames are
handled one after the other, so its posts keep their order.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import Awaitable, Callable

from django.conf import settings

from community.services import Posted, PostRequest, message_post_batch
from core import metrics

from .post_threads import StoreThreads

_Store = Callable[[list[PostRequest]], Awaitable[list[Posted | Exception]]]


class PostBatcher:
    """Collects posts and stores them in batches through ``store`` (in a database thread);
    ``on_idle`` is called whenever the last batch is done and no post waits."""

    def __init__(self, store: _Store, on_idle: Callable[[], None] | None = None) -> None:
        self._store = store
        self._on_idle = on_idle
        self._waiting: deque[tuple[PostRequest, asyncio.Future[Posted]]] = deque()
        self._in_flight = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def post(self, request: PostRequest) -> Posted:
        """Store ``request``; returns ``(event, created)`` or raises what posting it alone
        would have raised."""
        future: asyncio.Future[Posted] = asyncio.get_running_loop().create_future()
        self._waiting.append((request, future))
        self._start_batches()
        return await future

    def _start_batches(self) -> None:
        # At least one of each: a 0 in the settings must not leave posts waiting for ever.
        in_flight_limit = max(1, settings.KRING_POST_BATCHES_IN_FLIGHT)
        while self._waiting and self._in_flight < in_flight_limit:
            size = min(len(self._waiting), max(1, settings.KRING_POST_BATCH_MAX))
            batch = [self._waiting.popleft() for _ in range(size)]
            self._in_flight += 1
            metrics.POST_BATCH_SIZE.observe(size)
            task = asyncio.ensure_future(self._store_batch(batch))
            self._tasks.add(task)  # a task nobody holds can be collected mid-way
            task.add_done_callback(self._tasks.discard)

    async def _store_batch(self, batch: list[tuple[PostRequest, asyncio.Future[Posted]]]) -> None:
        try:
            outcomes: list[Posted | Exception] = await self._store([r for r, _f in batch])
        except asyncio.CancelledError:
            for _request, future in batch:  # the loop is closing: nobody waits for an answer
                future.cancel()
            raise
        except Exception as exc:  # the thread could not run the batch at all
            outcomes = [exc] * len(batch)
        finally:
            self._in_flight -= 1
        for (_request, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():  # its socket's task was cancelled (closed) while it waited
                continue
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
        self._start_batches()
        if self._on_idle is not None and not self._in_flight:
            self._on_idle()


_batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PostBatcher] = (
    weakref.WeakKeyDictionary()
)


def get_post_batcher() -> PostBatcher:
    """The batcher of the running event loop (one per process; tests get one per loop)."""
    loop = asyncio.get_running_loop()
    batcher = _batchers.get(loop)
    if batcher is None:
        threads = StoreThreads(message_post_batch)
        batcher = _batchers[loop] = PostBatcher(threads, on_idle=threads.idle)
    return batcher
