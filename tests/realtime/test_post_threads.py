"""The group commit's database threads (realtime.post_threads): a batch runs in a thread that
hands doorbells to the loop, keeps its connection while posts keep coming, and gives it back
when the batcher is idle or the connection failed."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import SyncToAsync
from django.db import DatabaseError, connection, connections

from realtime.post_threads import StoreThreads

pytestmark = pytest.mark.django_db(transaction=True)


def _where(items: list[str]) -> list:
    """A store reporting where it ran: its thread, its connection and the loop it serves."""
    connection.ensure_connection()
    return [
        (
            item,
            threading.current_thread(),
            connections["default"],
            connection.connection,
            SyncToAsync.threadlocal.main_event_loop,
        )
        for item in items
    ]


def _gone(thread: threading.Thread) -> bool:
    thread.join(timeout=5)
    return not thread.is_alive()


async def test_a_batch_runs_in_a_thread_of_its_own_that_serves_the_loop():
    threads = StoreThreads(_where)
    [(item, thread, _wrapper, _raw, loop)] = await threads(["a"])
    assert item == "a"
    assert thread is not threading.current_thread()
    assert thread.name.startswith("kring-posts")
    assert loop is asyncio.get_running_loop(), "emitters hand doorbells to this loop"
    threads.idle()
    assert _gone(thread)


async def test_the_connection_is_kept_while_busy_and_given_back_when_idle():
    threads = StoreThreads(_where)
    [(_, first_thread, wrapper, first_raw, _)] = await threads(["a"])
    [(_, second_thread, _, second_raw, _)] = await threads(["b"])
    assert second_thread is first_thread
    assert second_raw is first_raw, "no checkout between batches of a busy batcher"
    # when the batcher has nothing left
    threads.idle()
    # then the thread ends, its connection closed (an in-memory SQLite one cannot be)
    assert _gone(first_thread)
    if not (connection.vendor == "sqlite" and wrapper.is_in_memory_db()):
        assert wrapper.connection is None
    [(_, third_thread, _, _, _)] = await threads(["c"])
    assert third_thread is not first_thread, "the next batch starts a new thread"
    threads.idle()


async def test_batches_at_once_run_in_different_threads():
    started, release = threading.Barrier(2, timeout=5), threading.Event()

    def _held(items: list[str]) -> list:
        started.wait()  # both batches are in their threads at the same time
        release.wait(timeout=5)
        return _where(items)

    threads = StoreThreads(_held)
    first = asyncio.ensure_future(threads(["a"]))
    second = asyncio.ensure_future(threads(["b"]))
    await asyncio.sleep(0.05)
    release.set()
    [(_, a_thread, _, _, _)], [(_, b_thread, _, _, _)] = await asyncio.gather(first, second)
    assert a_thread is not b_thread
    threads.idle()
    assert _gone(a_thread) and _gone(b_thread)


async def test_a_connection_that_failed_is_not_kept_for_the_next_batch():
    def _failing_once(items: list[str]) -> list:
        where = _where(items)
        if items == ["fail"]:
            with pytest.raises(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT no_such_column FROM no_such_table")
            assert connection.errors_occurred
        return where

    threads = StoreThreads(_failing_once)
    [(_, thread, wrapper, _, _)] = await threads(["fail"])
    # then the thread checked the connection and, its lifetime being over, closed it
    assert not wrapper.errors_occurred
    if not (connection.vendor == "sqlite" and wrapper.is_in_memory_db()):
        assert wrapper.connection is None
    # and the next batch connects again
    [(item, again, _, raw, _)] = await threads(["b"])
    assert (item, again) == ("b", thread) and raw is not None
    threads.idle()
    assert _gone(thread)
