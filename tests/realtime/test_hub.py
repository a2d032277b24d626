"""The per-process hub delivers each room event once, in seq order, whatever the layer does:
lost doorbells, duplicated doorbells and doorbells that overtake each other."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer

from community import selectors, services
from core.emitters import room_group
from core.protocol.base import encode
from core.protocol.room_events import event_frame
from realtime.hub import get_hub
from tests.conftest import assert_no_more_events, connect, receive_until

pytestmark = pytest.mark.django_db(transaction=True)

post = database_sync_to_async(services.message_post)


async def _subscribed(token, room_id):
    socket = await connect(token)
    await socket.send_json_to({"type": "subscribe", "room": room_id})
    await receive_until(socket, "subscribed")
    return socket


async def _events(socket, count):
    return [(await receive_until(socket, "event"))["seq"] for _ in range(count)]


async def test_lost_doorbells_are_filled_from_the_database(room, alice, bob):
    a = await _subscribed(alice.token, room.pk)
    hub = get_hub()
    layer = get_channel_layer()
    # the layer loses the doorbells of two posts (as over capacity or across a Redis restart)
    await layer.group_discard(room_group(room.pk), hub.channel)
    await post(room_id=room.pk, author=bob.user, body="lost 1")
    await post(room_id=room.pk, author=bob.user, body="lost 2")
    await layer.group_add(room_group(room.pk), hub.channel)
    # the next doorbell reveals the gap
    await post(room_id=room.pk, author=bob.user, body="arrives")
    assert await _events(a, 3) == [1, 2, 3]
    await assert_no_more_events(a)
    await a.disconnect()


async def test_duplicate_and_overtaking_doorbells_are_delivered_once_in_order(room, alice, bob):
    a = await _subscribed(alice.token, room.pk)
    hub = get_hub()
    layer = get_channel_layer()
    await layer.group_discard(room_group(room.pk), hub.channel)
    for i in range(3):
        await post(room_id=room.pk, author=bob.user, body=f"m{i}")
    await layer.group_add(room_group(room.pk), hub.channel)
    events = await database_sync_to_async(selectors.room_events_range)(
        room_id=room.pk, after=0, upto=3
    )
    # doorbells from two processes arrive newest first, and one twice
    for event in [events[2], events[0], events[1], events[2]]:
        await layer.group_send(
            room_group(room.pk),
            {
                "type": "room.event",
                "room": room.pk,
                "seq": event.seq,
                "text": encode(event_frame(event)),
            },
        )
    assert await _events(a, 3) == [1, 2, 3]
    await assert_no_more_events(a)
    await a.disconnect()


async def test_subscribe_catches_up_the_hub_before_adding_a_socket(room, alice, bob):
    a = await _subscribed(alice.token, room.pk)
    hub = get_hub()
    layer = get_channel_layer()
    await layer.group_discard(room_group(room.pk), hub.channel)
    await post(room_id=room.pk, author=bob.user, body="doorbell lost")
    await layer.group_add(room_group(room.pk), hub.channel)
    # a second socket subscribing syncs the hub with the database: the first socket gets the
    # missed event too, the second gets it as backlog
    b = await connect(bob.token)
    await b.send_json_to({"type": "subscribe", "room": room.pk, "since": 0})
    subscribed = await receive_until(b, "subscribed")
    assert subscribed["seq"] == 1
    assert await _events(b, 1) == [1]
    assert await _events(a, 1) == [1]
    await a.disconnect()
    await b.disconnect()


async def test_one_layer_message_per_process_not_per_socket(room, community, alice):
    sockets = [await _subscribed(alice.token, room.pk) for _ in range(5)]
    hub = get_hub()
    assert len(hub.rooms[room.pk].sockets) == 5
    # the layer sees one member of the room's group: this process's hub channel
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):  # it exposes its groups
        assert list(layer.groups[room_group(room.pk)]) == [hub.channel]

    await post(room_id=room.pk, author=alice.user, body="to all five")
    for socket in sockets:
        assert await _events(socket, 1) == [1]
        await socket.disconnect()
