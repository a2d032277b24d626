"""Room list changes and archiving take effect on already open sockets."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from community import services
from tests.conftest import connect, make_member, receive_until
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_new_room_reaches_an_open_socket_and_an_archived_one_refuses_the_next_post(
    community, alice
):
    facilitator = await database_sync_to_async(make_member)(community, role="facilitator")
    socket = await connect(alice.token)
    room = await database_sync_to_async(services.room_add)(
        actor=facilitator.user, community=community, name="projects", topic="Ideas"
    )
    listed = await receive_until(socket, "rooms")
    assert listed["community"] == community.slug and listed["archived"] is False
    assert [r["name"] for r in listed["rooms"]] == ["general", "projects"]
    await socket.send_json_to({"type": "subscribe", "room": room.pk})
    await receive_until(socket, "subscribed")

    await database_sync_to_async(services.room_archive)(actor=facilitator.user, room=room)
    event = await receive_until(socket, "event")
    assert (event["event"]["kind"], event["event"]["data"]["archived"]) == ("room", True)
    assert [r["name"] for r in (await receive_until(socket, "rooms"))["rooms"]] == ["general"]
    await socket.send_json_to({"type": "post", "room": room.pk, "body": "hello", "ref": "p1"})
    error = await receive_until(socket, "error")
    assert (error["code"], error["ref"]) == ("forbidden", "p1") and "archived" in error["detail"]
    await socket.disconnect()


async def test_archiving_a_community_tells_open_sockets(community, room, alice):
    coordinator = await database_sync_to_async(UserFactory)(is_coordinator=True)
    socket = await connect(alice.token)
    await database_sync_to_async(services.community_archive)(actor=coordinator, community=community)
    assert (await receive_until(socket, "rooms"))["archived"] is True
    await socket.send_json_to({"type": "post", "room": room.pk, "body": "hello", "ref": "p2"})
    error = await receive_until(socket, "error")
    assert "community is archived" in error["detail"]
    await socket.disconnect()
