"""Reactions on messages: toggled, counted with who reacted, stored as room events with
their own seq (live, resumed), refused where posting is, and limited."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.test import override_settings

from chat import services
from chat.models import MessageReaction
from community import services as community_services
from community.models import EventKind, RoomEvent
from core.errors import Forbidden, Invalid, NotFound, RateLimited
from facilitators import services as moderation
from tests.conftest import connect, make_member, receive_until
from tests.core.frames import assert_valid_frame
from tests.factories import CommunityFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db


def _message(room, author, body="Who has a rubric for oral presentations?"):
    event, _ = community_services.message_post(room_id=room.pk, author=author, body=body)
    return event


def test_toggling_adds_then_takes_away_and_the_message_keeps_the_summary(room, alice, bob):
    message = _message(room, alice.user)

    added = services.reaction_toggle(actor=bob.user, message_id=message.pk, emoji="👍")
    services.reaction_toggle(actor=alice.user, message_id=message.pk, emoji="👍")
    services.reaction_toggle(actor=alice.user, message_id=message.pk, emoji="🎉")

    assert (added.kind, added.target_id, added.seq) == (EventKind.REACTION, message.pk, 2)
    assert added.data["emoji"] == "👍" and added.data["added"] is True
    message.refresh_from_db()
    summary = {r["emoji"]: r for r in message.data["reactions"]}
    assert summary["👍"]["count"] == 2
    assert [u["name"] for u in summary["👍"]["users"]] == ["Bob Berg", "Alice Anders"]
    assert summary["🎉"]["count"] == 1

    removed = services.reaction_toggle(actor=bob.user, message_id=message.pk, emoji="👍")

    assert removed.data["added"] is False and removed.seq == 5
    message.refresh_from_db()
    summary = {r["emoji"]: r for r in message.data["reactions"]}
    assert summary["👍"]["count"] == 1 and summary["👍"]["users"][0]["name"] == "Alice Anders"
    assert MessageReaction.objects.filter(message=message).count() == 2


def test_the_summary_follows_the_configured_order_and_caps_names(room, alice, community):
    message = _message(room, alice.user)
    people = [make_member(community) for _ in range(3)]
    with override_settings(KRING_REACTION_NAMES_SHOWN=2):
        services.reaction_toggle(actor=alice.user, message_id=message.pk, emoji="🙏")
        for person in people:
            event = services.reaction_toggle(actor=person.user, message_id=message.pk, emoji="👍")
    emoji = [r["emoji"] for r in event.data["reactions"]]
    assert emoji == ["👍", "🙏"]
    thumbs = event.data["reactions"][0]
    assert thumbs["count"] == 3 and len(thumbs["users"]) == 2


def test_an_emoji_outside_the_set_is_refused_and_nothing_is_written(room, alice, bob):
    message = _message(room, alice.user)
    with pytest.raises(Invalid):
        services.reaction_toggle(actor=bob.user, message_id=message.pk, emoji="💩")
    response = client_for(bob.user).post(
        f"/api/messages/{message.pk}/reactions", {"emoji": "🐍"}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["error"] == "bad_request"
    assert not MessageReaction.objects.exists()
    assert RoomEvent.objects.filter(kind=EventKind.REACTION).count() == 0


def test_observers_non_members_and_hidden_or_deleted_messages_take_no_reaction(
    community, room, alice, bob
):
    message = _message(room, alice.user)
    observer = make_member(community, role="observer")
    outsider = make_member(CommunityFactory())
    for person in (observer, outsider):
        with pytest.raises(Forbidden):
            services.reaction_toggle(actor=person.user, message_id=message.pk, emoji="👍")
    facilitator = make_member(community, role="facilitator")
    moderation.message_hide(actor=facilitator.user, message_id=message.pk, reason="off topic")
    with pytest.raises(Forbidden):
        services.reaction_toggle(actor=bob.user, message_id=message.pk, emoji="👍")
    other = _message(room, alice.user, "Second")
    community_services.message_delete(actor=alice.user, message_id=other.pk)
    with pytest.raises(NotFound):
        services.reaction_toggle(actor=bob.user, message_id=other.pk, emoji="👍")
    assert not MessageReaction.objects.exists()


def test_a_muted_member_may_still_react_but_a_locked_room_takes_only_facilitators(
    community, room, alice, bob
):
    message = _message(room, alice.user)
    facilitator = make_member(community, role="facilitator")
    membership = bob.user.memberships.get(community=community)
    moderation.member_mute(actor=facilitator.user, membership=membership)
    services.reaction_toggle(actor=bob.user, message_id=message.pk, emoji="👍")
    moderation.room_settings_update(actor=facilitator.user, room=room, is_locked=True)
    with pytest.raises(Forbidden):
        services.reaction_toggle(actor=alice.user, message_id=message.pk, emoji="👍")
    services.reaction_toggle(actor=facilitator.user, message_id=message.pk, emoji="👍")


@override_settings(KRING_RATE_LIMITS={"reaction": (3, 60), "post": (100, 60), "notify": (0, 60)})
def test_reactions_are_rate_limited(room, alice, bob):
    message = _message(room, alice.user)
    for _ in range(3):
        services.reaction_toggle(actor=bob.user, message_id=message.pk, emoji="👍")
    with pytest.raises(RateLimited):
        services.reaction_toggle(actor=bob.user, message_id=message.pk, emoji="👍")
    assert RoomEvent.objects.filter(kind=EventKind.REACTION).count() == 3


def test_the_api_answers_with_the_reaction_event_and_lists_the_summary(room, alice, bob):
    message = _message(room, alice.user)
    response = client_for(bob.user).post(
        f"/api/messages/{message.pk}/reactions", {"emoji": "❤️"}, content_type="application/json"
    )
    assert response.status_code == 200
    frame = assert_valid_frame(response.content.decode())
    assert frame["event"]["kind"] == "reaction" and frame["event"]["message"] == message.pk
    listed = client_for(alice.user).get(f"/api/messages/{message.pk}/reactions").json()
    assert listed == [
        {
            "emoji": "❤️",
            "count": 1,
            "users": [{"id": bob.user.pk, "name": "Bob Berg", "handle": bob.user.handle}],
        }
    ]
    history = client_for(alice.user).get(f"/api/rooms/{room.pk}/events").json()
    assert history[0]["event"]["data"]["reactions"][0]["count"] == 1


def test_reading_the_summary_needs_read_access(room, alice):
    message = _message(room, alice.user)
    outsider = make_member(CommunityFactory())
    response = client_for(outsider.user).get(f"/api/messages/{message.pk}/reactions")
    assert response.status_code == 403


@pytest.mark.django_db(transaction=True)
async def test_a_reaction_reaches_the_room_live_and_a_resume_replays_it(room, alice, bob):
    message = await database_sync_to_async(_message)(room, alice.user)
    socket = await connect(alice.token)
    await socket.send_json_to({"type": "subscribe", "room": room.pk, "since": message.seq})
    await receive_until(socket, "subscribed")

    await database_sync_to_async(services.reaction_toggle)(
        actor=bob.user, message_id=message.pk, emoji="👍"
    )
    live = await receive_until(socket, "event")
    assert live["seq"] == message.seq + 1 and live["event"]["kind"] == "reaction"
    assert live["event"]["data"]["reactions"][0]["users"][0]["id"] == bob.user.pk
    await socket.disconnect()

    later = await connect(bob.token)
    await later.send_json_to({"type": "subscribe", "room": room.pk, "since": message.seq})
    await receive_until(later, "subscribed")
    replayed = await receive_until(later, "event")
    assert (replayed["seq"], replayed["event"]["kind"]) == (message.seq + 1, "reaction")
    await later.disconnect()


def test_erasing_an_account_takes_its_name_out_of_reaction_summaries(room, alice, bob):
    message = _message(room, alice.user)
    services.reaction_toggle(actor=bob.user, message_id=message.pk, emoji="👍")
    services.reaction_toggle(actor=alice.user, message_id=message.pk, emoji="👍")
    community_services.account_delete(user=bob.user)
    message.refresh_from_db()
    [thumbs] = message.data["reactions"]
    assert thumbs["count"] == 1 and [u["name"] for u in thumbs["users"]] == ["Alice Anders"]
