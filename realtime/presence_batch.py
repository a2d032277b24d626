"""Presence changes, batched per room: a room where 500 people arrive at once gets a handful
of ``presence`` frames (one per ``KRING_PRESENCE_INTERVAL_SECONDS``), not 500 x 500."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from django.conf import settings

from core.protocol.base import encode
from core.protocol.frames import PresenceFrame
from core.protocol.people import AuthorOut

logger = logging.getLogger(__name__)


@dataclass
class _Pending:
    joined: dict[int, AuthorOut] = field(default_factory=dict)
    left: set[int] = field(default_factory=set)
    scheduled: bool = False


class PresenceBatcher:
    """Collects who arrived in and left each room, and publishes one frame per room and
    interval through ``publish(room_id, text)`` (to every process's subscribers)."""

    def __init__(self, publish: Callable[[int, str], Awaitable[None]]) -> None:
        self._publish = publish
        self._pending: dict[int, _Pending] = {}

    # A user who left and came back (or came and went) within one interval is announced as
    # they are now, not left out: a list read in between (shared by the sockets subscribing
    # meanwhile, ``presence_reads``) is only corrected by a frame.

    def joined(self, room_id: int, author: AuthorOut) -> None:
        pending = self._pending.setdefault(room_id, _Pending())
        pending.left.discard(author.id)  # type: ignore[arg-type]
        pending.joined[author.id] = author  # type: ignore[index]
        self._schedule(room_id, pending)

    def left(self, room_id: int, user_id: int) -> None:
        pending = self._pending.setdefault(room_id, _Pending())
        pending.joined.pop(user_id, None)
        pending.left.add(user_id)
        self._schedule(room_id, pending)

    def _schedule(self, room_id: int, pending: _Pending) -> None:
        if not pending.scheduled:
            pending.scheduled = True
            asyncio.get_running_loop().call_later(
                settings.KRING_PRESENCE_INTERVAL_SECONDS,
                lambda: asyncio.ensure_future(self._flush(room_id)),
            )

    async def _flush(self, room_id: int) -> None:
        pending = self._pending.pop(room_id, None)
        if pending is None or (not pending.joined and not pending.left):
            return
        frame = PresenceFrame(
            room=room_id, joined=list(pending.joined.values()), left=sorted(pending.left)
        )
        try:
            await self._publish(room_id, encode(frame))
        except Exception:
            logger.warning("presence for room %s not sent", room_id, exc_info=True)

    async def announce_gone(self, gone: dict[int, list[int]]) -> None:
        """Users of a dead process left their rooms: tell the rooms at once."""
        for room_id, user_ids in gone.items():
            frame = PresenceFrame(room=room_id, joined=[], left=sorted(user_ids))
            await self._publish(room_id, encode(frame))
