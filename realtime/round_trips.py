"""Requests that wait for each other: while one round trip to a store (Redis, the database) is
in flight, the requests that arrive go together in the next. Used where a reconnect storm
sends thousands of the same small request at once: presence (``presence``) and the
handshake's session and user (``auth``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


class RoundTrips:
    """Requests to one store that wait for each other: the first goes at once, those that
    arrive while it is in flight go together in the next round trip, and so on. A request
    is always answered by a round trip that began after it arrived, so a read sees every
    write that finished before it was asked."""

    def __init__(self, run: Callable[[list[Any]], Awaitable[list[Any]]]) -> None:
        self._run = run  # requests -> one result per request, in order
        self._pending: list[tuple[Any, asyncio.Future[Any]]] = []
        self._flusher: asyncio.Future[None] | None = None  # kept: a bare task may be collected

    async def ask(self, request: Any) -> Any:
        future = asyncio.get_running_loop().create_future()
        self._pending.append((request, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.ensure_future(self._flush())
        return await future

    async def _flush(self) -> None:
        batch: list[tuple[Any, asyncio.Future[Any]]] = []
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    results = await self._run([request for request, _ in batch])
                    if len(results) != len(batch):
                        raise RuntimeError(f"{len(results)} answers to {len(batch)} requests")
                except Exception as exc:
                    results = [exc] * len(batch)
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():
                        continue  # its asker gave up
                    if isinstance(result, Exception):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
                batch = []
        finally:
            # Left only when this flush was cancelled (the loop is closing): no one answers.
            for _, future in [*batch, *self._pending]:
                future.cancel()
            self._pending = []
