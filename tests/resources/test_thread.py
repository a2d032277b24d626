"""A material's discussion thread: a room like any other (seq, resume, moderation) whose
comments may name a version; commenting follows the thread."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from community import services as community_services
from community.models import RoomEvent
from core.errors import Invalid, NotFound
from delivery.models import NotificationPreference
from delivery.worker import process_pending_jobs
from facilitators import services as moderation
from resources import services
from tests.conftest import connect, make_member, receive_until

from .conftest import share

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def _material(community, author):
    resource = share(author, community)
    services.resource_new_version(actor=author, resource=resource, url="https://x.org/v2")
    return resource


async def test_a_comment_about_a_version_reaches_members_live(community, alice, bob):
    resource = await _material(community, alice.user)
    thread = resource.thread_id
    a, b = await connect(alice.token), await connect(bob.token)
    for socket in (a, b):
        await socket.send_json_to({"type": "subscribe", "room": thread, "since": 0})
        await receive_until(socket, "subscribed")
    await b.send_json_to({"type": "post", "room": thread, "body": "Works in group 5!",
                          "version": 2, "ref": "c1"})  # fmt: skip
    ack = await receive_until(b, "ack")
    got = await receive_until(a, "event")
    assert got["room"] == thread and got["seq"] == ack["seq"] == 1
    assert (got["event"]["body"], got["event"]["data"]) == ("Works in group 5!", {"version": 2})

    await b.send_json_to({"type": "post", "room": thread, "body": "?", "version": 9, "ref": "c2"})
    error = await receive_until(b, "error")
    assert (error["ref"], error["code"]) == ("c2", "not_found")
    for socket in (a, b):
        await socket.disconnect()


def test_version_references_are_checked(community, room, alice):
    resource = share(alice.user, community)
    with pytest.raises(NotFound, match="no version 2"):
        community_services.message_post(
            room_id=resource.thread_id, author=alice.user, body="hm", version=2
        )
    with pytest.raises(Invalid, match="teaching material"):
        community_services.message_post(room_id=room.pk, author=alice.user, body="x", version=1)
    assert not RoomEvent.objects.filter(kind="message").exists()


def test_commenting_follows_the_thread_and_notifies_its_followers(community, alice, bob):
    resource = share(alice.user, community)
    community_services.message_post(
        room_id=resource.thread_id, author=bob.user, body="Lovely, thanks!", version=1
    )
    assert NotificationPreference.objects.filter(
        user=bob.user, room_id=resource.thread_id, level="watching"
    ).exists()
    process_pending_jobs()
    from notifications.models import Notification

    comments = Notification.objects.filter(data__category="message")
    assert list(comments.values_list("recipient_id", flat=True)) == [alice.user.pk]


def test_threads_are_moderated_like_rooms(community, alice, bob):
    resource = share(alice.user, community)
    facilitator = make_member(community, role="facilitator")
    moderation.room_settings_update(actor=facilitator.user, room=resource.thread, is_locked=True)
    from core.errors import Forbidden

    with pytest.raises(Forbidden, match="locked"):
        community_services.message_post(room_id=resource.thread_id, author=bob.user, body="x")
    event, _ = community_services.message_post(
        room_id=resource.thread_id, author=facilitator.user, body="Closed: see version 2"
    )
    moderation.message_hide(actor=facilitator.user, message_id=event.pk, reason="test")
    assert RoomEvent.objects.get(pk=event.pk).hidden_at is not None


def test_threads_are_not_listed_as_community_rooms(community, alice):
    from community import selectors

    share(alice.user, community)
    assert [r.name for r in selectors.room_list(community=community, user=alice.user)] == [
        "general"
    ]
