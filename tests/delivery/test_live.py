"""Live pushes on the user's /ws/ socket and catch-up after a reconnect."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from community import services
from delivery import services as delivery
from delivery.categories import Level
from delivery.worker import process_pending_jobs
from tests.conftest import connect, frames_within, make_member, receive_until

pytestmark = pytest.mark.django_db(transaction=True)

post = database_sync_to_async(services.message_post)
work = database_sync_to_async(process_pending_jobs)


async def test_mention_is_pushed_live_with_unread_count(room, alice, bob):
    socket = await connect(bob.token)
    await post(room_id=room.pk, author=alice.user, body="@bob-berg welcome!")
    await work()
    frame = await receive_until(socket, "notification")
    assert frame["unread"] == 1 and frame["seq"] == frame["notification"]["id"]
    assert frame["notification"]["verb"] == "mentioned you in #general"
    assert frame["notification"]["actor"]["name"] == "Alice Anders"
    assert frame["notification"]["text"] == "@bob-berg welcome!"
    await socket.disconnect()


async def test_muted_level_is_stored_but_not_pushed(community, room, alice, bob):
    await database_sync_to_async(delivery.preference_set)(
        user=bob.user, community=community, level=Level.MUTE
    )
    socket = await connect(bob.token)
    await post(room_id=room.pk, author=alice.user, body="@bob-berg are you there?")
    await work()
    assert [f for f in await frames_within(socket, 0.3) if f["type"] == "notification"] == []

    await socket.send_json_to({"type": "notifications", "since": 0})
    caught_up = await receive_until(socket, "notification")
    assert caught_up["notification"]["verb"] == "mentioned you in #general"
    await socket.disconnect()


async def test_catch_up_after_reconnect_sends_only_what_was_missed(room, alice, bob):
    socket = await connect(bob.token)
    await post(room_id=room.pk, author=alice.user, body="@bob-berg one")
    await work()
    seen = (await receive_until(socket, "notification"))["seq"]
    await socket.disconnect()
    for text in ("two", "three"):
        await post(room_id=room.pk, author=alice.user, body=f"@bob-berg {text}")
    await work()
    socket = await connect(bob.token)
    await socket.send_json_to({"type": "notifications", "since": seen, "ref": "sync"})
    missed = [await socket.receive_json_from() for _ in range(2)]
    assert [m["notification"]["text"] for m in missed] == ["@bob-berg two", "@bob-berg three"]
    synced = await socket.receive_json_from()
    assert synced == {
        "type": "notifications_synced",
        "seq": missed[-1]["seq"],
        "unread": 3,
        "more": False,
        "ref": "sync",
    }
    await socket.disconnect()


async def test_one_layer_message_reaches_many_recipients(community, alice):
    members = [await database_sync_to_async(make_member)(community) for _ in range(5)]
    sockets = [await connect(m.token) for m in members]
    facilitator = await database_sync_to_async(make_member)(community, role="facilitator")
    from facilitators.services import announcement_post

    await database_sync_to_async(announcement_post)(
        actor=facilitator.user, community=community, body="Hello"
    )
    await work()
    for socket in sockets:
        frame = await receive_until(socket, "notification")
        assert frame["notification"]["category"] == "announcement"
        await socket.disconnect()
