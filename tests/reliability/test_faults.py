"""Faults with real processes: two daphne processes over a Redis server of the test's own,
which the tests kill and restart; a daphne process killed; a locked database; a client that
cannot keep up. Each test reports posted, acknowledged, stored, delivered live, delivered on
resume, duplicates and lost; duplicates and lost must be 0.

These need `redis-server` (the CI script installs it); without it they skip locally and
fail in CI.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import threading
import time
from dataclasses import dataclass, field

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.db import connection

from community.models import RoomEvent
from tests.conftest import IN_CI, http_json, make_member, start_daphne, stop_daphne
from tests.factories import CommunityFactory
from tests.reliability.conftest import REDIS_SERVER, PrivateRedis

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cluster(redis_server, transactional_db):
    """Two daphne processes sharing the test database and the private Redis."""
    env = {"REDIS_URL": redis_server.url, "KRING_WORKER_IN_PROCESS": "0"}
    a = start_daphne(env, log_name="fault-a")
    b = start_daphne(env, log_name="fault-b")
    yield a, b
    for server in (a, b):
        if server.process.poll() is None:
            stop_daphne(server)


@dataclass
class Counts:
    posted: int = 0
    acknowledged: int = 0
    live: dict[int, list[int]] = field(default_factory=dict)  # subscriber -> seqs, live
    resumed: dict[int, list[int]] = field(default_factory=dict)  # subscriber -> seqs, on resume

    def report(self, stored: list[int]) -> dict[str, int]:
        duplicates = lost = 0
        for subscriber, seqs in self.live.items():
            everything = seqs + self.resumed.get(subscriber, [])
            duplicates += len(everything) - len(set(everything))
            lost += len(set(stored) - set(everything))
        result = {
            "posted": self.posted,
            "acknowledged": self.acknowledged,
            "stored": len(stored),
            "delivered live": sum(len(s) for s in self.live.values()),
            "delivered on resume": sum(len(s) for s in self.resumed.values()),
            "duplicates": duplicates,
            "lost": lost,
        }
        print("\n" + ", ".join(f"{k}: {v}" for k, v in result.items()))
        return result


class Subscriber:
    """A client that keeps the last seq it saw and, when its socket drops, reconnects (to
    any server in the list) and resumes with `since`."""

    def __init__(self, index: int, urls: list[str], token: str, room: int, counts: Counts) -> None:
        self.index, self.urls, self.token, self.room, self.counts = index, urls, token, room, counts
        self.last = 0
        self.replay_upto = 0  # after a reconnect: events up to here are the server's replay

        self.stop = asyncio.Event()
        counts.live[index], counts.resumed[index] = [], []

    async def run(self) -> None:
        attempt = 0
        while not self.stop.is_set():
            url = self.urls[attempt % len(self.urls)]
            try:
                async with websockets.connect(
                    url, additional_headers={"X-Session-Token": self.token}
                ) as ws:
                    await ws.send(
                        json.dumps({"type": "subscribe", "room": self.room, "since": self.last})
                    )
                    while not self.stop.is_set():
                        try:
                            raw = await asyncio.wait_for(ws.recv(), 0.2)
                        except TimeoutError:
                            continue
                        frame = json.loads(raw)
                        if frame["type"] == "subscribed":
                            self.replay_upto = frame["seq"] if attempt > 0 else 0
                        elif frame["type"] == "event":
                            replayed = frame["seq"] <= self.replay_upto
                            target = self.counts.resumed if replayed else self.counts.live
                            target[self.index].append(frame["seq"])
                            self.last = max(self.last, frame["seq"])
            except (
                OSError,
                websockets.ConnectionClosed,
                websockets.InvalidStatus,
                websockets.InvalidMessage,
            ):
                pass
            attempt += 1
            await asyncio.sleep(0.2)

    def caught_up(self, upto: int) -> bool:
        return self.last >= upto


async def poster(
    url: str,
    token: str,
    room: int,
    count: int,
    rate: float,
    counts: Counts,
    on_progress=None,
    size: int = 0,
) -> None:
    """Posts `count` messages at `rate`, retrying each (same ref) until acknowledged."""
    pending = {f"post-{i}": i for i in range(count)}
    while pending:
        try:
            async with websockets.connect(url, additional_headers={"X-Session-Token": token}) as ws:
                for ref, i in sorted(pending.items(), key=lambda item: item[1]):
                    body = f"message {i} " + "x" * size
                    await ws.send(
                        json.dumps({"type": "post", "room": room, "body": body, "ref": ref})
                    )
                    counts.posted += 1
                    while True:
                        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                        if frame.get("ref") == ref:
                            break
                    if frame["type"] == "ack":
                        counts.acknowledged += 1
                        del pending[ref]
                        if on_progress:
                            await on_progress(count - len(pending))
                    await asyncio.sleep(1 / rate)
        except (OSError, TimeoutError, websockets.ConnectionClosed, websockets.InvalidStatus):
            await asyncio.sleep(0.2)


def page_history(server, token: str, room: int, first: int, last: int) -> list[int]:
    seqs: list[int] = []
    after = first - 1
    while after < last:
        _, frames = http_json(
            "GET",
            f"{server.url}/api/rooms/{room}/events?after={after}&limit=200",
            headers={"X-Session-Token": token},
        )
        seqs += [f["seq"] for f in frames if f["seq"] <= last]
        after = frames[-1]["seq"]
    return seqs


def stored_seqs(room_id: int) -> list[int]:

    return list(
        RoomEvent.objects.filter(room_id=room_id).order_by("seq").values_list("seq", flat=True)
    )


async def _setup(subscribers: int):
    community = await sync_to_async(CommunityFactory)()
    room = await sync_to_async(lambda: community.rooms.get(name="general").pk)()
    members = [await sync_to_async(make_member)(community) for _ in range(subscribers + 1)]
    return room, members


async def _drain(subs: list[Subscriber], room: int, timeout: float = 30) -> list[int]:
    stored = await sync_to_async(stored_seqs)(room)
    deadline = time.monotonic() + timeout
    while not all(s.caught_up(stored[-1] if stored else 0) for s in subs):
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    for s in subs:
        s.stop.set()
    return stored


async def test_redis_restarted_mid_traffic_loses_nothing(cluster, redis_server):
    a, b = cluster
    room, members = await _setup(6)
    counts = Counts()
    subs = [
        Subscriber(i, [s.ws_url], m.token, room, counts)
        for i, (m, s) in enumerate(zip(members[1:], [a, b] * 3, strict=True))
    ]
    tasks = [asyncio.create_task(s.run()) for s in subs]
    await asyncio.sleep(1)
    restarted = asyncio.Event()

    async def restart_redis_midway(done: int) -> None:
        if done == 20 and not restarted.is_set():
            restarted.set()
            await asyncio.to_thread(redis_server.kill)
            await asyncio.sleep(1.5)  # posts go on while Redis is down
            await asyncio.to_thread(redis_server.start)

    await poster(a.ws_url, members[0].token, room, 60, 20, counts, restart_redis_midway)
    stored = await _drain(subs, room)
    await asyncio.gather(*tasks)
    report = counts.report(stored)
    assert restarted.is_set()
    assert report["acknowledged"] == report["stored"] == 60
    assert report["duplicates"] == 0 and report["lost"] == 0


async def test_daphne_killed_its_clients_resume_on_the_other(cluster):
    a, b = cluster
    room, members = await _setup(4)
    counts = Counts()
    # each subscriber starts on A and falls back to B
    subs = [
        Subscriber(i, [a.ws_url, b.ws_url], m.token, room, counts)
        for i, m in enumerate(members[1:])
    ]
    tasks = [asyncio.create_task(s.run()) for s in subs]
    await asyncio.sleep(1)

    async def kill_a_midway(done: int) -> None:
        if done == 15:
            a.process.send_signal(signal.SIGKILL)

    await poster(b.ws_url, members[0].token, room, 40, 20, counts, kill_a_midway)
    stored = await _drain(subs, room)
    await asyncio.gather(*tasks)
    report = counts.report(stored)
    assert a.process.poll() is not None, "process A was killed"
    assert report["delivered on resume"] > 0
    assert report["duplicates"] == 0 and report["lost"] == 0


async def test_locked_database_gets_an_error_never_an_unstored_ack(redis_server, transactional_db):
    server = start_daphne(
        {"REDIS_URL": redis_server.url, "DB_LOCK_TIMEOUT": "1", "KRING_WORKER_IN_PROCESS": "0"},
        log_name="fault-lock",
    )
    try:
        room, members = await _setup(0)
        locked, release = threading.Event(), threading.Event()

        def hold_lock() -> None:
            from django.db import connections

            with connections["default"].cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("BEGIN")
                    cursor.execute("LOCK TABLE community_room IN ACCESS EXCLUSIVE MODE")
                else:
                    cursor.execute("BEGIN EXCLUSIVE")
                locked.set()
                release.wait(20)
                cursor.execute("ROLLBACK")
            connections["default"].close()

        holder = threading.Thread(target=hold_lock)
        holder.start()
        locked.wait(5)
        async with websockets.connect(
            server.ws_url, additional_headers={"X-Session-Token": members[0].token}
        ) as ws:
            await ws.send(
                json.dumps(
                    {"type": "post", "room": room, "body": "while locked", "ref": "locked-1"}
                )
            )
            answer = json.loads(await asyncio.wait_for(ws.recv(), 15))
            assert (answer["type"], answer["code"], answer["ref"]) == (
                "error",
                "unavailable",
                "locked-1",
            )
            release.set()
            await asyncio.to_thread(holder.join)
            assert await sync_to_async(RoomEvent.objects.count)() == 0, (
                "nothing was acknowledged, nothing stored"
            )
            await ws.send(
                json.dumps(
                    {"type": "post", "room": room, "body": "while locked", "ref": "locked-1"}
                )
            )
            retried = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert retried["type"] == "ack"
        assert await sync_to_async(RoomEvent.objects.count)() == 1
    finally:
        stop_daphne(server)


@pytest.mark.parametrize("direct_writes", ["true", "false"])
async def test_slow_consumer_is_told_to_resume_and_misses_nothing(
    redis_server, transactional_db, direct_writes
):
    server = start_daphne(
        {
            "REDIS_URL": redis_server.url,
            "KRING_SLOW_CONSUMER_BYTES": "65536",
            "KRING_WORKER_IN_PROCESS": "0",
            "KRING_DIRECT_WRITES": direct_writes,
        },
        log_name="fault-slow",
    )
    try:
        room, members = await _setup(1)
        counts = Counts()
        headers = {"X-Session-Token": members[1].token}
        # A client that stops reading: its receive buffer and the kernel's fill up.
        # A small kernel receive buffer, so the backlog builds up on the server quickly.
        raw = socket.socket()
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        raw.connect(("127.0.0.1", int(server.url.rsplit(":", 1)[1])))
        slow = await websockets.connect(
            server.ws_url, additional_headers=headers, max_queue=1, sock=raw
        )
        await slow.send(json.dumps({"type": "subscribe", "room": room, "since": 0}))
        await poster(server.ws_url, members[0].token, room, 1000, 1000, counts, None, size=3500)

        # now read what arrived, until the server's resume notice or the close
        seqs, reason = [], None
        try:
            while True:
                frame = json.loads(await asyncio.wait_for(slow.recv(), 5))
                if frame["type"] == "event":
                    seqs.append(frame["seq"])
                elif frame["type"] == "resume":
                    reason = frame["reason"]
        except (websockets.ConnectionClosed, TimeoutError):
            pass
        # The server stopped writing to it and closed it; the resume frame and the close code
        # may be stuck behind the backlog the client never read (then the close is abnormal).
        assert reason == "slow_consumer" or slow.close_code in (4008, 1006)
        assert "closing a slow consumer" in server.log()

        counts.live[0] = seqs
        counts.resumed[0] = []
        async with websockets.connect(server.ws_url, additional_headers=headers) as again:
            await again.send(
                json.dumps({"type": "subscribe", "room": room, "since": max(seqs, default=0)})
            )
            while (max(seqs + counts.resumed[0], default=0)) < 1000:
                frame = json.loads(await asyncio.wait_for(again.recv(), 10))
                if frame["type"] == "event":
                    counts.resumed[0].append(frame["seq"])
                elif frame["type"] == "gap":  # too much missed for the socket: page over HTTP
                    counts.resumed[0] += await asyncio.to_thread(
                        page_history, server, members[1].token, room, frame["from"], frame["to"]
                    )

        report = counts.report(await sync_to_async(stored_seqs)(room))
        assert report["duplicates"] == 0 and report["lost"] == 0
    finally:
        stop_daphne(server)


async def test_presence_and_typing_cross_processes(cluster):
    a, b = cluster
    room, members = await _setup(1)
    on_a = await websockets.connect(
        a.ws_url, additional_headers={"X-Session-Token": members[0].token}
    )
    await on_a.send(json.dumps({"type": "subscribe", "room": room}))
    await asyncio.wait_for(_until(on_a, "subscribed"), 5)
    on_b = await websockets.connect(
        b.ws_url, additional_headers={"X-Session-Token": members[1].token}
    )
    await on_b.send(json.dumps({"type": "subscribe", "room": room}))
    subscribed = await asyncio.wait_for(_until(on_b, "subscribed"), 5)
    # B's process sees who is present through A's process
    assert set(subscribed["presence"]) == {members[0].user.pk, members[1].user.pk}
    joined = set()
    while members[1].user.pk not in joined:
        joined |= {u["id"] for u in (await asyncio.wait_for(_until(on_a, "presence"), 5))["joined"]}
    await on_b.send(json.dumps({"type": "typing", "room": room}))
    typing = await asyncio.wait_for(_until(on_a, "typing"), 5)
    assert typing["user"]["id"] == members[1].user.pk
    await on_b.close()
    left = set()
    while members[1].user.pk not in left:
        left |= set((await asyncio.wait_for(_until(on_a, "presence"), 5))["left"])
    await on_a.close()


async def _until(socket, frame_type: str) -> dict:
    while True:
        frame = json.loads(await socket.recv())
        if frame["type"] == frame_type:
            return frame


async def test_a_process_started_while_redis_is_down_serves_and_catches_up(transactional_db):
    """Redis is not running when daphne starts: sockets are accepted, posts are stored and
    reach the room from the database (the hub's periodic catch-up); once Redis is up, the hub
    joins its groups and delivery is live again."""
    if REDIS_SERVER is None:
        if IN_CI:
            pytest.fail("redis-server is not installed; .ci/run installs it")
        pytest.skip("redis-server is not installed")
    redis = PrivateRedis()  # not started yet
    server = start_daphne(
        {"REDIS_URL": redis.url, "KRING_WORKER_IN_PROCESS": "0"}, log_name="fault-no-redis"
    )
    try:
        room, members = await _setup(1)
        url, headers = server.ws_url, [{"X-Session-Token": m.token} for m in members]
        async with (
            websockets.connect(url, additional_headers=headers[0]) as poster,
            websockets.connect(url, additional_headers=headers[1]) as reader,
        ):
            for socket in (poster, reader):
                await socket.send(json.dumps({"type": "subscribe", "room": room}))
            await poster.send(json.dumps({"type": "post", "room": room, "body": "a", "ref": "a"}))
            assert await _next(poster, "ack", 10)
            first = await _next(reader, "event", 20)  # from the database, no doorbell
            assert first["event"]["body"] == "a"
            redis.start()
            for attempt in range(30):  # the hub joins once Redis answers
                await asyncio.sleep(1)
                ref = f"b{attempt}"
                await poster.send(
                    json.dumps({"type": "post", "room": room, "body": ref, "ref": ref})
                )
                started = time.monotonic()
                event = await _next(reader, "event", 20)
                assert event["event"]["body"] == ref
                if time.monotonic() - started < 2:
                    break  # live again (a doorbell, not the periodic catch-up)
            else:
                raise AssertionError("delivery did not become live after Redis came back")
    finally:
        stop_daphne(server)
        redis.kill()


async def _next(socket, frame_type: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), deadline - time.monotonic()))
        if frame["type"] == frame_type:
            return frame
