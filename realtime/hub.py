"""The per-process fan-out hub.

Stock Channels gives every socket its own layer channel and sends one layer message, one
consumer dispatch and one JSON encoding per recipient: about 21x the CPU of a minimal
WebSocket server per delivery, measured side by side. Kring instead joins each room's group
*once per process*: the hub owns one layer channel, receives one message per room event,
builds the WebSocket frame once and writes it to every local socket subscribed to the room
(``realtime.transport``).

Delivery is exactly-once and in seq order per socket, although the channel layer is
at-most-once and two processes' doorbells may arrive out of order:

* the hub remembers the last seq it delivered per room; an older or equal seq is a
  duplicate and dropped;
* a seq beyond the next one means doorbells were lost or overtaken: the hub reads the missing
  events from the database (a seq is only visible once every lower seq is committed, because
  posters serialise on the room row) and delivers them first;
* a socket that subscribes with ``since`` gets the missed events from the database under the
  room's lock, so no live event can slip between its backlog and the live stream;
* every few seconds, and after any channel-layer failure (Redis restarting), the hub re-joins
  its groups and compares each room's last seq in the database with what it delivered, so a
  lost doorbell delays an event but never loses it (``maintenance``).

Presence changes are batched per room (``presence_batch``). A socket whose client does not
keep up is closed with a ``resume`` frame instead of eating the server's memory, on the direct
path (daphne's buffer) and the ASGI path (the socket's own queue) alike.
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

from channels.layers import get_channel_layer
from django.conf import settings

from core import metrics
from core.emitters import room_group
from core.protocol.base import encode
from core.protocol.frames import PresentPeople, ResumeFrame, subscribed_text
from core.protocol.notifications import notification_texts
from core.protocol.people import AuthorOut
from core.protocol.room_events import event_frame

from . import maintenance
from .db import events_range, last_seq
from .presence import presence_store
from .presence_batch import PresenceBatcher
from .presence_reads import PresenceReads
from .replay import RecentFrames, replay_texts
from .transport import write_to_many

logger = logging.getLogger(__name__)
SLOW_CONSUMER_CLOSE_CODE = 4008


class Connection(Protocol):
    """What the hub needs of a socket (the consumer implements it)."""

    user_id: int
    author: AuthorOut  # the user as others see them (id, name, handle)
    rooms: set[int]
    direct: Any  # daphne's protocol for direct frame writes, or None (the ASGI path)
    session_key: str | None
    last_seen: float

    async def send_text(self, text: str) -> None: ...

    def queue_text(self, text: str) -> int:
        """ASGI path: queue a frame without waiting; returns the bytes not yet sent."""
        ...

    async def close_with(self, text: str | None, code: int) -> None: ...


class RoomFanout:
    __slots__ = ("closed", "emptied_at", "local_users", "lock", "room_id", "seq", "sockets")

    def __init__(self, room_id: int) -> None:
        self.room_id = room_id
        self.seq = -1  # set from the database once the hub has joined the room's group
        self.sockets: set[Connection] = set()
        self.local_users: Counter[int] = Counter()  # sockets per user in this process
        self.lock = asyncio.Lock()
        self.closed = False
        self.emptied_at: float | None = None


class Hub:
    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.presence = presence_store()
        self.presence_reads = PresenceReads(self.presence.members)
        self.presence_batch = PresenceBatcher(
            lambda room, text: self._publish_ephemeral(room, None, text)
        )
        self.channel: str | None = None
        self.rooms: dict[int, RoomFanout] = {}
        # Members' replay frames shared by the readers of a room resuming together.
        self.recent = RecentFrames()
        self.user_sockets: dict[int, set[Connection]] = {}
        self.resync_needed = False
        self._start_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self._handlers: dict[str, Callable[[dict[str, Any]], Awaitable[None]]] = {
            "room.event": self._on_room_event,
            "room.ephemeral": self._on_room_ephemeral,
            "users.frame": self._on_users_frame,
            "user.removed": self._on_user_removed,
            "notify.batch": self._on_notify_batch,
            "session.ended": self._on_session_ended,
        }

    # --- life cycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start reading and maintaining. A process started while Redis is down serves its
        sockets from the database meanwhile: the reader joins the groups once it can."""
        async with self._start_lock:
            if self._tasks:
                return
            # Join before the first socket registers: a message for its user sent right after
            # (a password change closing it) must not go to a process not yet in the group.
            try:
                await asyncio.wait_for(
                    maintenance.join_groups(self), settings.KRING_HUB_JOIN_TIMEOUT_SECONDS
                )
            except Exception:
                logger.warning("hub not joined on the channel layer yet; its reader retries")
                self.resync_needed = True
            self._tasks = [
                asyncio.create_task(self._read_loop(), name="kring-hub-reader"),
                asyncio.create_task(
                    maintenance.maintenance_loop(self), name="kring-hub-maintenance"
                ),
            ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []

    async def _read_loop(self) -> None:
        failures = 0
        while True:
            try:
                if self.channel is None:
                    await maintenance.join_groups(self)
                    await maintenance.resync(self)  # rooms subscribed while it could not join
                elif self.resync_needed:
                    await maintenance.resync(self)
                if maintenance.stopping():
                    # A cancel that came while redis-py was connecting can be taken for a
                    # timeout and retried inside it; the hub must still stop.
                    raise asyncio.CancelledError
                message = await self.layer.receive(self.channel)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception:
                if maintenance.stopping():  # a hub being stopped must stop, not retry
                    raise
                # Redis restarting, or gone: keep trying. When it is back, re-join the groups
                # it forgot and deliver from the database what was missed meanwhile.
                failures += 1
                logger.warning(
                    "hub receive failed (%s in a row); retrying", failures, exc_info=failures == 1
                )
                self.resync_needed = True
                await asyncio.sleep(min(5.0, 0.2 * 2**failures))
                continue
            handler = self._handlers.get(message.get("type", ""))
            if handler is None:
                logger.warning("hub got unknown message type %r", message.get("type"))
                continue
            try:
                await handler(message)
            except Exception:
                logger.exception("hub failed to handle %s", message.get("type"))

    # --- sockets --------------------------------------------------------------------------------

    async def register(self, conn: Connection) -> None:
        """A socket opened: frames for its user (arriving through the hubs group) reach it.
        No channel-layer round trip per socket."""
        await self.start()
        sockets = self.user_sockets.setdefault(conn.user_id, set())
        if conn not in sockets:
            sockets.add(conn)
            metrics.OPEN_SOCKETS.inc()

    async def unregister(self, conn: Connection) -> None:
        """A socket closed (or is being closed): leave all its rooms."""
        for room_id in list(conn.rooms):
            await self.unsubscribe(conn, room_id)
        sockets = self.user_sockets.get(conn.user_id)
        if sockets is not None and conn in sockets:
            sockets.discard(conn)
            metrics.OPEN_SOCKETS.dec()
            if not sockets:
                del self.user_sockets[conn.user_id]

    def sockets_of(self, user_id: int) -> int:
        return len(self.user_sockets.get(user_id, ()))

    async def subscribe(
        self,
        conn: Connection,
        room_id: int,
        since: int | None,
        ref: str | None,
        *,
        reveal_hidden: bool = False,
        seen: int | None = None,
    ) -> None:
        """Subscribe ``conn`` to a room the caller has authorised it for.

        Sends ``subscribed``, then (with ``since``) a ``gap`` if too much is missing and every
        missed event in order; live events follow. All under the room's lock, so nothing is
        delivered twice or skipped.

        ``seen``: the room's last seq, read by the caller just before (with the room, while
        authorising); a room this process already follows is then caught up to it without
        reading it again. Any event committed after that read has its doorbell on its way,
        or, if the doorbell is lost, is filled in by the next one or by maintenance, exactly
        as after a fresh read.
        """
        while True:
            fanout = self.rooms.get(room_id)
            if fanout is None:
                fanout = self.rooms[room_id] = RoomFanout(room_id)
                metrics.ROOMS_FOLLOWED.set(len(self.rooms))
            async with fanout.lock:
                if fanout.closed:
                    continue  # closed by maintenance while we waited; take a fresh one
                if fanout.seq < 0:
                    # Join the group first, then read the last seq: any event committed after
                    # the read has its doorbell coming to us. Without the layer (Redis down),
                    # the room is served from the database until a resync joins it.
                    await self._join_room(room_id)
                    fanout.seq = await last_seq(room_id)
                else:
                    # Catch up on doorbells this process may have lost before adding a socket.
                    last = seen if seen is not None else await last_seq(room_id)
                    if last > fanout.seq:
                        await self.deliver_from_db(fanout, last)
                await self._attach(fanout, conn, since, ref, reveal_hidden)
                return

    async def _join_room(self, room_id: int) -> None:
        try:
            if self.channel is None:
                raise ConnectionError("the hub has no channel yet")
            await self.layer.group_add(room_group(room_id), self.channel)
        except Exception:
            logger.warning("room %s not joined on the channel layer; resync will", room_id)
            self.resync_needed = True

    async def _attach(
        self,
        fanout: RoomFanout,
        conn: Connection,
        since: int | None,
        ref: str | None,
        reveal_hidden: bool,
    ) -> None:
        if conn not in fanout.sockets:
            fanout.sockets.add(conn)
            fanout.emptied_at = None
            conn.rooms.add(fanout.room_id)
            fanout.local_users[conn.user_id] += 1
            if fanout.local_users[conn.user_id] == 1 and await self.best_effort(
                self.presence.join(fanout.room_id, conn.author), lambda: False
            ):
                self.presence_batch.joined(fanout.room_id, conn.author)
        present = await self.best_effort(
            self.presence_reads.present(fanout.room_id), lambda: _present_here(fanout)
        )
        await conn.send_text(subscribed_text(fanout.room_id, fanout.seq, present, conn.author, ref))
        if since is not None and since < fanout.seq:
            replay = await replay_texts(
                self.recent, fanout.room_id, since, fanout.seq, reveal_hidden
            )
            for text in replay:
                await conn.send_text(text)

    async def unsubscribe(self, conn: Connection, room_id: int) -> None:
        fanout = self.rooms.get(room_id)
        conn.rooms.discard(room_id)
        if fanout is None or conn not in fanout.sockets:
            return
        fanout.sockets.discard(conn)
        fanout.local_users[conn.user_id] -= 1
        if fanout.local_users[conn.user_id] <= 0:
            del fanout.local_users[conn.user_id]
            if await self.best_effort(self.presence.leave(room_id, conn.user_id), lambda: False):
                self.presence_batch.left(room_id, conn.user_id)
        if not fanout.sockets:
            fanout.emptied_at = time.monotonic()

    @staticmethod
    async def best_effort(call: Awaitable[Any], fallback: Callable[[], Any]) -> Any:
        """Presence is a courtesy: when its store (Redis) fails, subscribing, posting and
        leaving go on, with this process's own view of who is here (``fallback()``, worked
        out only then: a room's sockets are thousands in a reconnect storm)."""
        try:
            return await call
        except Exception:
            logger.warning("presence store unavailable", exc_info=True)
            return fallback()

    # --- ephemeral: typing and presence ----------------------------------------------------------

    async def publish_typing(self, room_id: int, user_id: int, text: str) -> None:
        await self._publish_ephemeral(room_id, user_id, text)

    async def _publish_ephemeral(self, room_id: int, user_id: int | None, text: str) -> None:
        """Typing and presence: not stored, not sequenced; typing is not echoed to its user.
        A courtesy: lost, not retried, when the channel layer is down."""
        try:
            await self.layer.group_send(
                room_group(room_id),
                {"type": "room.ephemeral", "room": room_id, "user": user_id, "text": text},
            )
        except Exception:
            logger.debug("typing or presence for room %s not sent", room_id, exc_info=True)

    # --- delivery ---------------------------------------------------------------------------------

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
                await self.deliver_from_db(fanout, seq - 1)
            fanout.seq = seq
            self.recent.delivered(fanout.room_id, seq, message["text"], bool(message.get("amends")))
            await self.broadcast(fanout.sockets, message["text"])
            if "at" in message:
                metrics.HUB_LAG_SECONDS.observe(max(0.0, time.time() - message["at"]))

    async def deliver_from_db(self, fanout: RoomFanout, upto: int) -> None:
        """Deliver events ``fanout.seq < seq <= upto`` read from the database. Hold the lock.
        Which earlier events these amend cannot be told: the room's shared replay goes."""
        self.recent.forget(fanout.room_id)
        for event in await events_range(fanout.room_id, fanout.seq, upto):
            await self.broadcast(fanout.sockets, encode(event_frame(event)))
            fanout.seq = event.seq
        fanout.seq = max(fanout.seq, upto)

    async def broadcast(self, sockets: set[Connection], text: str) -> None:
        """Write one frame to many sockets without waiting on any of them
        (``transport.write_to_many``); those whose client does not keep up are told to resume
        and closed."""
        metrics.DELIVERIES.inc(len(sockets))
        for conn in write_to_many(sockets, text):
            logger.info("closing a slow consumer (user %s)", conn.user_id)
            metrics.SLOW_CONSUMER_CLOSES.inc()
            await self.unregister(conn)
            await conn.close_with(
                encode(ResumeFrame(reason="slow_consumer")), SLOW_CONSUMER_CLOSE_CODE
            )

    async def _on_room_ephemeral(self, message: dict[str, Any]) -> None:
        sender = message.get("user")
        # Presence frames have no sender (typing always has). So have a few other room frames
        # (live RSVP counts): for those, a needless fresh read of who is present at worst.
        if sender is None:
            self.presence_reads.changed(message["room"])
        fanout = self.rooms.get(message["room"])
        if fanout is not None:
            targets = (
                fanout.sockets
                if sender is None
                else {c for c in fanout.sockets if c.user_id != sender}
            )
            await self.broadcast(targets, message["text"])

    async def _on_users_frame(self, message: dict[str, Any]) -> None:
        sockets = {conn for uid in message["users"] for conn in self.user_sockets.get(uid, ())}
        await self.broadcast(sockets, message["text"])

    async def _on_user_removed(self, message: dict[str, Any]) -> None:
        sockets = set(self.user_sockets.get(message["user"], ()))
        for conn in sockets:
            for room_id in message["rooms"]:
                if room_id in conn.rooms:
                    await self.unsubscribe(conn, room_id)
        await self.broadcast(sockets, message["text"])

    async def _on_session_ended(self, message: dict[str, Any]) -> None:
        """Logout or password change: close the sockets of that session (or of every session
        of that user), telling them why."""
        text = encode(ResumeFrame(reason="session_ended"))
        for conn in list(self.user_sockets.get(message["user"], ())):
            if message.get("session") in (None, conn.session_key):
                await conn.close_with(text, maintenance.SESSION_ENDED_CLOSE_CODE)

    async def _on_notify_batch(self, message: dict[str, Any]) -> None:
        local = [r for r in message["recipients"] if self.user_sockets.get(r[0])]
        if not local:
            return
        for user_id, text in notification_texts(message["body"], local).items():
            await self.broadcast(set(self.user_sockets.get(user_id, ())), text)


def _present_here(fanout: RoomFanout) -> PresentPeople:
    """Who is in a room as far as this process knows (when the presence store fails)."""
    here = {c.user_id: c.author for c in fanout.sockets}
    return PresentPeople([here[user_id] for user_id in sorted(here)])


def _log_task_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("hub delivery failed", exc_info=task.exception())


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def get_hub() -> Hub:
    """The hub of the running event loop (one per process in production; tests get a fresh
    one per event loop)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub(get_channel_layer())
    return hub
