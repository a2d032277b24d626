"""The hub's reads of the room event log, each in a database thread, and the replay a
resuming socket gets."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings

from community import selectors
from core.protocol.base import encode
from core.protocol.frames import GapFrame
from core.protocol.room_events import event_frame


@database_sync_to_async
def last_seq(room_id: int) -> int:
    return selectors.room_last_seq(room_id=room_id)


@database_sync_to_async
def last_seqs(room_ids: list[int]) -> dict[int, int]:
    return selectors.room_last_seqs(room_ids=room_ids)


@database_sync_to_async
def events_range(room_id: int, after: int, upto: int) -> list[Any]:
    return selectors.room_events_range(room_id=room_id, after=after, upto=upto)


async def replay_texts(room_id: int, since: int, upto: int, reveal_hidden: bool) -> list[str]:
    """The frames a socket resuming from ``since`` gets: the missed events (at most
    ``KRING_RESUME_MAX_EVENTS``, and at most half of what a socket may have unsent), after a
    ``gap`` frame for older ones, which the client pages over HTTP. The replay is written at
    once, under the room lock: more would get the socket closed as a slow consumer by the next
    live event, and it would reconnect into the same replay."""
    start = max(since, upto - settings.KRING_RESUME_MAX_EVENTS)
    frames = [
        encode(event_frame(event, reveal_hidden=reveal_hidden))
        for event in await events_range(room_id, start, upto)
    ]
    skipped = _frames_over_budget(frames, _replay_budget())
    start += skipped
    gap = [encode(GapFrame(room=room_id, from_=since + 1, to=start))] if start > since else []
    return gap + frames[skipped:]


def _replay_budget() -> int | None:
    """Bytes a resume may write at once: half of what a socket may have unsent."""
    limit = settings.KRING_SLOW_CONSUMER_BYTES
    return limit // 2 if limit else None


def _frames_over_budget(frames: list[str], budget: int | None) -> int:
    """How many of the oldest ``frames`` to leave out so the newest fit in ``budget`` bytes."""
    if budget is None:
        return 0
    size = 0
    for index in range(len(frames) - 1, -1, -1):
        size += len(frames[index].encode("utf-8")) + 10  # WebSocket header, at most
        if size > budget:
            return index + 1
    return 0
