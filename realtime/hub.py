"""The per-process fan-out hub.

Stock Channels gives every socket its own layer channel and sends one layer message, one
consumer dispatch and one JSON encoding per recipient (about 21x the cost of a minimal
WebSocket server per delivery, see PERFORMANCE.md). Kring instead joins each room's group
*once per process*: the hub owns one layer channel, receives one message per room event,
and writes the already-encoded frame straight to every local socket subscribed to the room.

Delivery is exactly-once and in seq order per socket, even though the channel layer is
at-most-once and two processes' doorbells may arrive out of order:

* the hub remembers the last seq it delivered per room; an older or equal seq is a
  duplicate and dropped;
* a seq beyond the next one means doorbells were lost or overtaken: the hub reads the missing
  events from the database (seqs are only visible once every lower seq is committed, because
  posters serialise on the room row) and delivers them first;
* a socket that subscribes with ``since`` gets the missed events from the database under the
  room's lock, so no live event can slip between its backlog and the live stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from community import selectors

from .envelopes import (
    AuthorOut,
    GapFrame,
    PresenceFrame,
    SubscribedFrame,
    encode,
    event_frame,
    notification_texts,
)
from .events import HUBS_GROUP, room_group

logger = logging.getLogger(__name__)

# Channel layers forget group members after their group_expiry (a day by default): the hub
# re-joins its groups well before that.
GROUP_REFRESH_SECONDS = 3600
# An emptied room stays joined this long, so a client reconnecting right away is cheap.
IDLE_ROOM_SECONDS = 60
MAINTENANCE_INTERVAL_SECONDS = 30


class Connection(Protocol):
    """What the hub needs of a socket (the consumer implements it)."""

    user_id: int
    author: AuthorOut  # the user as others see them (id, name, handle)
    rooms: set[int]

    async def send_text(self, text: str) -> None: ...


class RoomFanout:
    __slots__ = (
        "authors",
        "closed",
        "emptied_at",
        "lock",
        "room_id",
        "seq",
        "sockets",
        "user_counts",
    )

    def __init__(self, room_id: int) -> None:
        self.room_id = room_id
        self.seq = -1  # set from the database once the hub has joined the room's group
        self.sockets: set[Connection] = set()
        self.user_counts: Counter[int] = Counter()  # sockets per user in this room, here
        self.authors: dict[int, AuthorOut] = {}
        self.lock = asyncio.Lock()
        self.closed = False
        self.emptied_at: float | None = None


class Hub:
    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.channel: str | None = None
        self.rooms: dict[int, RoomFanout] = {}
        self.user_sockets: dict[int, set[Connection]] = {}

        self._start_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self._handlers: dict[str, Callable[[dict[str, Any]], Awaitable[None]]] = {
            "room.event": self._on_room_event,
            "room.ephemeral": self._on_room_ephemeral,
            "users.frame": self._on_users_frame,
            "user.removed": self._on_user_removed,
            "notify.batch": self._on_notify_batch,
        }

    # --- life cycle -------------------------------------------------------------------------

    async def start(self) -> None:
        async with self._start_lock:
            if self.channel is not None:
                return
            self.channel = await self.layer.new_channel()
            # Notification batches go to every process; each picks its own recipients.
            await self.layer.group_add(HUBS_GROUP, self.channel)
            self._tasks = [
                asyncio.create_task(self._read_loop(), name="kring-hub-reader"),
                asyncio.create_task(self._maintenance_loop(), name="kring-hub-maintenance"),
            ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []

    async def _read_loop(self) -> None:
        assert self.channel is not None
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                # redis-py turns a cancellation inside its read timeout into TimeoutError: a
                # hub being stopped must stop, not retry.
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise
                # e.g. Redis restarting: keep trying; clients resume what they miss.
                logger.exception("hub receive failed; retrying")
                await asyncio.sleep(0.5)
                continue
            handler = self._handlers.get(message.get("type", ""))
            if handler is None:
                logger.warning("hub got unknown message type %r", message.get("type"))
                continue
            try:
                await handler(message)
            except Exception:
                logger.exception("hub failed to handle %s", message.get("type"))

    async def _maintenance_loop(self) -> None:
        last_refresh = time.monotonic()
        while True:
            await asyncio.sleep(MAINTENANCE_INTERVAL_SECONDS)
            try:
                await self._close_idle()
                if time.monotonic() - last_refresh > GROUP_REFRESH_SECONDS:
                    last_refresh = time.monotonic()
                    await self._refresh_groups()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("hub maintenance failed")

    async def _close_idle(self) -> None:
        now = time.monotonic()
        for room_id, fanout in list(self.rooms.items()):
            if fanout.sockets or fanout.emptied_at is None:
                continue
            if now - fanout.emptied_at < IDLE_ROOM_SECONDS:
                continue
            async with fanout.lock:
                if fanout.sockets:
                    continue
                fanout.closed = True
                self.rooms.pop(room_id, None)
                await self.layer.group_discard(room_group(room_id), self.channel)

    async def _refresh_groups(self) -> None:
        await self.layer.group_add(HUBS_GROUP, self.channel)
        for room_id in list(self.rooms):
            await self.layer.group_add(room_group(room_id), self.channel)

    # --- sockets ------------------------------------------------------------------------------

    async def register(self, conn: Connection) -> None:
        """A socket opened: frames for its user (arriving through the hubs group) reach it.
        No channel-layer round trip per socket."""
        await self.start()
        self.user_sockets.setdefault(conn.user_id, set()).add(conn)

    async def unregister(self, conn: Connection) -> None:
        """A socket closed: leave all its rooms."""
        for room_id in list(conn.rooms):
            await self.unsubscribe(conn, room_id)
        sockets = self.user_sockets.get(conn.user_id)
        if sockets is not None:
            sockets.discard(conn)
            if not sockets:
                del self.user_sockets[conn.user_id]

    async def subscribe(
        self,
        conn: Connection,
        room_id: int,
        since: int | None,
        ref: str | None,
        *,
        reveal_hidden: bool = False,
    ) -> None:
        """Subscribe ``conn`` to a room the caller has authorised it for.

        Sends ``subscribed``, then (with ``since``) a ``gap`` if too much is missing and every
        missed event in order; live events follow. All under the room's lock, so nothing is
        delivered twice or skipped.
        """
        while True:
            fanout = self.rooms.get(room_id)
            if fanout is None:
                fanout = self.rooms[room_id] = RoomFanout(room_id)
            async with fanout.lock:
                if fanout.closed:
                    continue  # closed by maintenance while we waited; take a fresh one
                if fanout.seq < 0:
                    # Join the group first, then read the last seq: any event committed after
                    # the read has its doorbell coming to us.
                    await self.layer.group_add(room_group(room_id), self.channel)
                    fanout.seq = await _last_seq(room_id)
                else:
                    # Catch up on doorbells this process may have lost before adding a socket.
                    last = await _last_seq(room_id)
                    if last > fanout.seq:
                        await self._deliver_from_db(fanout, last)
                await self._attach(fanout, conn, since, ref, reveal_hidden)
                return

    async def _attach(
        self,
        fanout: RoomFanout,
        conn: Connection,
        since: int | None,
        ref: str | None,
        reveal_hidden: bool,
    ) -> None:
        newly_present = False
        if conn not in fanout.sockets:
            fanout.sockets.add(conn)
            fanout.emptied_at = None
            conn.rooms.add(fanout.room_id)
            fanout.user_counts[conn.user_id] += 1
            fanout.authors[conn.user_id] = conn.author
            newly_present = fanout.user_counts[conn.user_id] == 1
        presence = sorted(fanout.user_counts)
        subscribed = SubscribedFrame(
            room=fanout.room_id,
            seq=fanout.seq,
            presence=presence,
            presence_users=[fanout.authors[uid] for uid in presence],
            ref=ref,
        )
        await conn.send_text(encode(subscribed))
        if since is not None and since < fanout.seq:
            start = since
            resume_max = settings.KRING_RESUME_MAX_EVENTS
            if fanout.seq - since > resume_max:
                start = fanout.seq - resume_max
                await conn.send_text(
                    encode(GapFrame(room=fanout.room_id, from_=since + 1, to=start))
                )
            for event in await _events_range(fanout.room_id, start, fanout.seq):
                await conn.send_text(encode(event_frame(event, reveal_hidden=reveal_hidden)))
        if newly_present:
            await self._publish_presence(fanout.room_id, conn, "join")

    async def unsubscribe(self, conn: Connection, room_id: int) -> None:
        fanout = self.rooms.get(room_id)
        conn.rooms.discard(room_id)
        if fanout is None or conn not in fanout.sockets:
            return
        fanout.sockets.discard(conn)
        fanout.user_counts[conn.user_id] -= 1
        if fanout.user_counts[conn.user_id] <= 0:
            del fanout.user_counts[conn.user_id]
            fanout.authors.pop(conn.user_id, None)
            await self._publish_presence(room_id, conn, "leave")
        if not fanout.sockets:
            fanout.emptied_at = time.monotonic()

    async def publish_typing(self, room_id: int, user_id: int, text: str) -> None:
        await self._publish_ephemeral(room_id, user_id, text)

    async def _publish_ephemeral(self, room_id: int, user_id: int, text: str) -> None:
        """Typing and presence: not stored, not sequenced, never echoed to their own user."""
        await self.layer.group_send(
            room_group(room_id),
            {"type": "room.ephemeral", "room": room_id, "user": user_id, "text": text},
        )

    async def _publish_presence(self, room_id: int, conn: Connection, state: str) -> None:
        frame = PresenceFrame(
            room=room_id,
            user=conn.author,
            state=state,  # type: ignore[arg-type]
        )
        await self._publish_ephemeral(room_id, conn.user_id, encode(frame))

    # --- delivery -----------------------------------------------------------------------------

    async def _on_room_event(self, message: dict[str, Any]) -> None:
        fanout = self.rooms.get(message["room"])
        if fanout is None or fanout.seq < 0 or message["seq"] <= fanout.seq:
            return
        if fanout.lock.locked():
            # A subscribe or a gap fill holds this room; queue behind it (the lock is FIFO)
            # rather than stall every other room's delivery.
            task = asyncio.create_task(self._deliver_event(fanout, message))
            task.add_done_callback(_log_task_failure)
            return
        await self._deliver_event(fanout, message)

    async def _deliver_event(self, fanout: RoomFanout, message: dict[str, Any]) -> None:
        seq = message["seq"]
        async with fanout.lock:
            if seq <= fanout.seq or fanout.closed:
                return
            if seq > fanout.seq + 1:
                await self._deliver_from_db(fanout, seq - 1)
            fanout.seq = seq
            await _broadcast(fanout.sockets, message["text"])

    async def _deliver_from_db(self, fanout: RoomFanout, upto: int) -> None:
        """Deliver events ``fanout.seq < seq <= upto`` read from the database. Hold the lock."""
        for event in await _events_range(fanout.room_id, fanout.seq, upto):
            await _broadcast(fanout.sockets, encode(event_frame(event)))
            fanout.seq = event.seq
        fanout.seq = max(fanout.seq, upto)

    async def _on_room_ephemeral(self, message: dict[str, Any]) -> None:
        fanout = self.rooms.get(message["room"])
        if fanout is not None:
            sender = message.get("user")
            await _broadcast({c for c in fanout.sockets if c.user_id != sender}, message["text"])

    async def _on_users_frame(self, message: dict[str, Any]) -> None:
        sockets = {conn for uid in message["users"] for conn in self.user_sockets.get(uid, ())}
        await _broadcast(sockets, message["text"])

    async def _on_user_removed(self, message: dict[str, Any]) -> None:
        sockets = self._user_sockets_for(message)
        for conn in sockets:
            for room_id in message["rooms"]:
                if room_id in conn.rooms:
                    await self.unsubscribe(conn, room_id)
        await _broadcast(sockets, message["text"])

    async def _on_notify_batch(self, message: dict[str, Any]) -> None:
        local = [r for r in message["recipients"] if self.user_sockets.get(r[0])]
        if not local:
            return
        for user_id, text in notification_texts(message["notification"], local).items():
            await _broadcast(set(self.user_sockets.get(user_id, ())), text)

    def _user_sockets_for(self, message: dict[str, Any]) -> set[Connection]:
        # A copy: unsubscribing or a socket closing must not change the set being walked.
        return set(self.user_sockets.get(message["user"], ()))


async def _broadcast(sockets: set[Connection], text: str) -> None:
    for conn in tuple(sockets):
        try:
            await conn.send_text(text)
        except Exception:
            logger.debug("send to a closing socket failed", exc_info=True)


def _log_task_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("hub delivery failed", exc_info=task.exception())


@database_sync_to_async
def _last_seq(room_id: int) -> int:
    return selectors.room_last_seq(room_id=room_id)


@database_sync_to_async
def _events_range(room_id: int, after: int, upto: int) -> list[Any]:
    return selectors.room_events_range(room_id=room_id, after=after, upto=upto)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def get_hub() -> Hub:
    """The hub of the running event loop (one per process in production; tests get a fresh
    one per event loop)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub(get_channel_layer())
    return hub
