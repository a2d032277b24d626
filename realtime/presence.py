"""Who is connected to a room, across every process.

A user is present in a room while at least one of their sockets, in any process, is
subscribed to it. Each process reports transitions of its own users (first socket in, last
socket out) and learns whether that changed the room's presence as a whole:

* ``LocalPresence`` — one process (embedded default): the counts live in memory.
* ``RedisPresence`` — several processes: per room a Redis hash ``user -> sockets``, changed
  with HINCRBY so concurrent processes agree; each process also records its own contributions
  under a heartbeat key, so when a process dies without saying goodbye, another one takes its
  users out of the rooms (``reap``) and the room is told they left. Joins, leaves and reads
  that arrive while a round trip to Redis is in flight go together in the next one
  (``RoundTrips``): after a deploy every socket subscribes at once, and a round trip per
  socket cost about 1 ms of CPU per reconnect (bench S6); when hundreds of sockets closed at
  once, the leaves beyond the connection pool's 100 failed and left ghosts behind.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import uuid
from typing import Any

from core.protocol.people import AuthorOut

from .round_trips import RoundTrips

logger = logging.getLogger(__name__)
PREFIX = "kring:presence"
HEARTBEAT_SECONDS = 30
PROCESS_TTL_SECONDS = 90

# One socket of a user leaves a room (KEYS: the room's counts, its names, the process's own
# contributions; ARGV: user, "room:user", sockets). Atomic, so only the leave that brings the
# count to zero removes the user, and a join that came in between keeps them. Returns 1 when
# the user is no longer present.
LEAVE = """
local count = redis.call('HINCRBY', KEYS[1], ARGV[1], -tonumber(ARGV[3]))
if redis.call('HINCRBY', KEYS[3], ARGV[2], -tonumber(ARGV[3])) <= 0 then
  redis.call('HDEL', KEYS[3], ARGV[2])
end
if count <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  return 1
end
return 0
"""


class LocalPresence:
    def __init__(self) -> None:
        self.counts: dict[int, dict[int, int]] = {}
        self.authors: dict[int, dict[int, AuthorOut]] = {}

    async def join(self, room_id: int, author: AuthorOut) -> bool:
        """Count one more socket of this user in the room; True if they just became present."""
        counts = self.counts.setdefault(room_id, {})
        counts[author.id] = counts.get(author.id, 0) + 1  # type: ignore[index]
        self.authors.setdefault(room_id, {})[author.id] = author  # type: ignore[index]
        return counts[author.id] == 1  # type: ignore[index]

    async def leave(self, room_id: int, user_id: int) -> bool:
        """One socket fewer; True if the user is no longer present anywhere."""
        counts = self.counts.get(room_id, {})
        remaining = counts.get(user_id, 0) - 1
        if remaining > 0:
            counts[user_id] = remaining
            return False
        counts.pop(user_id, None)
        self.authors.get(room_id, {}).pop(user_id, None)
        return True

    async def members(self, room_id: int) -> list[AuthorOut]:
        authors = self.authors.get(room_id, {})
        return [authors[uid] for uid in sorted(self.counts.get(room_id, {}))]

    async def heartbeat(self) -> None:
        return None

    async def reap(self) -> dict[int, list[int]]:
        return {}


@functools.lru_cache(maxsize=16384)
def _author(raw: bytes) -> AuthorOut:
    """A present user as stored by ``join``. Every subscribe reads everyone present in the
    room, so in a reconnect storm the same few hundred entries are read thousands of times:
    parsed once (5.0 -> 0.05 ms for 500 present, timeit). Shared, never changed; a new name
    is a new entry."""
    return AuthorOut.model_validate_json(raw)


class RedisPresence:
    def __init__(self, host: dict[str, Any]) -> None:
        """``host``: the channel layer's Redis (a URL, or Sentinel and master name)."""
        import redis.asyncio as redis
        from redis.asyncio.sentinel import Sentinel

        options = {"socket_timeout": 5, "socket_connect_timeout": 5, "health_check_interval": 30}
        if "sentinels" in host:
            sentinel = Sentinel(host["sentinels"], sentinel_kwargs=host.get("sentinel_kwargs"))
            self.redis = sentinel.master_for(host["master_name"], db=host.get("db", 0), **options)
        else:
            self.redis = redis.from_url(host["address"], **options)

        self.process = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._joins = RoundTrips(self._join_all)
        self._reads = RoundTrips(self._members_of_rooms)
        self._leaves = RoundTrips(self._leave_all)

    def _room(self, room_id: int) -> str:
        return f"{PREFIX}:room:{room_id}"

    def _who(self, room_id: int) -> str:
        return f"{PREFIX}:who:{room_id}"

    def _mine(self, process: str) -> str:
        return f"{PREFIX}:proc:{process}"

    def _alive(self, process: str) -> str:
        return f"{PREFIX}:alive:{process}"

    async def join(self, room_id: int, author: AuthorOut) -> bool:
        """One more socket of this user in the room; True if they just became present."""
        return await self._joins.ask((room_id, author))

    async def _join_all(self, joins: list[tuple[int, AuthorOut]]) -> list[bool]:
        mine = self._mine(self.process)
        async with self.redis.pipeline(transaction=True) as pipe:
            for room_id, author in joins:
                field = str(author.id)
                pipe.hincrby(self._room(room_id), field, 1)
                pipe.hset(self._who(room_id), field, author.model_dump_json())
                pipe.hincrby(mine, f"{room_id}:{field}", 1)
            pipe.sadd(f"{PREFIX}:processes", self.process)
            pipe.set(self._alive(self.process), 1, ex=PROCESS_TTL_SECONDS)
            results = await pipe.execute()
        return [int(count) == 1 for count in results[0 : 3 * len(joins) : 3]]

    async def leave(self, room_id: int, user_id: int) -> bool:
        """One socket fewer; True if the user is no longer present anywhere."""
        return await self._leave(room_id, user_id, self.process, 1)

    async def _leave(self, room_id: int, user_id: int, process: str, sockets: int) -> bool:
        return await self._leaves.ask((room_id, user_id, process, sockets))

    async def _leave_all(self, leaves: list[tuple[int, int, str, int]]) -> list[bool]:
        # EVAL with the script's text, not redis-py's registered script: on a pipeline that
        # asks SCRIPT EXISTS, with the SHA once per leave, in a round trip of its own first
        # (45% of the leaves' cost when 5,000 sockets closed, bench S6). Redis compiles the
        # script once and finds it by its SHA after.
        async with self.redis.pipeline(transaction=False) as pipe:
            for room_id, user_id, process, sockets in leaves:
                keys = (self._room(room_id), self._who(room_id), self._mine(process))
                pipe.eval(LEAVE, len(keys), *keys, user_id, f"{room_id}:{user_id}", sockets)
            return [bool(gone) for gone in await pipe.execute()]

    async def members(self, room_id: int) -> list[AuthorOut]:
        return await self._reads.ask(room_id)

    async def _members_of_rooms(self, room_ids: list[int]) -> list[list[AuthorOut]]:
        # Only the names: a user has one exactly while their count is above zero (a join sets
        # both in one transaction, the leave script removes both), and in a reconnect storm
        # these reads were a third of the server's work (bench S6, 5,000 clients in 20 rooms).
        rooms = list(dict.fromkeys(room_ids))
        async with self.redis.pipeline(transaction=False) as pipe:
            for room_id in rooms:
                pipe.hgetall(self._who(room_id))
            results = await pipe.execute()
        found = {room_id: _present(names) for room_id, names in zip(rooms, results, strict=True)}
        return [found[room_id] for room_id in room_ids]

    async def heartbeat(self) -> None:
        await self.redis.set(self._alive(self.process), 1, ex=PROCESS_TTL_SECONDS)
        await self.redis.sadd(f"{PREFIX}:processes", self.process)

    async def reap(self) -> dict[int, list[int]]:
        """Take the users of dead processes out of their rooms. Returns ``{room: [users who
        are no longer present anywhere]}`` so the rooms can be told."""
        gone: dict[int, list[int]] = {}
        for raw in await self.redis.smembers(f"{PREFIX}:processes"):
            process = raw.decode() if isinstance(raw, bytes) else raw
            if process == self.process or await self.redis.exists(self._alive(process)):
                continue
            contributions = await self.redis.hgetall(self._mine(process))
            for key, sockets in contributions.items():
                room_id, user_id = (int(part) for part in key.decode().split(":"))
                if int(sockets) > 0 and await self._leave(room_id, user_id, process, int(sockets)):
                    gone.setdefault(room_id, []).append(user_id)
            await self.redis.delete(self._mine(process))
            await self.redis.srem(f"{PREFIX}:processes", process)
            logger.warning(
                "presence: removed %s users of dead process %s", len(contributions), process
            )
        return gone


def _present(names: dict[bytes, bytes]) -> list[AuthorOut]:
    """The present users of a room, by id, from its hash of who they are."""
    ids = sorted(names)
    ids.sort(key=len)  # stable: digits of one length in order, shorter numbers first
    return [_author(names[uid]) for uid in ids]


def presence_store() -> Any:
    from django.conf import settings

    if settings.REDIS_ENABLED:
        return RedisPresence(settings.REDIS_HOST)
    return LocalPresence()
