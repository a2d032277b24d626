"""Who is present in a room, read for the ``subscribed`` frame and shared by the sockets
subscribing to it together.

After a deploy every client of a process comes back within seconds: at 10,000 clients in 20
rooms, each subscribe read and encoded the 500 people present in its room, a third of the
server's work (bench S6). ``PresenceReads`` reads a room once and lets the next subscribes have
the same answer, encoded once (``PresentPeople``), while it cannot have gone stale:

* every change of a room's presence reaches this process as a ``presence`` frame (it follows
  the room's group while it has sockets there); the hub calls ``changed`` as it delivers one,
  which ends the sharing. A socket that subscribes after that gets a fresh read; one that
  subscribed before gets the frame itself;
* a read that a ``presence`` frame overtook is read again before it is answered (the frame may
  have reached the socket before its ``subscribed``, whose list would undo it);
* frames can be lost (the channel layer is at-most-once), so nothing is shared for longer than
  ``KRING_PRESENCE_REUSE_SECONDS`` from when it was sent, and nothing of a room this process
  stopped following.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from django.conf import settings

from core.protocol.frames import PresentPeople
from core.protocol.people import AuthorOut

# Reads one room (the presence store's ``members``).
ReadRoom = Callable[[int], Awaitable[list[AuthorOut]]]
# A read overtaken this often in a row is answered anyway. The frames that overtook it reached
# the socket before its ``subscribed``, whose list may undo them until the next change: rare
# (three frames of one room within three reads), and before this module every read could.
MAX_READS = 3


@dataclass(slots=True)
class _Read:
    changes: int  # the room's count of changes when the read was sent
    sent: float
    task: asyncio.Future[PresentPeople]


class PresenceReads:
    def __init__(self, read_room: ReadRoom) -> None:
        self._read_room = read_room
        self._reads: dict[int, _Read] = {}
        # Presence frames delivered per room (kept for rooms no longer followed too, so that a
        # read sent before the room was let go of is never taken for a fresh one).
        self._changes: dict[int, int] = {}

    async def present(self, room_id: int) -> PresentPeople:
        """Who is present in the room, no older than the last ``presence`` frame delivered."""
        for _ in range(MAX_READS):
            changes = self._changes.setdefault(room_id, 0)
            people = await asyncio.shield(self._shared(room_id, changes).task)
            if self._changes[room_id] == changes:
                break
        return people

    def _shared(self, room_id: int, changes: int) -> _Read:
        read = self._reads.get(room_id)
        if read is None or read.changes != changes or (read.task.done() and self._stale(read)):
            task = asyncio.ensure_future(self._read(room_id))
            read = self._reads[room_id] = _Read(changes, time.monotonic(), task)
            task.add_done_callback(lambda _, read=read: self._done(room_id, read))
        return read

    @staticmethod
    def _stale(read: _Read) -> bool:
        """Done, and failed (never shared) or older than the reuse allows."""
        if read.task.cancelled() or read.task.exception() is not None:
            return True
        return time.monotonic() - read.sent >= settings.KRING_PRESENCE_REUSE_SECONDS

    async def _read(self, room_id: int) -> PresentPeople:
        return PresentPeople(await self._read_room(room_id))

    def _done(self, room_id: int, read: _Read) -> None:
        if self._stale(read) and self._reads.get(room_id) is read:
            del self._reads[room_id]  # a failed read is not shared: the next one tries again

    def changed(self, room_id: int) -> None:
        """A ``presence`` frame of the room is being delivered (or this process stops
        following the room, and will not hear of its changes): what was read is stale."""
        self._changes[room_id] = self._changes.get(room_id, 0) + 1
        self._reads.pop(room_id, None)

    def changed_everywhere(self) -> None:
        """The channel layer failed: ``presence`` frames may have been lost."""
        for room_id in self._changes:
            self._changes[room_id] += 1
        self._reads.clear()
