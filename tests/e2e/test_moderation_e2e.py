"""Moderation end to end: facilitators act over HTTP on a real daphne process, members feel it
on their already open WebSockets."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import websockets
from asgiref.sync import sync_to_async

from tests.conftest import http_json, make_member
from tests.factories import CommunityFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def circle(transactional_db):
    community = CommunityFactory()
    room = community.rooms.get(name="general")
    facilitator = make_member(community, role="facilitator", display_name="Fiona")
    member = make_member(community, display_name="Mia")
    other = make_member(community, display_name="Olle")
    return community, room, facilitator, member, other


async def _socket(server, token, room_id, since=None):
    socket = await websockets.connect(server.ws_url, additional_headers={"X-Session-Token": token})
    frame = {"type": "subscribe", "room": room_id}
    if since is not None:
        frame["since"] = since
    await socket.send(json.dumps(frame))
    await _until(socket, "subscribed")
    return socket


async def _until(socket, frame_type, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), deadline - time.monotonic()))
        if frame["type"] == frame_type:
            return frame


def _api(server, method, path, token, body=None):
    return http_json(method, f"{server.url}/api{path}", body, headers={"X-Session-Token": token})


async def test_ban_stops_a_connected_member_within_a_second(daphne_server, circle):
    community, room, facilitator, member, other = circle
    banned_socket = await _socket(daphne_server, member.token, room.pk)
    poster = await _socket(daphne_server, other.token, room.pk)

    started = time.monotonic()
    status, _ = await sync_to_async(_api)(
        daphne_server,
        "POST",
        f"/communities/{community.slug}/members/{member.user.pk}/ban",
        facilitator.token,
        {"reason": "repeated spam"},
    )
    assert status == 200
    removed = await _until(banned_socket, "removed", timeout=1.0)
    assert time.monotonic() - started < 1.0
    assert (removed["reason"], removed["rooms"]) == ("banned", [room.pk])

    await poster.send(
        json.dumps({"type": "post", "room": room.pk, "body": "after the ban", "ref": "p"})
    )
    await _until(poster, "ack")
    with pytest.raises(TimeoutError):
        while True:  # nothing from the room reaches the banned socket any more
            frame = json.loads(await asyncio.wait_for(banned_socket.recv(), 0.5))
            assert frame["type"] != "event", frame
    status, body = await sync_to_async(_api)(
        daphne_server, "POST", f"/communities/{community.slug}/join", member.token
    )
    assert (status, body["error"]) == (403, "forbidden")
    await banned_socket.close()
    await poster.close()


async def test_muted_members_post_is_refused_on_the_open_socket(daphne_server, circle):
    community, room, facilitator, member, _ = circle
    socket = await _socket(daphne_server, member.token, room.pk)
    status, _ = await sync_to_async(_api)(
        daphne_server,
        "POST",
        f"/communities/{community.slug}/members/{member.user.pk}/mute",
        facilitator.token,
        {"minutes": 30, "reason": "let's cool down"},
    )
    assert status == 200
    await socket.send(
        json.dumps({"type": "post", "room": room.pk, "body": "can I still talk?", "ref": "m1"})
    )
    error = await _until(socket, "error")
    assert (error["code"], error["ref"]) == ("forbidden", "m1")
    assert "muted you in this community until" in error["detail"]
    await socket.close()


async def test_slow_mode_refuses_a_second_post_inside_the_window(daphne_server, circle):
    _, room, facilitator, member, _ = circle
    socket = await _socket(daphne_server, member.token, room.pk)
    status, settings = await sync_to_async(_api)(
        daphne_server, "PATCH", f"/rooms/{room.pk}", facilitator.token, {"slow_mode_seconds": 20}
    )
    assert (status, settings["slow_mode_seconds"]) == (200, 20)
    await socket.send(json.dumps({"type": "post", "room": room.pk, "body": "one", "ref": "s1"}))
    await _until(socket, "ack")
    await socket.send(json.dumps({"type": "post", "room": room.pk, "body": "two", "ref": "s2"}))
    error = await _until(socket, "error")
    assert (error["code"], error["ref"]) == ("rate_limited", "s2")
    fac_socket = await _socket(daphne_server, facilitator.token, room.pk)
    for i in range(2):  # facilitators are exempt
        await fac_socket.send(
            json.dumps({"type": "post", "room": room.pk, "body": f"f{i}", "ref": f"f{i}"})
        )
        await _until(fac_socket, "ack")
    await socket.close()
    await fac_socket.close()


async def test_hidden_messages_are_placeholders_to_members_on_resume(daphne_server, circle):
    _, room, facilitator, member, other = circle
    socket = await _socket(daphne_server, member.token, room.pk, since=0)
    poster = await _socket(daphne_server, other.token, room.pk)
    await poster.send(
        json.dumps({"type": "post", "room": room.pk, "body": "something regrettable", "ref": "r"})
    )
    message_id = (await _until(poster, "ack"))["event"]["id"]
    last_seen = (await _until(socket, "event"))["seq"]
    await socket.close()  # the member goes offline

    status, hide = await sync_to_async(_api)(
        daphne_server,
        "POST",
        f"/messages/{message_id}/hide",
        facilitator.token,
        {"reason": "Keep it kind"},
    )
    assert status == 200 and hide["event"]["kind"] == "hide"

    resumed = await _socket(daphne_server, member.token, room.pk, since=0)
    replay = [await _until(resumed, "event") for _ in range(2)]
    message, hide_event = replay[0]["event"], replay[1]["event"]
    assert (message["body"], message["html"], message["hidden"], message["hidden_reason"]) == (
        "",
        "",
        True,
        "Keep it kind",
    )
    assert (hide_event["kind"], hide_event["message"], replay[1]["seq"]) == (
        "hide",
        message_id,
        last_seen + 1,
    )
    status, history = await sync_to_async(_api)(
        daphne_server, "GET", f"/rooms/{room.pk}/events", member.token
    )
    assert history[0]["event"]["body"] == ""
    status, fac_history = await sync_to_async(_api)(
        daphne_server, "GET", f"/rooms/{room.pk}/events", facilitator.token
    )
    assert fac_history[0]["event"]["body"] == "something regrettable"
    await resumed.close()
    await poster.close()
