"""What a facilitator does takes effect on already open sockets."""

from __future__ import annotations

import asyncio
import time

import pytest
from channels.db import database_sync_to_async

from community import services
from community.models import Membership
from facilitators import services as moderation
from tests.conftest import connect, make_member, receive_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def facilitator(community):
    return make_member(community, role="facilitator", display_name="Fiona Facilitator")


def _membership(community, user):
    return Membership.objects.select_related("community", "user").get(
        community=community, user=user
    )


async def _subscribed(token, room_id, since=None):
    socket = await connect(token)
    frame = {"type": "subscribe", "room": room_id}
    if since is not None:
        frame["since"] = since
    await socket.send_json_to(frame)
    await receive_until(socket, "subscribed")
    return socket


async def test_mute_applies_to_the_next_post_on_an_open_socket(community, room, facilitator, alice):
    socket = await _subscribed(alice.token, room.pk)
    await socket.send_json_to({"type": "post", "room": room.pk, "body": "before", "ref": "1"})
    await receive_until(socket, "ack")
    membership = await database_sync_to_async(_membership)(community, alice.user)
    await database_sync_to_async(moderation.member_mute)(
        actor=facilitator.user, membership=membership, reason="pause"
    )
    mute_notice = await receive_until(socket, "mute")
    assert (mute_notice["muted"], mute_notice["room"], mute_notice["reason"]) == (
        True,
        None,
        "pause",
    )
    await socket.send_json_to({"type": "post", "room": room.pk, "body": "after", "ref": "2"})
    error = await receive_until(socket, "error")
    assert (error["code"], error["ref"]) == ("forbidden", "2") and "muted" in error["detail"]
    await database_sync_to_async(moderation.member_unmute)(
        actor=facilitator.user, membership=membership
    )
    assert (await receive_until(socket, "mute"))["muted"] is False
    await socket.send_json_to({"type": "post", "room": room.pk, "body": "again", "ref": "3"})
    assert (await receive_until(socket, "ack"))["ref"] == "3"
    await socket.disconnect()


async def test_lock_and_slow_mode_apply_live_and_appear_as_room_events(
    community, room, facilitator, alice
):
    socket = await _subscribed(alice.token, room.pk)
    await database_sync_to_async(moderation.room_settings_update)(
        actor=facilitator.user, room=room, is_locked=True
    )
    change = await receive_until(socket, "event")
    assert (change["event"]["kind"], change["event"]["data"]["locked"]) == ("room", True)
    await socket.send_json_to({"type": "post", "room": room.pk, "body": "x"})
    assert "locked" in (await receive_until(socket, "error"))["detail"]

    await database_sync_to_async(moderation.room_settings_update)(
        actor=facilitator.user, room=room, is_locked=False, slow_mode_seconds=60
    )
    change = await receive_until(socket, "event")
    assert change["event"]["data"] == {"locked": False, "slow_mode_seconds": 60, "topic": "Everything",
                                       "name": "general", "archived": False,
                                       "changed": ["is_locked", "slow_mode_seconds"]}  # fmt: skip
    await socket.send_json_to({"type": "post", "room": room.pk, "body": "first", "ref": "a"})
    await receive_until(socket, "ack")
    await socket.send_json_to({"type": "post", "room": room.pk, "body": "second", "ref": "b"})
    error = await receive_until(socket, "error")
    assert (error["code"], error["ref"]) == ("rate_limited", "b") and "Slow mode" in error["detail"]
    await socket.disconnect()


async def test_ban_unsubscribes_every_open_socket_within_a_second(
    community, room, facilitator, alice, bob
):
    tabs = [await _subscribed(alice.token, room.pk) for _ in range(2)]
    membership = await database_sync_to_async(_membership)(community, alice.user)
    started = time.monotonic()
    await database_sync_to_async(moderation.member_ban)(
        actor=facilitator.user, membership=membership, reason="spam"
    )
    for tab in tabs:
        removed = await receive_until(tab, "removed", timeout=1)
        assert removed == {
            "type": "removed",
            "community": community.slug,
            "rooms": [room.pk],
            "reason": "banned",
        }
    assert time.monotonic() - started < 1
    await database_sync_to_async(services.message_post)(
        room_id=room.pk, author=bob.user, body="after the ban"
    )
    await asyncio.sleep(0.2)
    for tab in tabs:
        while not await tab.receive_nothing(timeout=0.1):
            assert (await tab.receive_json_from())["type"] != "event"
        await tab.send_json_to({"type": "subscribe", "room": room.pk})
        assert (await receive_until(tab, "error"))["code"] == "forbidden"
        await tab.disconnect()


async def test_hidden_message_is_a_placeholder_for_members_on_resume(
    community, room, facilitator, alice, bob
):
    message, _ = await database_sync_to_async(services.message_post)(
        room_id=room.pk, author=bob.user, body="oops"
    )
    await database_sync_to_async(moderation.message_hide)(
        actor=facilitator.user, message_id=message.pk, reason="Off topic"
    )
    member = await _subscribed(alice.token, room.pk, since=0)
    replay = [await receive_until(member, "event") for _ in range(2)]
    assert [f["event"]["kind"] for f in replay] == ["message", "hide"]
    assert replay[0]["event"]["body"] == "" and replay[0]["event"]["html"] == ""
    assert (replay[0]["event"]["hidden"], replay[0]["event"]["hidden_reason"]) == (
        True,
        "Off topic",
    )
    fac = await _subscribed(facilitator.token, room.pk, since=0)
    assert (await receive_until(fac, "event"))["event"]["body"] == "oops"
    await member.disconnect()
    await fac.disconnect()


async def test_hide_pin_and_delete_reach_subscribers_live_with_their_own_seq(
    community, room, facilitator, alice, bob
):
    socket = await _subscribed(alice.token, room.pk)
    message, _ = await database_sync_to_async(services.message_post)(
        room_id=room.pk, author=bob.user, body="hello"
    )
    assert (await receive_until(socket, "event"))["seq"] == 1
    await database_sync_to_async(moderation.message_pin)(
        actor=facilitator.user, message_id=message.pk
    )
    await database_sync_to_async(moderation.message_hide)(
        actor=facilitator.user, message_id=message.pk, reason="r"
    )
    await database_sync_to_async(moderation.message_moderate_delete)(
        actor=facilitator.user, message_id=message.pk
    )
    events = [await receive_until(socket, "event") for _ in range(3)]
    assert [(e["seq"], e["event"]["kind"], e["event"]["message"]) for e in events] == [
        (2, "pin", message.pk), (3, "hide", message.pk), (4, "delete", message.pk)
    ]  # fmt: skip
    await socket.disconnect()


async def test_role_change_and_approval_reach_the_member_live(community, facilitator, alice):
    socket = await connect(alice.token)
    membership = await database_sync_to_async(_membership)(community, alice.user)
    await database_sync_to_async(moderation.member_role_change)(
        actor=facilitator.user, membership=membership, role="co_facilitator"
    )
    frame = await receive_until(socket, "membership")
    assert (frame["community"], frame["role"], frame["state"]) == (
        community.slug,
        "co_facilitator",
        "active",
    )
    applicant = await database_sync_to_async(make_member)(community, state="pending")
    applicant_socket = await connect(applicant.token)
    pending = await database_sync_to_async(_membership)(community, applicant.user)
    await database_sync_to_async(moderation.join_request_approve)(
        actor=facilitator.user, membership=pending, message="Welcome!"
    )
    approved = await receive_until(applicant_socket, "membership")
    assert (approved["state"], approved["message"]) == ("active", "Welcome!")
    await socket.disconnect()
    await applicant_socket.disconnect()


async def test_facilitators_get_reports_join_requests_and_audit_live(
    community, room, facilitator, alice, bob
):
    fac_socket = await connect(facilitator.token)
    message, _ = await database_sync_to_async(services.message_post)(
        room_id=room.pk, author=bob.user, body="hmm"
    )
    await database_sync_to_async(moderation.report_create)(
        reporter=alice.user, message_id=message.pk, reason="rude"
    )
    report = await receive_until(fac_socket, "report")
    assert (report["report"]["reason"], report["report"]["reporter"]["id"]) == (
        "rude",
        alice.user.pk,
    )
    from tests.factories import UserFactory

    newcomer = await database_sync_to_async(UserFactory)(display_name="New Person")
    await database_sync_to_async(community.__class__.objects.filter(pk=community.pk).update)(
        join_policy="request"
    )
    await database_sync_to_async(services.membership_join)(
        user=newcomer,
        community=await database_sync_to_async(community.__class__.objects.get)(pk=community.pk),
        request_message="hello",
    )
    join = await receive_until(fac_socket, "join_request")
    assert (join["user"]["name"], join["message"]) == ("New Person", "hello")
    await database_sync_to_async(moderation.message_pin)(
        actor=facilitator.user, message_id=message.pk
    )
    audit = await receive_until(fac_socket, "audit")
    assert (audit["entry"]["action"], audit["entry"]["actor"]["id"]) == (
        "message.pin",
        facilitator.user.pk,
    )
    await fac_socket.disconnect()
