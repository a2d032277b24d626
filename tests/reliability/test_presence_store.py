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


async def test_members_are_listed_by_id_and_only_while_present(redis_server) -> None:
    presence = RedisPresence({"address": redis_server.url})
    ids = [10_000, 5, 300, 41, 2_000, 40, 9]
    for uid in ids:
        await presence.join(4, author(uid))
    await presence.leave(4, 300)
    members = await presence.members(4)
    assert [m.id for m in members] == [5, 9, 40, 41, 2_000, 10_000]
    assert [m.name for m in members] == [f"Teacher {m.id}" for m in members]
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


async def test_hundreds_of_sockets_closing_at_once_all_leave(redis_server) -> None:
    """More than the connection pool's 100 at once: before the batching the leaves beyond it
    failed and the teachers stayed present for ever."""
    presence = RedisPresence({"address": redis_server.url})
    await asyncio.gather(*(presence.join(5, author(uid)) for uid in range(300)))
    assert len(await presence.members(5)) == 300
    gone = await asyncio.gather(*(presence.leave(5, uid) for uid in range(300)))
    assert all(gone)
    assert await presence.members(5) == []
    assert await presence.redis.hlen(presence._mine(presence.process)) == 0
    await presence.redis.aclose()


async def test_a_dead_process_is_reaped_out_of_its_rooms(redis_server) -> None:
    alive = RedisPresence({"address": redis_server.url})
    dead = RedisPresence({"address": redis_server.url})
    await dead.join(9, author(1))
    await dead.join(9, author(1))  # two sockets of one teacher
    await alive.join(9, author(2))
    await alive.redis.delete(alive._alive(dead.process))  # its heartbeat ran out
    assert await alive.reap() == {9: [1]}
    assert [m.id for m in await alive.members(9)] == [2]
    await alive.redis.aclose()
    await dead.redis.aclose()
