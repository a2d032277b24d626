"""Presence in Redis with joins and reads batched per round trip (realtime.presence): many
sockets subscribing at once are counted exactly, every reader sees every join that finished
before it asked, and a user is present while any of their sockets is."""

from __future__ import annotations

import asyncio

import pytest

from core.protocol.people import AuthorOut
from realtime.presence import RedisPresence

pytestmark = pytest.mark.e2e


def author(user_id: int) -> AuthorOut:
    return AuthorOut(id=user_id, name=f"Teacher {user_id}", handle=f"teacher-{user_id}")


async def test_a_burst_of_joins_and_reads_counts_everyone_once(redis_server) -> None:
    presence = RedisPresence({"address": redis_server.url})
    rooms = (1, 2)
    # 200 sockets of 100 teachers (two each) subscribe at once, half to each room.
    firsts = await asyncio.gather(
        *(presence.join(rooms[uid % 2], author(uid)) for uid in range(100) for _ in range(2))
    )
    assert sum(firsts) == 100  # each teacher became present once
    seen = await asyncio.gather(*(presence.members(room) for room in rooms * 50))
    for room, members in zip(rooms * 50, seen, strict=True):
        assert [m.id for m in members] == [uid for uid in range(100) if rooms[uid % 2] == room]
        assert members[0].name == f"Teacher {members[0].id}"
    # Still present while one socket is left; gone with the last.
    assert not await presence.leave(1, 2)  # teacher 2 (room 1) had two sockets
    assert 2 in [m.id for m in await presence.members(1)]
    assert await presence.leave(1, 2)
    assert 2 not in [m.id for m in await presence.members(1)]
    await presence.redis.aclose()


async def test_a_read_sees_the_joins_that_finished_before_it(redis_server) -> None:
    presence = RedisPresence({"address": redis_server.url})
    for uid in range(20):
        await presence.join(7, author(uid))
        assert [m.id for m in await presence.members(7)] == list(range(uid + 1))
    await presence.redis.aclose()


async def test_when_redis_is_gone_every_waiting_request_fails(redis_server) -> None:
    presence = RedisPresence({"address": redis_server.url})
    await presence.join(3, author(1))
    redis_server.kill()
    results = await asyncio.gather(
        *(presence.join(3, author(uid)) for uid in range(5)), presence.members(3),
        return_exceptions=True,
    )  # fmt: skip
    assert all(isinstance(result, Exception) for result in results)
