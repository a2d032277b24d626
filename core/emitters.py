"""Emitting events: the only way services tell open sockets that something happened.

The database is the truth and the channel layer is a doorbell: every function here schedules
its send with ``transaction.on_commit``, so a write that rolls back never reaches a socket,
and a doorbell that is lost (the layer is at-most-once) is recovered by the hub's gap filling
or the client's resume from its last seq.

Messages on the layer go to *groups* that the per-process hub (the socket edge) joins: one
message per process, never one per socket. Frames are encoded here, once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import weakref
from collections import deque
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from .protocol.base import Frame, encode
from .protocol.frames import RemovedFrame
from .protocol.room_events import StoredEvent, event_text

logger = logging.getLogger(__name__)


# Every process's hub is a member: messages for users (whose sockets may be anywhere) go here.
HUBS_GROUP = "kring.hubs"


def room_group(room_id: int) -> str:
    return f"room.{room_id}"


def _group_send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        _in_loop(_GroupSend(layer, group, message), f"group_send to {group}")


@dataclass(frozen=True)
class _GroupSend:
    """A ``group_send`` not started yet: those handed over together can go as one, and one
    dropped unrun (its loop stopped first) leaves no coroutine behind to warn."""

    layer: Any
    group: str
    message: dict[str, Any]

    async def run(self) -> None:
        await self.layer.group_send(self.group, self.message)


@dataclass(frozen=True)
class _Send:
    """A ``send`` to one channel, not started yet (as ``_GroupSend``)."""

    layer: Any
    channel: str
    message: dict[str, Any]

    async def run(self) -> None:
        await self.layer.send(self.channel, self.message)


_Call = Coroutine[Any, Any, Any] | _GroupSend | _Send


def _awaitable(call: _Call) -> Coroutine[Any, Any, Any]:
    return call if asyncio.iscoroutine(call) else call.run()  # type: ignore[union-attr]


def _in_loop(call: _Call, what: str) -> None:
    """Run a channel-layer call. From a database thread of a running server, hand it to the
    event loop and return, instead of holding the thread until Redis answers (calls run in
    commit order; the hub reorders any doorbells that overtake each other). Elsewhere
    (management commands, tests without a loop), run it to completion."""
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if loop is not None and loop.is_running():
        _handed_over(loop).add(call, what)
        return

    async def run() -> Any:
        return await _awaitable(call)

    try:
        async_to_sync(run)()
    except Exception:
        # The write is committed; clients recover it by resume. Never fail the caller.
        logger.exception("%s failed", what)


class _HandOver:
    """Calls that database threads hand to one event loop, run in order by one task: a commit
    ringing several doorbells wakes the loop once, not once per doorbell (a future, a task and
    a wake-up each: bench S3), and the doorbells waiting together go to a layer that has
    ``group_send_many`` (``config.channel_layer``) in one round trip."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._calls: deque[tuple[_Call, str]] = deque()
        self._running = False
        self._task: asyncio.Task[None] | None = None

    def add(self, call: _Call, what: str) -> None:
        with self._lock:
            self._calls.append((call, what))
            if self._running:
                return
            self._running = True
        try:
            self._loop.call_soon_threadsafe(self._start)
        except RuntimeError:  # the loop closed meanwhile: no socket is left to tell
            self._drop_all()

    def _start(self) -> None:
        self._task = self._loop.create_task(self._run_all())  # held: tasks are weakly kept

    async def _run_all(self) -> None:
        try:
            while True:
                with self._lock:
                    if not self._calls:
                        self._running = False
                        return
                    calls = list(self._calls)
                    self._calls.clear()
                for group in _runs_of_sends(calls):
                    await _run(group)
        except asyncio.CancelledError:  # the loop is closing
            self._drop_all()
            raise

    def _drop_all(self) -> None:
        with self._lock:
            calls, self._running = list(self._calls), False
            self._calls.clear()
        for call, _what in calls:
            if asyncio.iscoroutine(call):
                call.close()


def _runs_of_sends(calls: list[tuple[_Call, str]]) -> Iterator[list[tuple[_Call, str]]]:
    """``calls`` in order, consecutive group sends to a layer with ``group_send_many``
    together, everything else alone."""
    run: list[tuple[_Call, str]] = []
    run_layer = None
    for item in calls:
        call = item[0]
        together = isinstance(call, _GroupSend) and hasattr(call.layer, "group_send_many")
        if run and not (together and call.layer is run_layer):  # type: ignore[union-attr]
            yield run
            run = []
        if together:
            run.append(item)
            run_layer = call.layer  # type: ignore[union-attr]
        else:
            yield [item]
    if run:
        yield run


async def _run(calls: list[tuple[_Call, str]]) -> None:
    try:
        first = calls[0][0]
        if len(calls) > 1 and isinstance(first, _GroupSend):
            sends = [(c.group, c.message) for c, _what in calls]  # type: ignore[union-attr]
            await first.layer.group_send_many(sends)
        else:
            await _awaitable(first)
    except Exception:
        # The write is committed; clients recover it by resume.
        logger.exception("%s failed", ", ".join(what for _call, what in calls))


_hand_overs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _HandOver] = (
    weakref.WeakKeyDictionary()
)
_hand_overs_lock = threading.Lock()


def _handed_over(loop: asyncio.AbstractEventLoop) -> _HandOver:
    with _hand_overs_lock:
        hand_over = _hand_overs.get(loop)
        if hand_over is None:
            hand_over = _hand_overs[loop] = _HandOver(loop)
        return hand_over


def send_on_commit(group: str, message: dict[str, Any]) -> None:
    """Send ``message`` to ``group`` once the current transaction commits."""
    transaction.on_commit(lambda: _group_send(group, message))


def room_event_on_commit(event: StoredEvent) -> None:
    """Broadcast a stored room event to every socket subscribed to its room."""
    group, message = (
        room_group(event.room_id),
        {
            "type": "room.event",
            "room": event.room_id,
            "seq": event.seq,
            "text": event_text(event),
        },
    )
    if event.target_id is not None:
        # An edit, delete, hide, unhide or pin changes how an earlier event reads: hubs drop
        # the replay frames they share between resuming readers (realtime.replay).
        message["amends"] = True
    # "at": the commit's time, for the hub's lag metric.
    transaction.on_commit(lambda: _group_send(group, {**message, "at": time.time()}))


def room_frame_on_commit(room_id: int, frame: Frame) -> None:
    """A frame for every socket subscribed to a room that is not part of its event log (not
    stored, no seq; e.g. live RSVP counts): a client that misses one reads the state over
    HTTP when it resubscribes."""
    send_on_commit(
        room_group(room_id),
        {"type": "room.ephemeral", "room": room_id, "user": None, "text": encode(frame)},
    )


def user_frame_on_commit(user_id: int, frame: Frame) -> None:
    """Send a frame to every open socket of one user (read markers, membership, mutes...)."""
    users_frame_on_commit([user_id], frame)


def users_frame_on_commit(user_ids: list[int], frame: Frame) -> None:
    """The same frame to every open socket of several users: one message to every process,
    whose hub writes it to the sockets of those users it holds. Per-process rather than
    per-user groups keep opening a socket free of channel-layer round trips."""
    if user_ids:
        send_on_commit(
            HUBS_GROUP, {"type": "users.frame", "users": list(user_ids), "text": encode(frame)}
        )


def user_removed_on_commit(
    user_id: int, *, community_slug: str, room_ids: list[int], reason: str
) -> None:
    """Unsubscribe every open socket of ``user_id`` from ``room_ids`` and tell it why."""
    frame = RemovedFrame(community=community_slug, rooms=room_ids, reason=reason)
    send_on_commit(
        HUBS_GROUP,
        {"type": "user.removed", "user": user_id, "rooms": room_ids, "text": encode(frame)},
    )


# The fan-out worker waits on this channel (a plain queue, not a group): one doorbell wakes
# one worker; workers also poll, so a lost doorbell only delays.
WORKER_CHANNEL = "kring.outbox"


def wake_worker_on_commit() -> None:
    def ring() -> None:
        layer = get_channel_layer()
        if layer is not None:  # a lost doorbell only delays: the worker polls too
            _in_loop(_Send(layer, WORKER_CHANNEL, {"type": "outbox.ready"}), "worker doorbell")

    transaction.on_commit(ring)


def notifications_on_commit(body: str, recipients: list[list[int]]) -> None:
    """Push one notification to many users: one layer message to every process (not one per
    user); each hub writes it to the sockets of its own recipients. ``body`` is the encoded
    ``NotificationBody``; ``recipients`` holds ``[user_id, notification_id, unread_count]``
    triples."""
    send_on_commit(HUBS_GROUP, {"type": "notify.batch", "body": body, "recipients": recipients})


def session_ended_on_commit(user_id: int, session_key: str | None = None) -> None:
    """Close the open sockets of one session (logout), or of every session of the user
    (password changed or reset): a socket is only as valid as the session it came with."""
    send_on_commit(HUBS_GROUP, {"type": "session.ended", "user": user_id, "session": session_key})
