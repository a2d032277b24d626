"""R1 / R2 — the reference servers Kring is measured against.

R1: a minimal `websockets` server speaking Kring's subscribe/post protocol in one process,
fanning out with `websockets.broadcast`: no auth, no database, no channel layer.
R2: the same, with `--redis URL`: posts are PUBLISHed to Redis and every process broadcasts
what it receives to its own sockets, so two R2 processes form a cluster.

Run: python -m bench.reference_server --port 9000 [--redis redis://127.0.0.1:6379/5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import defaultdict

import websockets

rooms: dict[int, set] = defaultdict(set)
background: set[asyncio.Task] = set()  # keeps the Redis listener referenced

seqs: dict[int, int] = defaultdict(int)


def compact(frame: dict) -> str:
    return json.dumps(frame, separators=(",", ":"))


def event_text(room: int, seq: int, body: str) -> str:
    return json.dumps(
        {
            "type": "event",
            "room": room,
            "seq": seq,
            "event": {"id": seq, "kind": "message", "author": {"id": 1, "name": "Reference"},
                      "body": body, "html": f"<p>{body}</p>", "created_at": time.time()},
        },
        separators=(",", ":"),
    )  # fmt: skip


async def main(port: int, redis_url: str | None) -> None:
    publisher = None
    if redis_url:
        import redis.asyncio as redis

        publisher = redis.from_url(redis_url)
        background.add(asyncio.create_task(listen(redis_url)))

    async def handler(socket) -> None:
        subscribed: set[int] = set()
        try:
            async for raw in socket:
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "subscribe":
                    room = frame["room"]
                    rooms[room].add(socket)
                    subscribed.add(room)
                    await socket.send(
                        compact({"type": "subscribed", "room": room, "seq": seqs[room]})
                    )
                elif kind == "post":
                    room = frame["room"]
                    if publisher is not None:
                        seq = await publisher.incr(f"ref:seq:{room}")
                        text = event_text(room, seq, frame["body"])
                        await publisher.publish(f"ref:room:{room}", text)
                    else:
                        seqs[room] += 1
                        seq = seqs[room]
                        websockets.broadcast(rooms[room], event_text(room, seq, frame["body"]))
                    await socket.send(
                        compact({"type": "ack", "room": room, "seq": seq, "ref": frame.get("ref")})
                    )

                elif kind == "ping":
                    await socket.send('{"type":"pong"}')
        finally:
            for room in subscribed:
                rooms[room].discard(socket)

    async with websockets.serve(handler, "127.0.0.1", port, max_size=65536, compression=None):
        await asyncio.Future()


async def listen(redis_url: str) -> None:
    import redis.asyncio as redis

    client = redis.from_url(redis_url)
    pubsub = client.pubsub()
    await pubsub.psubscribe("ref:room:*")
    async for message in pubsub.listen():
        if message["type"] != "pmessage":
            continue
        room = int(message["channel"].decode().rsplit(":", 1)[1])
        websockets.broadcast(rooms[room], message["data"].decode())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", default=None)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.port, arguments.redis))
