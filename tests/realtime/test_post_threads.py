"""The group commit's database threads (realtime.post_threads): a batch runs in a thread that
hands doorbells to the loop, keeps its connection while posts keep coming, and gives it back
when the batcher has been idle for the linger time or the connection failed."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any

import pytest
from asgiref.sync import SyncToAsync
from django.db import DatabaseError, connection

from realtime import post_threads
from realtime.post_threads import StoreThreads

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class _Ran:
    item: str
    thread: threading.Thread
    had_connection: bool  # when the batch started
    raw: Any  # the database connection it used
    loop: Any  # the loop its doorbells go to


def _where(items: list[str]) -> list[_Ran]:
    """A store reporting where each batch ran."""
    had_connection = connection.connection is not None
    connection.ensure_connection()
    return [
        _Ran(
            item,
            threading.current_thread(),
            had_connection,
            connection.connection,
            SyncToAsync.threadlocal.main_event_loop,
        )
        for item in items
    ]


def _pooled() -> bool:
    return getattr(connection, "pool", None) is not None


def _closable() -> bool:
    """Whether a connection's use ending closes it (or gives it back to the pool): not with
    ``CONN_MAX_AGE`` above 0, nor for an in-memory SQLite database."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return False
    return connection.settings_dict["CONN_MAX_AGE"] == 0


async def test_a_batch_runs_in_a_database_thread_that_serves_the_loop():
    threads = StoreThreads(_where)
    [ran] = await threads(["a"])
    threads.idle()
    assert ran.item == "a"
    assert ran.thread is not threading.current_thread()
    assert ran.thread.name.startswith("kring-posts")
    assert ran.loop is asyncio.get_running_loop(), "emitters hand doorbells to this loop"


async def test_the_connection_is_kept_while_busy_and_given_back_when_idle():
    threads = StoreThreads(_where)
    [first] = await threads(["a"])
    [second] = await threads(["b"])
    assert second.thread is first.thread
    if _pooled():
        assert second.had_connection and second.raw is first.raw, "no checkout while busy"
    else:  # without a pool each batch starts as a request does
        assert second.had_connection is not _closable()
    # when the batcher has nothing left, then the thread gives its connection back
    threads.idle()
    [third] = await threads(["c"])
    threads.idle()
    assert third.thread is first.thread, "the thread stays for the next batch"
    if _closable():
        assert not third.had_connection


async def _holds_connection(ran: _Ran) -> bool:
    """Whether the thread a batch ran in holds a database connection now."""
    [executor] = [e for e in post_threads._threads if ran.thread in e._threads]
    held = executor.submit(lambda: connection.connection is not None)
    return await asyncio.wrap_future(held)


async def test_the_connection_lingers_while_posts_come_and_goes_back_after_a_quiet_spell(
    settings,
):
    settings.KRING_POST_CONNECTION_LINGER_SECONDS = 0.3
    threads = StoreThreads(_where)
    [first] = await threads(["a"])
    threads.idle()
    await asyncio.sleep(0.2)
    assert await _holds_connection(first), "kept within the linger time"
    # when another post comes within the linger time, then the time counts from it
    [second] = await threads(["b"])
    threads.idle()
    assert second.thread is first.thread
    if _pooled():
        assert second.had_connection and second.raw is first.raw, "no checkout for a lone post"
    await asyncio.sleep(0.2)  # 0.4 s after the first idle(), 0.2 s after the last
    assert await _holds_connection(second)
    # when nothing comes for the linger time, then the thread gives its connection back
    await asyncio.sleep(0.3)
    if _closable():
        assert not await _holds_connection(second)


async def test_batches_at_once_run_in_different_threads():
    started, release = threading.Barrier(2, timeout=5), threading.Event()

    def _held(items: list[str]) -> list[_Ran]:
        started.wait()  # both batches are in their threads at the same time
        release.wait(timeout=5)
        return _where(items)

    threads = StoreThreads(_held)
    first = asyncio.ensure_future(threads(["a"]))
    second = asyncio.ensure_future(threads(["b"]))
    await asyncio.sleep(0.05)
    release.set()
    [a], [b] = await asyncio.gather(first, second)
    threads.idle()
    assert a.thread is not b.thread


async def test_a_connection_that_failed_is_not_kept_for_the_next_batch():
    def _failing_once(items: list[str]) -> list[_Ran]:
        ran = _where(items)
        if items == ["fail"]:
            with pytest.raises(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT no_such_column FROM no_such_table")
            assert connection.errors_occurred
        return ran

    threads = StoreThreads(_failing_once)
    [failed] = await threads(["fail"])
    [after] = await threads(["b"])
    threads.idle()
    assert after.thread is failed.thread
    # the connection was checked and, its lifetime being over, given back
    if _closable():
        assert not after.had_connection
    assert after.raw is not None, "the next batch connects again"


async def test_a_cancelled_batch_is_waited_for_and_gives_its_connection_back():
    entered, release = threading.Event(), threading.Event()

    def _slow(items: list[str]) -> list[_Ran]:
        ran = _where(items)
        entered.set()
        release.wait(timeout=5)
        return ran

    threads = StoreThreads(_slow)
    batch = asyncio.ensure_future(threads(["a"]))
    await asyncio.get_running_loop().run_in_executor(None, entered.wait, 5)
    # when the batch's task is cancelled (its loop closing) while the thread still stores it
    batch.cancel()
    await asyncio.sleep(0.05)
    assert not batch.done(), "the loop waits for the batch in its thread"
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await batch
    # then the thread gave its connection back although the batcher never went idle
    [after] = await threads(["b"])
    threads.idle()
    if _closable():
        assert not after.had_connection
    assert after.loop is asyncio.get_running_loop()
