"""Load generation for room benchmarks: many subscribers, one or more posters at a fixed rate.

Subscribers do not parse JSON: each post carries its send time (CLOCK_MONOTONIC, shared by
every process on the machine) in its body as ``t=<ns>;``, found with a string search, so the
load generator stays cheap next to the server it measures.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

import websockets

MARK = "t="


@dataclass
class RoomLoadResult:
    posted: int = 0
    acked: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    first_post_ns: int = 0
    last_arrival_ns: int = 0
    seqs_per_subscriber: list[list[int]] = field(default_factory=list)

    @property
    def delivered(self) -> int:
        return len(self.latencies_ms)

    def delivered_per_second(self) -> float:
        span = (self.last_arrival_ns - self.first_post_ns) / 1e9
        return self.delivered / span if span > 0 else float("nan")


async def connect_many(
    url: str, count: int, headers: list[dict[str, str]] | None = None, batch: int = 100
) -> list:
    sockets: list = []
    for start in range(0, count, batch):
        sockets += await asyncio.gather(
            *(
                websockets.connect(url, additional_headers=(headers[i] if headers else None), max_queue=None,
                                   compression=None, max_size=2**20, ping_interval=None)
                for i in range(start, min(count, start + batch))
            )
        )  # fmt: skip
    return sockets


async def subscribe_all(sockets: list, room: int) -> None:
    for socket in sockets:
        await socket.send(json.dumps({"type": "subscribe", "room": room}))
    for socket in sockets:
        while '"subscribed"' not in await socket.recv():
            pass


async def _subscriber(
    socket, result: RoomLoadResult, expected: int, seqs: list[int] | None
) -> None:
    received = 0
    while received < expected:
        raw = await socket.recv()
        if '"type":"event"' not in raw:
            continue
        now = time.monotonic_ns()
        start = raw.find(MARK) + len(MARK)
        sent = int(raw[start : raw.find(";", start)])
        result.latencies_ms.append((now - sent) / 1e6)
        if now > result.last_arrival_ns:
            result.last_arrival_ns = now
        if seqs is not None:
            at = raw.find('"seq":') + 6
            seqs.append(int(raw[at : raw.find(",", at)]))
        received += 1


async def _poster(
    socket, room: int, rate: float, count: int, result: RoomLoadResult, tag: str
) -> None:
    interval = 1 / rate
    started = time.monotonic()

    async def read_acks() -> None:
        while result.acked + result.errors < count:
            raw = await socket.recv()
            if '"type":"ack"' in raw:
                result.acked += 1
            elif '"type":"error"' in raw:
                result.errors += 1

    reader = asyncio.create_task(read_acks())
    for i in range(count):
        delay = started + i * interval - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        now = time.monotonic_ns()
        if not result.first_post_ns:
            result.first_post_ns = now
        body = f"{MARK}{now};{tag}{i}"
        await socket.send(
            json.dumps({"type": "post", "room": room, "body": body, "ref": f"{tag}-{now}-{i}"})
        )
        result.posted += 1
    await asyncio.wait_for(reader, 120)


async def room_load(
    subscribers: list,
    poster,
    room: int,
    rate: float,
    count: int,
    *,
    keep_seqs: bool = False,
    wait_seconds: float = 120,
    tag: str = "p",
) -> RoomLoadResult:
    """Post ``count`` messages at ``rate`` per second; wait until every subscriber got all."""
    result = RoomLoadResult()
    per_subscriber: list[list[int]] = [[] for _ in subscribers] if keep_seqs else []
    waiters = [
        asyncio.create_task(_subscriber(s, result, count, per_subscriber[i] if keep_seqs else None))
        for i, s in enumerate(subscribers)
    ]
    await _poster(poster, room, rate, count, result, tag)
    _done, pending = await asyncio.wait(waiters, timeout=wait_seconds)
    for task in pending:
        task.cancel()
    result.seqs_per_subscriber = per_subscriber
    return result


async def close_all(sockets: list) -> None:
    await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
