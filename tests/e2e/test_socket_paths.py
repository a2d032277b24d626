"""Both ways frames leave a daphne process: written straight to its transport (the direct
path) and through ASGI ``send`` (``KRING_DIRECT_WRITES=false``, as under another server). The
limits and guarantees are the same on both."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
import websockets
from asgiref.sync import sync_to_async

from community.models import RoomEvent
from tests.conftest import LiveServer, make_member, start_daphne, stop_daphne
from tests.factories import CommunityFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Long messages, with frame limits that fit them (the start-up check insists).
LIMITS = {"KRING_MAX_MESSAGE_LENGTH": "40000", "KRING_MAX_FRAME_BYTES": "600000"}


@pytest.fixture(scope="module", params=["direct", "asgi"])
def server(request: Any, django_db_setup: Any, django_db_blocker: Any) -> Iterator[LiveServer]:
    env = dict(LIMITS)
    if request.param == "asgi":
        env["KRING_DIRECT_WRITES"] = "false"
    live = start_daphne(env, log_name=f"paths-{request.param}")
    live.env["path"] = request.param
    yield live
    stop_daphne(live)


@pytest.fixture
def members(transactional_db: Any) -> tuple[Any, Any, Any]:
    community = CommunityFactory()
    return community.rooms.get(name="general"), make_member(community), make_member(community)


async def _subscribed(server: LiveServer, token: str, room: int) -> Any:
    socket = await websockets.connect(server.ws_url, additional_headers={"X-Session-Token": token})
    await socket.send(json.dumps({"type": "subscribe", "room": room}))
    await _until(socket, "subscribed")
    return socket


async def _until(socket: Any, frame_type: str) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), 10))
        if frame["type"] == frame_type:
            return frame


async def test_the_server_says_which_path_its_sockets_take(server, members):
    room, alice, _ = members
    socket = await _subscribed(server, alice.token, room.pk)
    await socket.close()
    expected = {
        "direct": "direct writes engaged",
        "asgi": "direct writes not engaged: KRING_DIRECT_WRITES is off",
    }[server.env["path"]]
    assert expected in server.log()


async def test_a_long_message_is_acknowledged_and_delivered(server, members):
    room, alice, bob = members
    poster = await _subscribed(server, alice.token, room.pk)
    reader = await _subscribed(server, bob.token, room.pk)
    body = "&" * 33_000  # 33 KB as text, 165 KB as HTML: larger than any incoming frame limit
    await poster.send(json.dumps({"type": "post", "room": room.pk, "body": body, "ref": "long"}))
    ack = await _until(poster, "ack")
    assert ack["ref"] == "long" and ack["event"]["body"] == body
    event = await _until(reader, "event")
    assert event["seq"] == ack["seq"] and event["event"]["html"].count("&amp;") == 33_000
    await poster.close()
    await reader.close()


async def test_a_frame_over_the_limit_is_closed_with_1009_and_a_reason(server, members):
    room, alice, _ = members
    socket = await websockets.connect(
        server.ws_url, additional_headers={"X-Session-Token": alice.token}
    )
    await socket.send(json.dumps({"type": "post", "room": room.pk, "body": "x" * 700_000}))
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(socket.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    assert closed.value.rcvd.reason
    assert await sync_to_async(RoomEvent.objects.filter(kind="message").count)() == 0
