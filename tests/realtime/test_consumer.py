"""The /ws/ consumer through channels' WebsocketCommunicator (real in-memory/Redis layer)."""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.db import database_sync_to_async

from community import services
from community.models import RoomEvent
from tests.conftest import (
    assert_no_more_events,
    connect,
    make_member,
    receive_until,
    session_token_for,
    ws_application,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


async def test_anonymous_handshake_is_refused():
    from channels.testing import WebsocketCommunicator

    communicator = WebsocketCommunicator(ws_application(), "/ws/")
    connected, _ = await communicator.connect()
    assert not connected


async def test_bad_token_is_refused():
    from channels.testing import WebsocketCommunicator

    communicator = WebsocketCommunicator(
        ws_application(), "/ws/", headers=[(b"x-session-token", b"forged")]
    )
    connected, _ = await communicator.connect()
    assert not connected


async def test_cookie_auth_needs_an_allowed_origin(alice):
    from channels.testing import WebsocketCommunicator

    cookie = (b"cookie", f"sessionid={alice.token}".encode())
    for origin, host, expected in [
        (b"http://127.0.0.1:8000", None, True),  # KRING_BASE_URL's origin
        (b"http://localhost", b"localhost", True),  # the handshake's own origin
        (b"http://localhost:8000", b"localhost:8000", True),
        (b"http://localhost:6666", b"localhost:8000", False),  # another port: another site
        (b"https://127.0.0.1:8000", None, False),  # another scheme
        (b"http://127.0.0.1", None, False),  # another port (80)
        (b"http://localhost", None, False),  # an allowed host name alone is not enough
        (b"https://evil.example", b"evil.example", False),  # its host is not ALLOWED_HOSTS
        (b"https://evil.example", None, False),
        (None, None, False),  # a cookie without Origin is not a browser we trust: anonymous
    ]:
        headers = [cookie] + ([(b"origin", origin)] if origin else [])
        headers += [(b"host", host)] if host else []
        communicator = WebsocketCommunicator(ws_application(), "/ws/", headers=headers)
        connected, _ = await communicator.connect()
        assert connected is expected, (origin, host)
        await communicator.disconnect()


async def test_trusted_origins_match_scheme_host_and_port(alice, settings):
    from channels.testing import WebsocketCommunicator

    settings.CSRF_TRUSTED_ORIGINS = ["https://kring.example.eu", "https://*.school.example"]
    cookie = (b"cookie", f"sessionid={alice.token}".encode())
    for origin, expected in [
        (b"https://kring.example.eu", True),
        (b"https://kring.example.eu:443", True),
        (b"http://kring.example.eu", False),
        (b"https://kring.example.eu:8443", False),
        (b"https://app.school.example", True),
        (b"https://school.example.evil", False),
    ]:
        communicator = WebsocketCommunicator(
            ws_application(), "/ws/", headers=[cookie, (b"origin", origin)]
        )
        connected, _ = await communicator.connect()
        assert connected is expected, origin
        await communicator.disconnect()


async def test_token_with_foreign_origin_is_refused(alice):
    from channels.testing import WebsocketCommunicator

    headers = [(b"x-session-token", alice.token.encode()), (b"origin", b"https://evil.example")]
    communicator = WebsocketCommunicator(ws_application(), "/ws/", headers=headers)
    connected, _ = await communicator.connect()
    assert not connected


async def test_subscribe_post_and_receive_live(room, alice, bob):
    a = await connect(alice.token)
    b = await connect(bob.token)
    await a.send_json_to({"type": "subscribe", "room": room.pk, "ref": "sub-a"})
    subscribed = await receive_until(a, "subscribed")
    assert subscribed == {
        "type": "subscribed", "room": room.pk, "seq": 0, "presence": [alice.user.pk],
        "presence_users": [{"id": alice.user.pk, "name": "Alice Anders", "handle": "alice-anders"}], "ref": "sub-a",
    }  # fmt: skip
    await b.send_json_to({"type": "subscribe", "room": room.pk})
    await receive_until(b, "subscribed")
    joined = set()
    while bob.user.pk not in joined:  # presence comes in batches
        joined |= {u["id"] for u in (await receive_until(a, "presence"))["joined"]}

    await b.send_json_to({"type": "post", "room": room.pk, "body": "Hallo *allemaal*", "ref": "p1"})
    # the poster gets the ack and, as a subscriber, the event itself (in either order)
    got = {}
    while set(got) != {"ack", "event"}:
        frame = await b.receive_json_from()
        if frame["type"] in ("ack", "event"):
            got[frame["type"]] = frame

    ack, own = got["ack"], got["event"]
    assert (ack["ref"], ack["seq"], ack["event"]["body"]) == ("p1", 1, "Hallo *allemaal*")
    assert own["event"] == ack["event"] and "ref" not in own
    live = await receive_until(a, "event")
    assert live["seq"] == 1 and live["event"]["html"] == "<p>Hallo <em>allemaal</em></p>"
    assert live["event"]["author"] == {"id": bob.user.pk, "name": "Bob Berg", "handle": "bob-berg"}
    await a.disconnect()
    await b.disconnect()


async def test_resume_with_since_replays_missed_events_once_in_order(room, alice, bob):
    for i in range(5):
        await database_sync_to_async(services.message_post)(
            room_id=room.pk, author=bob.user, body=f"m{i}"
        )
    a = await connect(alice.token)
    await a.send_json_to({"type": "subscribe", "room": room.pk, "since": 2})
    assert (await a.receive_json_from())["type"] == "subscribed"
    replayed = [await a.receive_json_from() for _ in range(3)]
    assert [f["seq"] for f in replayed] == [3, 4, 5]
    await database_sync_to_async(services.message_post)(
        room_id=room.pk, author=bob.user, body="live"
    )
    assert (await receive_until(a, "event"))["seq"] == 6
    await assert_no_more_events(a)
    await a.disconnect()


async def test_resume_beyond_the_maximum_sends_a_gap(room, alice, bob, settings):
    settings.KRING_RESUME_MAX_EVENTS = 3
    for i in range(10):
        await database_sync_to_async(services.message_post)(
            room_id=room.pk, author=bob.user, body=f"m{i}"
        )
    a = await connect(alice.token)
    await a.send_json_to({"type": "subscribe", "room": room.pk, "since": 1})
    assert (await a.receive_json_from())["seq"] == 10
    assert await a.receive_json_from() == {"type": "gap", "room": room.pk, "from": 2, "to": 7}
    assert [(await a.receive_json_from())["seq"] for _ in range(3)] == [8, 9, 10]
    await a.disconnect()


async def test_resume_replays_no_more_bytes_than_a_socket_may_have_unsent(
    room, alice, bob, settings
):
    # Ten events of ~2 KB on the wire (text + HTML), half of a 16 KB slow-consumer limit for
    # the replay: only the newest few fit.
    # More would leave the resumed socket closed as a slow consumer by the next live event.
    settings.KRING_SLOW_CONSUMER_BYTES = 16 * 1024
    for i in range(10):
        await database_sync_to_async(services.message_post)(
            room_id=room.pk, author=bob.user, body=f"{i} " + "x" * 1000
        )
    a = await connect(alice.token)
    await a.send_json_to({"type": "subscribe", "room": room.pk, "since": 0})
    assert (await a.receive_json_from())["type"] == "subscribed"
    gap = await a.receive_json_from()
    assert gap["type"] == "gap" and gap["from"] == 1
    replayed = [(await a.receive_json_from())["seq"] for _ in range(10 - gap["to"])]
    assert replayed == list(range(gap["to"] + 1, 11))
    assert 2 <= len(replayed) <= 5
    await assert_no_more_events(a)
    await a.disconnect()


async def test_retried_post_is_stored_once_and_answered_with_same_event(room, alice):
    a = await connect(alice.token)
    frame = {"type": "post", "room": room.pk, "body": "once", "ref": "retry-1"}
    await a.send_json_to(frame)
    first = await receive_until(a, "ack")
    await a.send_json_to(frame)
    second = await receive_until(a, "ack")
    assert first["event"]["id"] == second["event"]["id"]
    assert await database_sync_to_async(RoomEvent.objects.count)() == 1
    await a.disconnect()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "bad_request"),
        ("[1, 2]", "bad_request"),
        ('{"no": "type"}', "bad_request"),
        ('{"type": "launch"}', "bad_request"),
        ('{"type": "_private"}', "bad_request"),
        ('{"type": "post", "room": "1", "body": "x"}', "bad_request"),
        ('{"type": "post", "room": true, "body": "x"}', "bad_request"),
        ('{"type": "post", "room": 1}', "bad_request"),
        ('{"type": "subscribe", "room": 1, "since": -1}', "bad_request"),
        ('{"type": "ping", "ref": "' + "x" * 65 + '"}', "bad_request"),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_stays_usable(alice, raw, code):
    a = await connect(alice.token)
    await a.send_to(text_data=raw)
    error = await a.receive_json_from()
    assert (error["type"], error["code"]) == ("error", code)
    await a.send_json_to({"type": "ping", "ref": "still-there"})
    assert await a.receive_json_from() == {"type": "pong", "ref": "still-there"}
    assert await database_sync_to_async(RoomEvent.objects.count)() == 0
    await a.disconnect()


async def test_error_echoes_ref(alice):
    a = await connect(alice.token)
    await a.send_json_to({"type": "post", "room": 424242, "body": "x", "ref": "r-9"})
    assert await a.receive_json_from() == {
        "type": "error", "code": "not_found", "detail": "No room 424242.", "ref": "r-9"
    }  # fmt: skip
    await a.disconnect()


async def test_binary_frame_is_refused(alice):
    a = await connect(alice.token)
    await a.send_to(bytes_data=b"\x00\x01")
    assert (await a.receive_json_from())["code"] == "bad_request"
    await a.disconnect()


async def test_oversized_body_is_too_large(room, alice, settings):
    settings.KRING_MAX_MESSAGE_LENGTH = 100
    a = await connect(alice.token)
    await a.send_json_to({"type": "post", "room": room.pk, "body": "x" * 101, "ref": "big"})
    error = await a.receive_json_from()
    assert (error["code"], error["ref"]) == ("too_large", "big")
    await a.disconnect()


async def test_non_member_cannot_subscribe_or_post(room):
    outsider = await database_sync_to_async(UserFactory)()
    token = await database_sync_to_async(session_token_for)(outsider)
    a = await connect(token)
    await a.send_json_to({"type": "subscribe", "room": room.pk})
    assert (await a.receive_json_from())["code"] == "forbidden"
    await a.send_json_to({"type": "post", "room": room.pk, "body": "hi"})
    assert (await a.receive_json_from())["code"] == "forbidden"
    await a.disconnect()


async def test_observer_reads_but_cannot_post(community, room):
    observer = await database_sync_to_async(make_member)(community, role="observer")
    a = await connect(observer.token)
    await a.send_json_to({"type": "subscribe", "room": room.pk})
    assert (await a.receive_json_from())["type"] == "subscribed"
    await a.send_json_to({"type": "post", "room": room.pk, "body": "hi"})
    assert (await receive_until(a, "error"))["code"] == "forbidden"
    await a.disconnect()


async def test_leaving_the_community_unsubscribes_open_sockets(community, room, alice, bob):
    a = await connect(alice.token)
    a2 = await connect(alice.token)
    for socket in (a, a2):
        await socket.send_json_to({"type": "subscribe", "room": room.pk})
        await receive_until(socket, "subscribed")
    await database_sync_to_async(services.membership_leave)(user=alice.user, community=community)
    for socket in (a, a2):
        removed = await receive_until(socket, "removed")
        assert removed == {
            "type": "removed",
            "community": community.slug,
            "rooms": [room.pk],
            "reason": "left",
        }
    await database_sync_to_async(services.message_post)(
        room_id=room.pk, author=bob.user, body="after"
    )
    await asyncio.sleep(0.1)
    frames = []
    while not await a.receive_nothing(timeout=0.1):
        frames.append(await a.receive_json_from())
    assert all(f["type"] != "event" for f in frames), frames
    await a.disconnect()
    await a2.disconnect()


async def test_typing_reaches_others_and_is_throttled(room, alice, bob):
    a = await connect(alice.token)
    b = await connect(bob.token)
    for socket in (a, b):
        await socket.send_json_to({"type": "subscribe", "room": room.pk})
        await receive_until(socket, "subscribed")
    await a.send_json_to({"type": "typing", "room": room.pk})
    await a.send_json_to({"type": "typing", "room": room.pk})
    typing = await receive_until(b, "typing")
    assert typing == {
        "type": "typing",
        "room": room.pk,
        "user": {"id": alice.user.pk, "name": "Alice Anders", "handle": "alice-anders"},
    }
    await asyncio.sleep(0.1)
    rest = []
    while not await b.receive_nothing(timeout=0.1):
        rest.append(await b.receive_json_from())
    assert [f for f in rest if f["type"] == "typing"] == []
    await a.disconnect()
    await b.disconnect()


async def test_typing_needs_a_subscription(room, alice):
    a = await connect(alice.token)
    await a.send_json_to({"type": "typing", "room": room.pk})
    assert (await a.receive_json_from())["code"] == "forbidden"
    await a.disconnect()


async def test_read_marker_is_answered_and_synced_to_other_sockets(room, alice, bob):
    for _ in range(3):
        await database_sync_to_async(services.message_post)(
            room_id=room.pk, author=bob.user, body="x"
        )
    a = await connect(alice.token)
    other_tab = await connect(alice.token)
    await a.send_json_to({"type": "read", "room": room.pk, "seq": 2, "ref": "rd"})
    answers = [await a.receive_json_from(), await a.receive_json_from()]
    assert {"type": "read", "room": room.pk, "seq": 2, "unread": 1, "ref": "rd"} in answers
    assert await receive_until(other_tab, "read") == {
        "type": "read",
        "room": room.pk,
        "seq": 2,
        "unread": 1,
    }
    await a.disconnect()
    await other_tab.disconnect()


async def test_edit_and_delete_arrive_as_events(room, alice, bob):
    a = await connect(alice.token)
    b = await connect(bob.token)
    await b.send_json_to({"type": "subscribe", "room": room.pk})
    await receive_until(b, "subscribed")
    await a.send_json_to({"type": "post", "room": room.pk, "body": "draft"})
    message_id = (await receive_until(a, "ack"))["event"]["id"]
    await a.send_json_to({"type": "edit", "message": message_id, "body": "final"})
    await a.send_json_to({"type": "delete", "message": message_id})
    events = [await receive_until(b, "event") for _ in range(3)]
    assert [(e["seq"], e["event"]["kind"]) for e in events] == [
        (1, "message"),
        (2, "edit"),
        (3, "delete"),
    ]
    assert events[1]["event"]["message"] == message_id and events[1]["event"]["body"] == "final"
    await b.send_json_to({"type": "edit", "message": message_id, "body": "not mine"})
    assert (await receive_until(b, "error"))["code"] == "forbidden"
    await a.disconnect()
    await b.disconnect()


async def test_subscription_limit(alice, community, settings):
    settings.KRING_MAX_SUBSCRIPTIONS_PER_SOCKET = 1
    second = await database_sync_to_async(services.room_create)(community=community, name="second")
    first = await database_sync_to_async(community.rooms.get)(name="general")
    a = await connect(alice.token)
    await a.send_json_to({"type": "subscribe", "room": first.pk})
    await receive_until(a, "subscribed")
    await a.send_json_to({"type": "subscribe", "room": second.pk})
    assert (await receive_until(a, "error"))["code"] == "too_large"
    await a.disconnect()


async def test_frames_are_json_text(alice):
    a = await connect(alice.token)
    await a.send_json_to({"type": "ping"})
    raw = await a.receive_from()
    assert json.loads(raw) == {"type": "pong"}
    await a.disconnect()


async def test_sockets_subscribing_together_each_get_their_own_answer(community, room, alice):
    """Subscribes arriving together are authorised in one go (realtime.readers); each socket
    still gets what it would have got alone, refusals in its own language."""
    from django.utils import translation
    from django.utils.translation import gettext

    facilitator = await database_sync_to_async(make_member)(community, role="facilitator")
    outsiders = [
        await database_sync_to_async(UserFactory)(language=language) for language in ("pl", "nl")
    ]
    tokens = [alice.token, facilitator.token] + [
        await database_sync_to_async(session_token_for)(user) for user in outsiders
    ]
    sockets = [await connect(token) for token in tokens]
    rooms = [room.pk, room.pk, room.pk, room.pk]
    await asyncio.gather(*(
        socket.send_json_to({"type": "subscribe", "room": room_id, "ref": f"s{i}"})
        for i, (socket, room_id) in enumerate(zip(sockets, rooms, strict=True))
    ))  # fmt: skip
    answers = [await socket.receive_json_from() for socket in sockets]
    assert [a["type"] for a in answers] == ["subscribed", "subscribed", "error", "error"]
    assert [a["ref"] for a in answers] == ["s0", "s1", "s2", "s3"]
    for answer, language in zip(answers[2:], ("pl", "nl"), strict=True):
        with translation.override(language):
            expected = gettext("Only active members of this community can read its rooms.")
        assert answer["code"] == "forbidden"
        assert (
            answer["detail"]
            == expected
            != "Only active members of this community can read its rooms."
        )
    await sockets[0].send_json_to({"type": "subscribe", "room": 999_999, "ref": "gone"})
    missing = await sockets[0].receive_json_from()
    assert (missing["code"], missing["ref"]) == ("not_found", "gone")
    for socket in sockets:
        await socket.disconnect()


async def test_a_shared_list_of_who_is_present_has_the_subscriber_in_it(
    community, room, alice, bob
):
    """Sockets subscribing together share one read of who is present (realtime.presence_reads):
    one that arrived after the read still finds itself in its list, and a socket subscribing
    after the presence frame gets a fresh list."""
    a = await connect(alice.token)
    b = await connect(bob.token)
    await a.send_json_to({"type": "subscribe", "room": room.pk})
    first = await receive_until(a, "subscribed")
    await b.send_json_to({"type": "subscribe", "room": room.pk})
    second = await receive_until(b, "subscribed")
    assert first["presence"] == [alice.user.pk]
    assert second["presence"] == sorted([alice.user.pk, bob.user.pk])
    assert {u["name"] for u in second["presence_users"]} == {"Alice Anders", "Bob Berg"}
    joined = set()
    while bob.user.pk not in joined:  # the frame that ends the sharing
        joined |= {u["id"] for u in (await receive_until(a, "presence"))["joined"]}
    carol = await database_sync_to_async(make_member)(community, display_name="Carol Claes")
    c = await connect(carol.token)
    await a.send_json_to({"type": "unsubscribe", "room": room.pk})
    await receive_until(a, "unsubscribed")
    await c.send_json_to({"type": "subscribe", "room": room.pk})
    third = await receive_until(c, "subscribed")
    assert third["presence"] == sorted([bob.user.pk, carol.user.pk])  # alice left, unannounced
    for socket in (a, b, c):
        await socket.disconnect()
