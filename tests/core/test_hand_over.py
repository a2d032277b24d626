"""Channel-layer calls that database threads hand to the event loop run there in the order
they were handed over, each once, and one that fails does not stop the others."""

from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async

from core import emitters


async def test_calls_from_database_threads_run_in_order_and_survive_a_failure():
    ran: list[int] = []

    async def call(n: int) -> None:
        if n == 3:
            raise ConnectionError("Redis restarting")
        ran.append(n)

    def commit_hooks() -> None:  # what transaction.on_commit runs in a database thread
        for n in range(10):
            emitters._in_loop(call(n), f"call {n}")

    await database_sync_to_async(commit_hooks)()
    await database_sync_to_async(commit_hooks)()
    for _ in range(100):
        if len(ran) == 18:
            break
        await asyncio.sleep(0.01)
    assert ran == [n for n in range(10) if n != 3] * 2
    assert asyncio.get_running_loop() in emitters._hand_overs  # handed over, not run in place


def test_a_doorbell_whose_loop_stopped_first_leaves_no_coroutine_behind():
    """A browser test's live server stops its loop with a worker doorbell still handed over:
    dropping it must not warn that a coroutine was never awaited."""
    import gc
    import warnings

    from channels.layers import InMemoryChannelLayer

    loop = asyncio.new_event_loop()  # never run: the doorbell stays handed over
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hand_over = emitters._HandOver(loop)
        hand_over.add(
            emitters._Send(InMemoryChannelLayer(), emitters.WORKER_CHANNEL, {"type": "x"}),
            "worker doorbell",
        )
        del hand_over
        loop.close()  # drops the wake-up that still held the hand-over
        gc.collect()
    assert not [w for w in caught if "never awaited" in str(w.message)]
