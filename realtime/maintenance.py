"""What a hub does every few seconds, apart from delivering: re-join its channel-layer groups
(a restarted Redis forgets them), deliver events whose doorbells were lost, leave rooms nobody
here follows any more, close idle sockets and sockets whose session ended, and keep presence
honest across processes (heartbeat, reaping dead processes)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from core import metrics
from core.emitters import HUBS_GROUP, room_group
from core.protocol.base import encode
from core.protocol.frames import ResumeFrame

from .db import last_seqs

if TYPE_CHECKING:
    from .hub import Connection, Hub

logger = logging.getLogger(__name__)

# An emptied room stays joined this long, so a client reconnecting right away is cheap.
IDLE_ROOM_SECONDS = 60
MAINTENANCE_INTERVAL_SECONDS = 10
# Channel layers forget group members after their group_expiry, and a restarted Redis forgets
# them at once: re-join this often.
GROUP_REFRESH_SECONDS = 60
IDLE_CLOSE_CODE = 4000
SESSION_ENDED_CLOSE_CODE = 4401


def stopping() -> bool:
    """Whether the running task is being cancelled. redis-py turns a cancellation inside its
    read timeout into ``TimeoutError``: a loop that caught it as a failure would swallow the
    cancel and run on, and the hub (or a test's event loop) would never stop."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def maintenance_loop(hub: Hub) -> None:
    last_refresh = time.monotonic()
    while True:
        await asyncio.sleep(MAINTENANCE_INTERVAL_SECONDS)
        try:
            await close_idle_rooms(hub)
            await close_idle_sockets(hub)
            hub.recent.drop_stale()
            await revalidate_sessions(hub)
            await hub.best_effort(hub.presence.heartbeat(), lambda: None)
            await hub.presence_batch.announce_gone(await hub.best_effort(hub.presence.reap(), dict))
            if time.monotonic() - last_refresh > GROUP_REFRESH_SECONDS:
                last_refresh = time.monotonic()
                await join_groups(hub)
            await catch_up_rooms(hub)
        except asyncio.CancelledError:
            raise
        except Exception:
            if stopping():
                raise
            logger.warning("hub maintenance failed", exc_info=True)
            hub.resync_needed = True


async def resync(hub: Hub) -> None:
    """After a channel-layer failure: re-join the groups and deliver what was missed."""
    hub.presence_reads.changed_everywhere()  # presence frames may have been lost too
    try:
        await join_groups(hub)
        hub.presence_reads.changed_everywhere()  # and reads sent until now may miss some
        await catch_up_rooms(hub)
    except Exception:
        if stopping():
            raise
        logger.warning("hub resync failed; will retry", exc_info=True)
        return
    hub.resync_needed = False
    logger.info("hub resynchronised %s rooms", len(hub.rooms))


async def join_groups(hub: Hub) -> None:
    if hub.channel is None:
        hub.channel = await hub.layer.new_channel()
    await hub.layer.group_add(HUBS_GROUP, hub.channel)
    for room_id in list(hub.rooms):
        await hub.layer.group_add(room_group(room_id), hub.channel)


async def catch_up_rooms(hub: Hub) -> None:
    """Deliver events whose doorbells never came (one query for all of this process's
    rooms)."""
    live = {room_id: f for room_id, f in hub.rooms.items() if f.seq >= 0 and not f.closed}
    if not live:
        return
    for room_id, last in (await last_seqs(list(live))).items():
        fanout = live[room_id]
        if last > fanout.seq:
            async with fanout.lock:
                if last > fanout.seq and not fanout.closed:
                    await hub.deliver_from_db(fanout, last)


async def close_idle_rooms(hub: Hub) -> None:
    now = time.monotonic()
    for room_id, fanout in list(hub.rooms.items()):
        if fanout.sockets or fanout.emptied_at is None:
            continue
        if now - fanout.emptied_at < IDLE_ROOM_SECONDS:
            continue
        async with fanout.lock:
            if fanout.sockets:
                continue
            fanout.closed = True
            hub.rooms.pop(room_id, None)
            hub.recent.forget(room_id)
            hub.presence_reads.changed(room_id)  # its presence frames stop coming here
            metrics.ROOMS_FOLLOWED.set(len(hub.rooms))
            await hub.layer.group_discard(room_group(room_id), hub.channel)
            hub.presence_reads.changed(room_id)  # nor may a read sent meanwhile be shared


async def close_idle_sockets(hub: Hub) -> None:
    """Close sockets that sent nothing (not even a ping) for the idle timeout."""
    limit = settings.KRING_IDLE_TIMEOUT_SECONDS
    if limit <= 0:
        return
    deadline = time.monotonic() - limit
    for sockets in list(hub.user_sockets.values()):
        for conn in list(sockets):
            if conn.last_seen < deadline:
                await conn.close_with(encode(ResumeFrame(reason="idle")), IDLE_CLOSE_CODE)


async def revalidate_sessions(hub: Hub) -> None:
    """Close sockets whose session ended (logged out, expired, password changed
    elsewhere): the socket is re-authorised, not only the handshake."""
    by_key: dict[str, list[Connection]] = {}
    for sockets in hub.user_sockets.values():
        for conn in sockets:
            if conn.session_key:
                by_key.setdefault(conn.session_key, []).append(conn)
    if not by_key:
        return
    alive = await _live_sessions(list(by_key))
    ended = encode(ResumeFrame(reason="session_ended"))
    for key, conns in by_key.items():
        if key not in alive:
            for conn in conns:
                await conn.close_with(ended, SESSION_ENDED_CLOSE_CODE)


@database_sync_to_async
def _live_sessions(keys: list[str]) -> set[str]:
    return set(
        Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now()).values_list(
            "session_key", flat=True
        )
    )
