"""Many concurrent posters in one room: seqs stay gapless and unique, every subscriber sees
every event once and in order."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.db import connection

from community import services
from community.models import RoomEvent
from core import ratelimit
from tests.conftest import make_member
from tests.factories import CommunityFactory

pytestmark = pytest.mark.django_db(transaction=True)

POSTERS = 8
POSTS_EACH = 15


def test_concurrent_service_calls_from_many_threads_get_gapless_seqs(settings):
    # given one room and eight members, each posting from their own thread (own connection)
    settings.KRING_RATE_LIMITS = ratelimit.unlimited()
    community = CommunityFactory()
    room = community.rooms.get(name="general")
    members = [make_member(community).user for _ in range(POSTERS)]
    errors: list[BaseException] = []
    start = threading.Barrier(POSTERS)

    def poster(user):
        try:
            start.wait()
            for i in range(POSTS_EACH):
                services.message_post(room_id=room.pk, author=user, body=f"{user.pk}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=poster, args=(u,)) for u in members]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then every post is stored with seqs 1..N, no gaps, no duplicates
    assert errors == []
    seqs = sorted(RoomEvent.objects.filter(room=room).values_list("seq", flat=True))
    assert seqs == list(range(1, POSTERS * POSTS_EACH + 1))
    room.refresh_from_db()
    assert room.last_seq == POSTERS * POSTS_EACH


@pytest.mark.e2e
async def test_concurrent_posters_over_sockets_and_one_listener_sees_all_in_order(
    daphne_server, transactional_db
):
    community = await sync_to_async(CommunityFactory)()
    room = await sync_to_async(lambda: community.rooms.get(name="general"))()
    members = [await sync_to_async(make_member)(community) for _ in range(POSTERS + 1)]
    listener_member, poster_members = members[0], members[1:]
    total = POSTERS * POSTS_EACH

    async def open_socket(token):
        return await websockets.connect(
            daphne_server.ws_url, additional_headers={"X-Session-Token": token}
        )

    listener = await open_socket(listener_member.token)
    await listener.send(json.dumps({"type": "subscribe", "room": room.pk, "since": 0}))

    async def post_all(member):
        socket = await open_socket(member.token)
        for i in range(POSTS_EACH):
            await socket.send(
                json.dumps(
                    {
                        "type": "post",
                        "room": room.pk,
                        "body": f"m{i}",
                        "ref": f"{member.user.pk}-{i}",
                    }
                )
            )
        acks = 0
        while acks < POSTS_EACH:
            frame = json.loads(await asyncio.wait_for(socket.recv(), 20))
            assert frame["type"] != "error", frame
            acks += frame["type"] == "ack"
        await socket.close()

    await asyncio.gather(*(post_all(m) for m in poster_members))
    seen = []
    while len(seen) < total:
        frame = json.loads(await asyncio.wait_for(listener.recv(), 20))
        if frame["type"] == "event":
            seen.append(frame["seq"])
    await listener.close()
    assert seen == list(range(1, total + 1))
    stored = await sync_to_async(
        lambda: sorted(RoomEvent.objects.filter(room=room).values_list("seq", flat=True))
    )()
    assert stored == list(range(1, total + 1))
