"""The socket edge's group commit (realtime.post_batch): which posts go together, and that
each caller gets its own outcome. The store is a coroutine the test controls, so what is in
each batch is certain; the consumer tests post through the real one."""

from __future__ import annotations

import asyncio

import pytest

from community.services import PostRequest
from core.errors import Forbidden
from realtime.post_batch import PostBatcher


class _Store:
    """Stores nothing; records each batch and holds it until the test releases it."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.release = asyncio.Event()

    async def __call__(self, requests: list[PostRequest]) -> list:
        self.batches.append([r.body for r in requests])
        await self.release.wait()
        return [Forbidden("no") if r.body == "refuse" else (r.body.upper(), True) for r in requests]


async def _settle() -> None:
    """Let every task that can run, run (a post's task, then the batch task it starts)."""
    for _ in range(5):
        await asyncio.sleep(0)


def _request(body: str) -> PostRequest:
    return PostRequest(room_id=1, author=None, body=body)  # type: ignore[arg-type]


async def test_posts_arriving_while_the_batches_are_busy_go_together(settings):
    settings.KRING_POST_BATCHES_IN_FLIGHT = 1
    store = _Store()
    batcher = PostBatcher(store)
    # given one post being stored
    first = asyncio.ensure_future(batcher.post(_request("a")))
    await _settle()
    assert store.batches == [["a"]], "a post goes at once when nothing is in flight"
    # when three more arrive meanwhile (one of them refused)
    later = [asyncio.ensure_future(batcher.post(_request(b))) for b in ("b", "refuse", "c")]
    await _settle()
    assert store.batches == [["a"]], "they wait for the batch ahead of them"
    store.release.set()
    # then they are stored in one batch after it, and each is told its own outcome
    assert await first == ("A", True)
    assert await later[0] == ("B", True)
    with pytest.raises(Forbidden):
        await later[1]
    assert await later[2] == ("C", True)
    assert store.batches == [["a"], ["b", "refuse", "c"]]


async def test_batches_in_flight_and_batch_size_are_limited(settings):
    settings.KRING_POST_BATCHES_IN_FLIGHT = 2
    settings.KRING_POST_BATCH_MAX = 2
    store = _Store()
    batcher = PostBatcher(store)
    posts = [asyncio.ensure_future(batcher.post(_request(b))) for b in "abcdefg"]
    await _settle()
    # two batches in flight at once, the first post of each alone
    assert store.batches == [["a"], ["b"]]
    store.release.set()
    assert [await p for p in posts] == [(b.upper(), True) for b in "abcdefg"]
    assert store.batches == [["a"], ["b"], ["c", "d"], ["e", "f"], ["g"]]


async def test_a_store_that_fails_fails_each_of_its_posts_and_the_next_batch_runs(settings):
    settings.KRING_POST_BATCHES_IN_FLIGHT = 1
    calls = []

    async def store(requests):
        calls.append(len(requests))
        if len(calls) == 1:
            raise RuntimeError("thread pool gone")
        return [("ok", True) for _ in requests]

    batcher = PostBatcher(store)
    failing = asyncio.ensure_future(batcher.post(_request("a")))
    following = asyncio.ensure_future(batcher.post(_request("b")))
    with pytest.raises(RuntimeError):
        await failing
    assert await following == ("ok", True)


async def test_a_caller_that_goes_away_does_not_stop_the_batch(settings):
    settings.KRING_POST_BATCHES_IN_FLIGHT = 1
    store = _Store()
    batcher = PostBatcher(store)
    first = asyncio.ensure_future(batcher.post(_request("a")))
    await _settle()
    gone = asyncio.ensure_future(batcher.post(_request("b")))
    staying = asyncio.ensure_future(batcher.post(_request("c")))
    await _settle()
    gone.cancel()  # its socket closed while its post waited
    store.release.set()
    assert await first == ("A", True)
    assert await staying == ("C", True)
    assert store.batches == [["a"], ["b", "c"]], "the post was stored all the same"


@pytest.mark.django_db(transaction=True)
async def test_sockets_posting_at_once_are_each_acknowledged_with_their_own_outcome(
    community, room, settings
):
    """Through the consumer and the real store: six sockets post at once (one of them
    muted), with one batch in flight, so most posts share a transaction."""
    from channels.db import database_sync_to_async

    from community.models import RoomEvent
    from core import metrics
    from facilitators.models import Mute
    from tests.conftest import connect, make_member, receive_until

    settings.KRING_POST_BATCHES_IN_FLIGHT = 1
    members = [await database_sync_to_async(make_member)(community) for _ in range(6)]
    await database_sync_to_async(Mute.objects.create)(community=community, user=members[3].user)
    sockets = [await connect(m.token) for m in members]
    batches_before = metrics.POST_BATCH_SIZE._sum.get()
    for i, socket in enumerate(sockets):
        await socket.send_json_to(
            {"type": "post", "room": room.pk, "body": f"p{i}", "ref": f"r{i}"}
        )
    answers = [await receive_until(s, "error" if i == 3 else "ack") for i, s in enumerate(sockets)]
    assert answers[3]["code"] == "forbidden" and answers[3]["ref"] == "r3"
    acked = [a for i, a in enumerate(answers) if i != 3]
    assert [a["ref"] for a in acked] == ["r0", "r1", "r2", "r4", "r5"]
    assert sorted(a["seq"] for a in acked) == [1, 2, 3, 4, 5], "gapless, the refusal took none"
    stored = await database_sync_to_async(
        lambda: sorted(RoomEvent.objects.filter(room=room).values_list("body", flat=True))
    )()
    assert stored == ["p0", "p1", "p2", "p4", "p5"]
    assert metrics.POST_BATCH_SIZE._sum.get() - batches_before == 6
    for socket in sockets:
        await socket.disconnect()


async def test_zero_in_the_settings_still_stores_posts_one_at_a_time(settings):
    settings.KRING_POST_BATCHES_IN_FLIGHT = 0
    settings.KRING_POST_BATCH_MAX = 0
    store = _Store()
    store.release.set()
    batcher = PostBatcher(store)
    posts = [asyncio.ensure_future(batcher.post(_request(b))) for b in "ab"]
    assert [await p for p in posts] == [("A", True), ("B", True)]
    assert store.batches == [["a"], ["b"]]


async def test_the_batcher_says_when_it_is_idle_and_only_then(settings):
    settings.KRING_POST_BATCHES_IN_FLIGHT = 2
    settings.KRING_POST_BATCH_MAX = 1
    store, idle_calls = _Store(), []
    batcher = PostBatcher(store, on_idle=lambda: idle_calls.append(len(store.batches)))
    posts = [asyncio.ensure_future(batcher.post(_request(b))) for b in "abc"]
    await _settle()
    assert store.batches == [["a"], ["b"]] and idle_calls == []
    store.release.set()
    assert [await p for p in posts] == [("A", True), ("B", True), ("C", True)]
    await _settle()
    # not while "c" waited or was in flight: once, after the last batch
    assert idle_calls == [3]
