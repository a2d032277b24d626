"""End to end: a real daphne process, real WebSocket clients (`websockets`), real HTTP."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets
from asgiref.sync import sync_to_async

from community.models import RoomEvent
from tests.conftest import http_json, login_over_http, make_member, start_daphne, stop_daphne
from tests.factories import CommunityFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class Client:
    """A tiny protocol client over a real WebSocket."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket

    async def send(self, frame: dict | str) -> None:
        await self.socket.send(frame if isinstance(frame, str) else json.dumps(frame))

    async def recv(self, timeout: float = 5) -> dict:
        return json.loads(await asyncio.wait_for(self.socket.recv(), timeout))

    async def until(self, frame_type: str, timeout: float = 5) -> dict:
        while True:
            frame = await self.recv(timeout)
            if frame["type"] == frame_type:
                return frame

    async def quiet(self, seconds: float = 0.3) -> list[dict]:
        """Frames that arrive within ``seconds`` (expected: none of a given kind)."""
        frames = []
        try:
            while True:
                frames.append(await self.recv(seconds))
        except TimeoutError:
            return frames


async def open_client(server, token: str) -> Client:
    socket = await websockets.connect(server.ws_url, additional_headers={"X-Session-Token": token})
    return Client(socket)


@pytest.fixture(scope="module", params=["direct writes", "ASGI send"])
def daphne_server(request, django_db_setup, django_db_blocker):
    """Every test here runs against both ways frames leave daphne (see test_socket_paths)."""
    asgi = request.param == "ASGI send"
    server = start_daphne({"KRING_DIRECT_WRITES": "false"} if asgi else None, log_name="live")
    yield server
    stop_daphne(server)


@pytest.fixture
def chat(transactional_db):
    community = CommunityFactory()
    room = community.rooms.get(name="general")
    alice = make_member(community, display_name="Alice Anders")
    bob = make_member(community, display_name="Bob Berg")
    return community, room, alice, bob


async def test_two_teachers_chat_live(daphne_server, chat):
    _, room, alice, bob = chat
    alice_token = await sync_to_async(login_over_http)(daphne_server, alice.user.email)
    bob_token = await sync_to_async(login_over_http)(daphne_server, bob.user.email)
    a = await open_client(daphne_server, alice_token)
    b = await open_client(daphne_server, bob_token)
    for client in (a, b):
        await client.send({"type": "subscribe", "room": room.pk, "since": 0})
        await client.until("subscribed")

    await a.send({"type": "post", "room": room.pk, "body": "Goedemorgen!", "ref": "a1"})
    got = await b.until("event")
    assert (got["seq"], got["event"]["body"], got["event"]["author"]["name"]) == (
        1,
        "Goedemorgen!",
        "Alice Anders",
    )
    await b.send(
        {
            "type": "post",
            "room": room.pk,
            "body": "Dzień dobry!",
            "reply_to": got["event"]["id"],
            "ref": "b1",
        }
    )
    reply = await a.until("event")
    reply = reply if reply["seq"] == 2 else await a.until("event")
    assert reply["event"]["reply_to"] == got["event"]["id"]
    assert reply["event"]["reply_preview"]["excerpt"] == "Goedemorgen!"
    await a.socket.close()
    await b.socket.close()


async def test_reconnect_with_since_gets_each_missed_event_once_in_order(daphne_server, chat):
    _, room, alice, bob = chat
    a = await open_client(daphne_server, alice.token)
    b = await open_client(daphne_server, bob.token)
    for client in (a, b):
        await client.send({"type": "subscribe", "room": room.pk, "since": 0})
        await client.until("subscribed")
    await b.send({"type": "post", "room": room.pk, "body": "before", "ref": "x0"})
    await b.until("ack")  # else each ack below would be the previous post's
    last_seen = (await a.until("event"))["seq"]

    await a.socket.close()  # alice's train goes into a tunnel
    for i in range(1, 8):
        await b.send({"type": "post", "room": room.pk, "body": f"missed {i}", "ref": f"x{i}"})
        await b.until("ack")

    a = await open_client(daphne_server, alice.token)
    await a.send({"type": "subscribe", "room": room.pk, "since": last_seen})
    subscribed = await a.until("subscribed")
    assert subscribed["seq"] == 8
    replay = [await a.until("event") for _ in range(7)]
    assert [f["seq"] for f in replay] == list(range(2, 9))
    assert [f["event"]["body"] for f in replay] == [f"missed {i}" for i in range(1, 8)]
    await b.send({"type": "post", "room": room.pk, "body": "live again", "ref": "x8"})
    assert (await a.until("event"))["seq"] == 9
    leftovers = [f for f in await a.quiet() if f["type"] == "event"]
    assert leftovers == [], "an event was delivered twice"
    await a.socket.close()
    await b.socket.close()


async def test_retried_post_after_reconnect_is_stored_once(daphne_server, chat):
    _, room, alice, _ = chat
    frame = {"type": "post", "room": room.pk, "body": "sent twice, stored once", "ref": "retry-7"}
    a = await open_client(daphne_server, alice.token)
    await a.send(frame)
    first = await a.until("ack")
    await a.socket.close()  # the ack "got lost": the client retries on a new socket
    a = await open_client(daphne_server, alice.token)
    await a.send(frame)
    second = await a.until("ack")
    assert first["event"]["id"] == second["event"]["id"] and first["seq"] == second["seq"]
    assert await sync_to_async(RoomEvent.objects.filter(room=room).count)() == 1
    await a.socket.close()


async def test_bad_frames_get_errors_and_the_connection_stays_usable(daphne_server, chat):
    _community, room, alice, _ = chat
    other = await sync_to_async(CommunityFactory)()
    foreign_room = await sync_to_async(lambda: other.rooms.get(name="general"))()
    a = await open_client(daphne_server, alice.token)
    bad_frames = [
        ("{not json", "bad_request"),
        (json.dumps({"type": "teleport"}), "bad_request"),
        (json.dumps({"type": "post", "room": str(room.pk), "body": "x"}), "bad_request"),
        (json.dumps({"type": "post", "room": room.pk, "body": 5}), "bad_request"),
        (
            json.dumps({"type": "post", "room": room.pk, "body": "x" * 5000, "ref": "big"}),
            "too_large",
        ),
        (json.dumps({"type": "post", "room": foreign_room.pk, "body": "hi"}), "forbidden"),
        (json.dumps({"type": "subscribe", "room": foreign_room.pk}), "forbidden"),
    ]
    for raw, code in bad_frames:
        await a.send(raw)
        error = await a.until("error")
        assert error["code"] == code, (raw[:60], error)
        await a.send({"type": "ping", "ref": "alive"})
        assert await a.until("pong") == {"type": "pong", "ref": "alive"}
    assert await sync_to_async(RoomEvent.objects.count)() == 0
    await a.socket.close()


async def test_frame_over_daphne_limit_closes_only_that_socket(daphne_server, chat):
    _, room, alice, _ = chat
    a = await open_client(daphne_server, alice.token)
    await a.send(json.dumps({"type": "post", "room": room.pk, "body": "x" * 70_000}))
    # daphne refuses the frame while it arrives, closing with 1009; nothing is stored
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await a.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    assert await sync_to_async(RoomEvent.objects.count)() == 0
    b = await open_client(daphne_server, alice.token)
    await b.send({"type": "ping"})
    assert (await b.recv())["type"] == "pong"
    await b.socket.close()


async def test_browser_cookie_and_origin(daphne_server, chat):
    _, room, alice, _ = chat
    cookie = f"sessionid={alice.token}"
    origin = daphne_server.url
    socket = await websockets.connect(
        daphne_server.ws_url, additional_headers={"Cookie": cookie}, origin=origin
    )
    client = Client(socket)
    await client.send({"type": "subscribe", "room": room.pk})
    assert (await client.until("subscribed"))["room"] == room.pk
    await socket.close()
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(
            daphne_server.ws_url,
            additional_headers={"Cookie": cookie},
            origin="https://evil.example",
        )
    assert refused.value.response.status_code == 403
    with pytest.raises(websockets.InvalidStatus):
        await websockets.connect(daphne_server.ws_url)


async def test_history_over_http_equals_socket_frames(daphne_server, chat):
    _, room, alice, bob = chat
    a = await open_client(daphne_server, alice.token)
    await a.send({"type": "subscribe", "room": room.pk, "since": 0})
    await a.until("subscribed")
    b = await open_client(daphne_server, bob.token)
    for i in range(3):
        await b.send({"type": "post", "room": room.pk, "body": f"**m{i}**", "ref": f"h{i}"})
    live = [await a.until("event") for _ in range(3)]
    status, history = await sync_to_async(http_json)(
        "GET",
        f"{daphne_server.url}/api/rooms/{room.pk}/events",
        headers={"X-Session-Token": alice.token},
    )
    assert status == 200
    assert history == live
    await a.socket.close()
    await b.socket.close()


async def test_signup_join_and_post_through_the_apis(daphne_server, transactional_db):
    community = await sync_to_async(CommunityFactory)(join_policy="open")
    room_id = await sync_to_async(lambda: community.rooms.get(name="general").pk)()
    status, body = await sync_to_async(http_json)(
        "POST",
        f"{daphne_server.url}/_allauth/app/v1/auth/signup",
        {
            "email": "new.teacher@school.test",
            "password": "Sunflower-Meadow-42",
            "display_name": "Nina Nowak",
        },
    )
    assert status == 200, body
    token = body["meta"]["session_token"]
    headers = {"X-Session-Token": token}
    status, joined = await sync_to_async(http_json)(
        "POST", f"{daphne_server.url}/api/communities/{community.slug}/join", headers=headers
    )
    assert (status, joined) == (200, {"state": "active", "role": "member"})
    client = await open_client(daphne_server, token)
    await client.send(
        {"type": "post", "room": room_id, "body": "Hello from a new teacher", "ref": "n1"}
    )
    ack = await client.until("ack")
    assert ack["event"]["author"]["name"] == "Nina Nowak"
    await client.socket.close()


async def test_non_member_of_this_community_is_refused_by_daphne(daphne_server, chat):
    _, room, _, _ = chat
    outsider = await sync_to_async(UserFactory)()
    token = await sync_to_async(login_over_http)(daphne_server, outsider.email)
    client = await open_client(daphne_server, token)
    await client.send({"type": "subscribe", "room": room.pk})
    assert (await client.until("error"))["code"] == "forbidden"
    status, body = await sync_to_async(http_json)(
        "GET", f"{daphne_server.url}/api/rooms/{room.pk}/events", headers={"X-Session-Token": token}
    )
    assert (status, body["error"]) == (403, "forbidden")
    await client.socket.close()


async def test_headless_browser_login_then_cookie_socket(daphne_server, chat):
    """allauth's browser API: CSRF cookie, JSON login, then the session cookie opens /ws/."""
    _, room, alice, _ = chat
    import http.cookiejar
    import urllib.request

    def browser_login() -> str:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.open(f"{daphne_server.url}/_allauth/browser/v1/config").read()
        opener.open(f"{daphne_server.url}/accounts/login/").read()  # sets csrftoken
        csrf = next(c.value for c in jar if c.name == "csrftoken")
        request = urllib.request.Request(
            f"{daphne_server.url}/_allauth/browser/v1/auth/login",
            data=json.dumps(
                {"email": alice.user.email, "password": "a-long-test-password"}
            ).encode(),
            headers={
                "content-type": "application/json",
                "X-CSRFToken": csrf,
                "Origin": daphne_server.url,
            },
            method="POST",
        )
        body = json.loads(opener.open(request).read())
        assert body["meta"]["is_authenticated"] is True
        return next(c.value for c in jar if c.name == "sessionid")

    session_id = await sync_to_async(browser_login)()
    socket = await websockets.connect(
        daphne_server.ws_url,
        additional_headers={"Cookie": f"sessionid={session_id}"},
        origin=daphne_server.url,
    )
    client = Client(socket)
    await client.send({"type": "subscribe", "room": room.pk})
    assert (await client.until("subscribed"))["room"] == room.pk
    await socket.close()
