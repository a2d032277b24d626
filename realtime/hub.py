"""The per-process fan-out hub.

Stock Channels gives every socket its own layer channel and sends one layer message, one
consumer dispatch and one JSON encoding per recipient (about 21x the cost of a minimal
WebSocket server per delivery, see PERFORMANCE.md). Kring instead joins each room's group
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
  lost doorbell delays an event but never loses it.

Presence changes are batched per room (``KRING_PRESENCE_INTERVAL_SECONDS``): a room where 500
people arrive at once gets a handful of presence frames, not 500 x 500.
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
from core.emitters import HUBS_GROUP, room_group
from core.protocol.base import encode
from core.protocol.frames import GapFrame, PresenceFrame, ResumeFrame, SubscribedFrame
from core.protocol.notifications import notification_texts
from core.protocol.people import AuthorOut
from core.protocol.room_events import event_frame

from .presence import presence_store
from .transport import buffered_bytes, is_open, text_frame, write_frame

logger = logging.getLogger(__name__)

# An emptied room stays joined this long, so a client reconnecting right away is cheap.
IDLE_ROOM_SECONDS = 60
MAINTENANCE_INTERVAL_SECONDS = 10
# Channel layers forget group members after their group_expiry, and a restarted Redis forgets
# them at once: re-join this often.
GROUP_REFRESH_SECONDS = 60


class Connection(Protocol):
    """What the hub needs of a socket (the consumer implements it)."""

    user_id: int
    author: AuthorOut  # the user as others see them (id, name, handle)
    rooms: set[int]
    direct: Any  # daphne's protocol for direct frame writes, or None
    session_key: str | None
    last_seen: float

    async def send_text(self, text: str) -> None: ...

    async def close_with(self, text: str | None, code: int) -> None: ...


class RoomFanout:
    __slots__ = (
        "closed",
        "emptied_at",
        "flush_scheduled",
        "joined",
        "left",
        "local_users",
        "lock",
        "room_id",
        "seq",
        "sockets",
    )

    def __init__(self, room_id: int) -> None:
        self.room_id = room_id
        self.seq = -1  # set from the database once the hub has joined the room's group
        self.sockets: set[Connection] = set()
        self.local_users: Counter[int] = Counter()  # sockets per user in this process
        self.lock = asyncio.Lock()
        self.closed = False
        self.emptied_at: float | None = None
        # Presence changes not yet announced (batched).
        self.joined: dict[int, AuthorOut] = {}
        self.left: set[int] = set()
        self.flush_scheduled = False


class Hub:
    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.presence = presence_store()
        self.channel: str | None = None
        self.rooms: dict[int, RoomFanout] = {}
        self.user_sockets: dict[int, set[Connection]] = {}
        self._start_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self._resync_needed = False
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
        async with self._start_lock:
            if self.channel is not None:
                return
            self.channel = await self.layer.new_channel()
            # Messages for users (notifications, membership, ...) go to every process.
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
        failures = 0
        while True:
            if self._resync_needed:
                await self._resync()
            try:
                message = await self.layer.receive(self.channel)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception:
                # redis-py turns a cancellation inside its read timeout into TimeoutError: a
                # hub being stopped must stop, not retry.
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise
                # Redis restarting, or gone: keep trying. When it is back, re-join the groups
                # it forgot and deliver from the database what was missed meanwhile.
                failures += 1
                logger.warning(
                    "hub receive failed (%s in a row); retrying", failures, exc_info=failures == 1
                )
                self._resync_needed = True
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

    async def _resync(self) -> None:
        try:
            await self._join_groups()
            await self._catch_up_rooms()
        except Exception:
            logger.warning("hub resync failed; will retry", exc_info=True)
            return
        self._resync_needed = False
        logger.info("hub resynchronised %s rooms", len(self.rooms))

    async def _maintenance_loop(self) -> None:
        last_refresh = time.monotonic()
        while True:
            await asyncio.sleep(MAINTENANCE_INTERVAL_SECONDS)
            try:
                await self._close_idle_rooms()
                await self._close_idle_sockets()
                await self._revalidate_sessions()
                await self._best_effort(self.presence.heartbeat(), None)
                await self._announce_reaped(await self._best_effort(self.presence.reap(), {}))

                if time.monotonic() - last_refresh > GROUP_REFRESH_SECONDS:
                    last_refresh = time.monotonic()
                    await self._join_groups()
                await self._catch_up_rooms()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("hub maintenance failed", exc_info=True)
                self._resync_needed = True

    async def _join_groups(self) -> None:
        await self.layer.group_add(HUBS_GROUP, self.channel)
        for room_id in list(self.rooms):
            await self.layer.group_add(room_group(room_id), self.channel)

    async def _catch_up_rooms(self) -> None:
        """Deliver events whose doorbells never came (one query for all of this process's
        rooms)."""
        live = {room_id: f for room_id, f in self.rooms.items() if f.seq >= 0 and not f.closed}
        if not live:
            return
        for room_id, last in (await _last_seqs(list(live))).items():
            fanout = live[room_id]
            if last > fanout.seq:
                async with fanout.lock:
                    if last > fanout.seq and not fanout.closed:
                        await self._deliver_from_db(fanout, last)

    async def _close_idle_rooms(self) -> None:
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

    async def _close_idle_sockets(self) -> None:
        """Close sockets that sent nothing (not even a ping) for the idle timeout."""
        limit = settings.KRING_IDLE_TIMEOUT_SECONDS
        if limit <= 0:
            return
        deadline = time.monotonic() - limit
        for sockets in list(self.user_sockets.values()):
            for conn in list(sockets):
                if conn.last_seen < deadline:
                    await conn.close_with(encode(ResumeFrame(reason="idle")), 4000)

    async def _revalidate_sessions(self) -> None:
        """Close sockets whose session ended (logged out, expired, password changed
        elsewhere): the socket is re-authorised, not only the handshake."""
        by_key: dict[str, list[Connection]] = {}
        for sockets in self.user_sockets.values():
            for conn in sockets:
                if conn.session_key:
                    by_key.setdefault(conn.session_key, []).append(conn)
        if not by_key:
            return
        alive = await _live_sessions(list(by_key))
        for key, conns in by_key.items():
            if key not in alive:
                for conn in conns:
                    await conn.close_with(encode(ResumeFrame(reason="session_ended")), 4401)

    # --- sockets --------------------------------------------------------------------------------

    async def register(self, conn: Connection) -> None:
        """A socket opened: frames for its user (arriving through the hubs group) reach it.
        No channel-layer round trip per socket."""
        await self.start()
        self.user_sockets.setdefault(conn.user_id, set()).add(conn)

    async def unregister(self, conn: Connection) -> None:
        """A socket closed (or is being closed): leave all its rooms."""
        for room_id in list(conn.rooms):
            await self.unsubscribe(conn, room_id)
        sockets = self.user_sockets.get(conn.user_id)
        if sockets is not None:
            sockets.discard(conn)
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
        if conn not in fanout.sockets:
            fanout.sockets.add(conn)
            fanout.emptied_at = None
            conn.rooms.add(fanout.room_id)
            fanout.local_users[conn.user_id] += 1
            if fanout.local_users[conn.user_id] == 1 and await self._best_effort(
                self.presence.join(fanout.room_id, conn.author), False
            ):
                self._queue_presence(fanout, joined=conn.author)
        present = await self._best_effort(
            self.presence.members(fanout.room_id),
            [c.author for c in {c.user_id: c for c in fanout.sockets}.values()],
        )
        subscribed = SubscribedFrame(
            room=fanout.room_id,
            seq=fanout.seq,
            presence=[a.id for a in present],  # type: ignore[misc]
            presence_users=present,
            ref=ref,
        )
        await conn.send_text(encode(subscribed))
        if since is not None and since < fanout.seq:
            start = max(since, fanout.seq - settings.KRING_RESUME_MAX_EVENTS)
            frames = [
                encode(event_frame(event, reveal_hidden=reveal_hidden))
                for event in await _events_range(fanout.room_id, start, fanout.seq)
            ]
            # The replay is written at once, under the room lock; more than the socket may
            # have buffered would get it closed as a slow consumer by the next live event,
            # and it would reconnect into the same replay. Older events go over HTTP.
            skipped = _frames_over_budget(frames, _replay_budget())
            start += skipped
            if start > since:
                await conn.send_text(
                    encode(GapFrame(room=fanout.room_id, from_=since + 1, to=start))
                )
            for text in frames[skipped:]:
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
            if await self._best_effort(self.presence.leave(room_id, conn.user_id), False):
                self._queue_presence(fanout, left=conn.user_id)
        if not fanout.sockets:
            fanout.emptied_at = time.monotonic()

    @staticmethod
    async def _best_effort(call: Awaitable[Any], fallback: Any) -> Any:
        """Presence is a courtesy: when its store (Redis) fails, subscribing, posting and
        leaving go on, with this process's own view of who is here."""
        try:
            return await call
        except Exception:
            logger.warning("presence store unavailable", exc_info=True)
            return fallback

    # --- ephemeral: typing and presence ----------------------------------------------------------

    async def publish_typing(self, room_id: int, user_id: int, text: str) -> None:
        await self._publish_ephemeral(room_id, user_id, text)

    async def _publish_ephemeral(self, room_id: int, user_id: int | None, text: str) -> None:
        """Typing and presence: not stored, not sequenced; typing is not echoed to its user."""
        await self.layer.group_send(
            room_group(room_id),
            {"type": "room.ephemeral", "room": room_id, "user": user_id, "text": text},
        )

    def _queue_presence(
        self, fanout: RoomFanout, *, joined: AuthorOut | None = None, left: int | None = None
    ) -> None:
        if joined is not None:
            if joined.id in fanout.left:
                fanout.left.discard(joined.id)  # left and came back before anyone was told
            else:
                fanout.joined[joined.id] = joined  # type: ignore[index]
        if left is not None:
            if left in fanout.joined:
                del fanout.joined[left]
            else:
                fanout.left.add(left)
        if not fanout.flush_scheduled:
            fanout.flush_scheduled = True
            asyncio.get_running_loop().call_later(
                settings.KRING_PRESENCE_INTERVAL_SECONDS,
                lambda: asyncio.ensure_future(self._flush_presence(fanout)),
            )

    async def _flush_presence(self, fanout: RoomFanout) -> None:
        fanout.flush_scheduled = False
        if not fanout.joined and not fanout.left:
            return
        frame = PresenceFrame(
            room=fanout.room_id, joined=list(fanout.joined.values()), left=sorted(fanout.left)
        )
        fanout.joined, fanout.left = {}, set()
        try:
            await self._publish_ephemeral(fanout.room_id, None, encode(frame))
        except Exception:
            logger.warning("presence for room %s not sent", fanout.room_id, exc_info=True)

    async def _announce_reaped(self, gone: dict[int, list[int]]) -> None:
        """Users of a dead process left their rooms: tell the rooms."""
        for room_id, user_ids in gone.items():
            frame = PresenceFrame(room=room_id, joined=[], left=sorted(user_ids))
            await self._publish_ephemeral(room_id, None, encode(frame))

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
                await self._deliver_from_db(fanout, seq - 1)
            fanout.seq = seq
            await self.broadcast(fanout.sockets, message["text"])

    async def _deliver_from_db(self, fanout: RoomFanout, upto: int) -> None:
        """Deliver events ``fanout.seq < seq <= upto`` read from the database. Hold the lock."""
        for event in await _events_range(fanout.room_id, fanout.seq, upto):
            await self.broadcast(fanout.sockets, encode(event_frame(event)))
            fanout.seq = event.seq
        fanout.seq = max(fanout.seq, upto)

    async def broadcast(self, sockets: set[Connection], text: str) -> None:
        """Write one frame to many sockets: built once, written straight to each daphne
        transport (``send`` as the fallback). A socket whose unsent backlog is over
        ``KRING_SLOW_CONSUMER_BYTES`` is not written to but told to resume and closed."""
        frame = None
        slow: list[Connection] = []
        limit = settings.KRING_SLOW_CONSUMER_BYTES
        for conn in tuple(sockets):
            protocol = conn.direct
            if protocol is None:
                try:
                    await conn.send_text(text)
                except Exception:
                    logger.debug("send to a closing socket failed", exc_info=True)
                continue
            if not is_open(protocol):
                continue
            if limit and buffered_bytes(protocol) > limit:
                slow.append(conn)
                continue
            if frame is None:
                frame = text_frame(text)
            write_frame(protocol, frame)
        for conn in slow:
            logger.info("closing a slow consumer (user %s)", conn.user_id)
            await self.unregister(conn)
            await conn.close_with(encode(ResumeFrame(reason="slow_consumer")), 4008)

    async def _on_room_ephemeral(self, message: dict[str, Any]) -> None:
        fanout = self.rooms.get(message["room"])
        if fanout is not None:
            sender = message.get("user")
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
                await conn.close_with(text, 4401)

    async def _on_notify_batch(self, message: dict[str, Any]) -> None:
        local = [r for r in message["recipients"] if self.user_sockets.get(r[0])]
        if not local:
            return
        for user_id, text in notification_texts(message["body"], local).items():
            await self.broadcast(set(self.user_sockets.get(user_id, ())), text)


def _log_task_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("hub delivery failed", exc_info=task.exception())


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


@database_sync_to_async
def _last_seq(room_id: int) -> int:
    return selectors.room_last_seq(room_id=room_id)


@database_sync_to_async
def _last_seqs(room_ids: list[int]) -> dict[int, int]:
    return selectors.room_last_seqs(room_ids=room_ids)


@database_sync_to_async
def _events_range(room_id: int, after: int, upto: int) -> list[Any]:
    return selectors.room_events_range(room_id=room_id, after=after, upto=upto)


@database_sync_to_async
def _live_sessions(keys: list[str]) -> set[str]:
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    return set(
        Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now()).values_list(
            "session_key", flat=True
        )
    )


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def get_hub() -> Hub:
    """The hub of the running event loop (one per process in production; tests get a fresh
    one per event loop)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub(get_channel_layer())
    return hub
