"""The replay a resuming socket gets, and the members' view of it shared between the readers of
a room who come back together.

After a deploy or a crash every client of a process reconnects within seconds, and the
readers of one room ask for nearly the same missed events: the same ``upto`` (the room's last
seq) from about the same ``since``. ``RecentFrames`` keeps, per room, the encoded member-view
frames of the last replay read, for ``KRING_REPLAY_REUSE_SECONDS``; a reader whose missed
events lie inside it gets them from there instead of another read of the event log and
another encoding of each event.

What the shared frames must not do is go stale. A frame shows its event as it is now (an
edited message its new text, a hidden one a placeholder, a reply its message's excerpt), so:

* live events extend the window (their doorbell carries the very frame a read would build),
  but an event that *amends* an earlier one (edit, delete, hide, unhide, pin: the emitter
  marks its doorbell ``amends``) drops it;
* events delivered from the database (lost doorbells: it cannot be told what they amend)
  drop it;
* facilitators' frames (hidden text revealed) are never kept;
* whatever changes a frame without a room event (an author's new display name) shows after at
  most ``KRING_REPLAY_REUSE_SECONDS``.
"""

from __future__ import annotations

import time

from django.conf import settings

from core.protocol.base import encode
from core.protocol.frames import GapFrame
from core.protocol.room_events import event_frame

from .db import events_range


class _Window:
    """Member-view frames of the events ``after < seq <= upto`` of one room, in seq order."""

    __slots__ = ("after", "read_at", "texts", "upto")

    def __init__(self, after: int, upto: int, texts: list[str], read_at: float) -> None:
        self.after = after
        self.upto = upto
        self.texts = texts
        self.read_at = read_at


class RecentFrames:
    """Per room, the last replay read (members' view), while it is fresh."""

    def __init__(self) -> None:
        self._rooms: dict[int, _Window] = {}

    @staticmethod
    def _reuse_seconds() -> float:
        return settings.KRING_REPLAY_REUSE_SECONDS

    def get(self, room_id: int, after: int, upto: int) -> list[str] | None:
        """The frames of ``after < seq <= upto`` if a fresh window holds them all."""
        window = self._rooms.get(room_id)
        if window is None or window.upto != upto or not window.after <= after <= upto:
            return None
        if time.monotonic() - window.read_at > self._reuse_seconds():
            del self._rooms[room_id]
            return None
        return window.texts[after - window.after :]

    def keep(self, room_id: int, after: int, upto: int, texts: list[str]) -> None:
        """Remember frames just read, when they are the whole range (seqs are gapless, so a
        shorter list means the range is not what it seems: keep nothing)."""
        if self._reuse_seconds() <= 0 or len(texts) != upto - after:
            return
        current = self._rooms.get(room_id)
        if current is not None and current.upto == upto and current.after <= after:
            return  # a wider window of the same events is already kept
        self._rooms[room_id] = _Window(after, upto, texts, time.monotonic())

    def delivered(self, room_id: int, seq: int, text: str, amends: bool) -> None:
        """A live event was delivered to the room: extend its window with the event's frame,
        or drop the window if the event changes how an earlier one reads."""
        window = self._rooms.get(room_id)
        if window is None:
            return
        if amends or seq != window.upto + 1:
            del self._rooms[room_id]
            return
        window.texts.append(text)
        window.upto = seq

    def forget(self, room_id: int) -> None:
        self._rooms.pop(room_id, None)

    def drop_stale(self) -> None:
        """Maintenance: windows past their time go (their memory with them)."""
        deadline = time.monotonic() - self._reuse_seconds()
        for room_id, window in list(self._rooms.items()):
            if window.read_at < deadline:
                del self._rooms[room_id]

    def entries(self) -> int:
        return len(self._rooms)


async def replay_texts(
    recent: RecentFrames, room_id: int, since: int, upto: int, reveal_hidden: bool
) -> list[str]:
    """The frames a socket resuming from ``since`` gets: the missed events (at most
    ``KRING_RESUME_MAX_EVENTS``, and at most half of what a socket may have unsent), after a
    ``gap`` frame for older ones, which the client pages over HTTP. The replay is written at
    once, under the room lock: more would get the socket closed as a slow consumer by the next
    live event, and it would reconnect into the same replay. Members' frames come from
    ``recent`` when it holds them."""
    start = max(since, upto - settings.KRING_RESUME_MAX_EVENTS)
    frames = None if reveal_hidden else recent.get(room_id, start, upto)
    if frames is None:
        frames = [
            encode(event_frame(event, reveal_hidden=reveal_hidden))
            for event in await events_range(room_id, start, upto)
        ]
        if not reveal_hidden:
            recent.keep(room_id, start, upto, frames)
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
