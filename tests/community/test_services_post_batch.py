"""message_post_batch: posts of different sockets stored in one transaction (group commit),
each with the outcome it would have had alone."""

from __future__ import annotations

import pytest
from django.db import connection

from community import services
from community.models import Room, RoomEvent
from community.services import PostRequest
from core.errors import Forbidden, NotFound, RateLimited
from tests.conftest import make_member

pytestmark = pytest.mark.django_db


def _elsewhere(member):
    return services.community_create(creator=member.user, name="Elsewhere", kind="regional")


def _gapless(room: Room) -> None:
    room.refresh_from_db()
    seqs = sorted(RoomEvent.objects.filter(room=room).values_list("seq", flat=True))
    assert seqs == list(range(1, room.last_seq + 1))


def test_posts_in_several_rooms_are_stored_together_in_order(
    community, room, alice, bob, django_capture_on_commit_callbacks
):
    # given two rooms and three posters (two of them in the same room)
    other = services.room_create(community=community, name="second")
    carol = make_member(community)
    requests = [
        PostRequest(room_id=other.pk, author=alice.user, body="one", ref="a-1"),
        PostRequest(room_id=room.pk, author=bob.user, body="two", ref="b-1"),
        PostRequest(room_id=room.pk, author=carol.user, body="three"),
    ]
    # when they are posted as one batch
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        outcomes = services.message_post_batch(requests)
    # then each is stored, answered in the order asked, and broadcast after commit
    events = [event for event, _created in outcomes]
    assert [created for _event, created in outcomes] == [True, True, True]
    assert [(e.room_id, e.body, e.seq) for e in events] == [
        (other.pk, "one", 1),
        (room.pk, "two", 1),
        (room.pk, "three", 2),
    ]
    assert all(RoomEvent.objects.filter(pk=e.pk).exists() for e in events)
    assert len(callbacks) >= 3
    _gapless(room)
    _gapless(other)


def test_posts_in_distinct_rooms_are_stored_together(community, alice):
    rooms = [services.room_create(community=community, name=f"room {i}") for i in range(4)]
    outcomes = services.message_post_batch(
        [PostRequest(room_id=r.pk, author=alice.user, body=f"in {r.name}") for r in rooms]
    )
    for room, (event, created) in zip(rooms, outcomes, strict=True):
        assert created and event.seq == 1 and event.room_id == room.pk
        stored = RoomEvent.objects.get(pk=event.pk)
        assert (stored.body, stored.author_id, stored.seq) == (f"in {room.name}", alice.user.pk, 1)


def test_a_refused_post_does_not_take_the_others_down(community, room, alice, bob):
    from facilitators.models import Mute

    # given bob is muted and another room is quiet
    other = services.room_create(community=community, name="second")
    Mute.objects.create(community=community, user=bob.user)
    outsider = make_member(_elsewhere(alice))
    outcomes = services.message_post_batch(
        [
            PostRequest(room_id=room.pk, author=alice.user, body="kept 1"),
            PostRequest(room_id=room.pk, author=bob.user, body="refused"),
            PostRequest(room_id=other.pk, author=alice.user, body="kept 2"),
            PostRequest(room_id=room.pk, author=outsider.user, body="not a member"),
            PostRequest(room_id=999_999, author=alice.user, body="no such room"),
        ]
    )
    # then the muted, the outsider and the missing room are refused, the rest stored
    assert isinstance(outcomes[1], Forbidden)
    assert isinstance(outcomes[3], Forbidden)
    assert isinstance(outcomes[4], NotFound)
    assert outcomes[0][0].body == "kept 1" and outcomes[0][0].seq == 1
    assert outcomes[2][0].body == "kept 2" and outcomes[2][0].seq == 1
    assert sorted(RoomEvent.objects.values_list("body", flat=True)) == ["kept 1", "kept 2"]
    # and no seq was lost to the rolled-back attempt
    _gapless(room)
    _gapless(other)


def test_a_retried_post_in_a_batch_is_answered_with_the_original(community, room, alice, bob):
    other = services.room_create(community=community, name="second")
    original, _ = services.message_post(room_id=room.pk, author=alice.user, body="hi", ref="r-1")
    outcomes = services.message_post_batch(
        [
            PostRequest(room_id=room.pk, author=alice.user, body="hi", ref="r-1"),
            PostRequest(room_id=other.pk, author=bob.user, body="new", ref="r-1"),
        ]
    )
    assert (outcomes[0][0].pk, outcomes[0][1]) == (original.pk, False)
    assert outcomes[1][1] is True and outcomes[1][0].seq == 1
    assert RoomEvent.objects.filter(client_ref="r-1").count() == 2
    _gapless(room)


def test_each_refusal_is_told_in_its_posters_language(community, room, alice):
    outsider = make_member(_elsewhere(alice))
    outcomes = services.message_post_batch(
        [
            PostRequest(room_id=room.pk, author=outsider.user, body="x", language="nl"),
            PostRequest(room_id=room.pk, author=outsider.user, body=" ", language="pl"),
            PostRequest(room_id=room.pk, author=alice.user, body="ok", language="sv"),
            PostRequest(room_id=room.pk, author=outsider.user, body="x", language="en"),
        ]
    )
    assert outcomes[0].detail == "Alleen actieve leden van deze gemeenschap kunnen hier posten."
    assert outcomes[1].detail == "Wiadomość musi zawierać tekst."
    assert outcomes[2][1] is True
    assert outcomes[3].detail == "Only active members of this community can post here."


def test_rate_limit_is_counted_once_even_when_the_batch_is_stored_again(
    community, room, alice, bob, settings
):
    from facilitators.models import Mute

    # given alice may post twice a minute, and bob is muted (his post makes the batch fall back)
    settings.KRING_RATE_LIMITS = {**settings.KRING_RATE_LIMITS, "post": (2, 60)}
    Mute.objects.create(community=community, user=bob.user)
    other = services.room_create(community=community, name="second")
    outcomes = services.message_post_batch(
        [
            PostRequest(room_id=room.pk, author=alice.user, body="first"),
            PostRequest(room_id=room.pk, author=bob.user, body="muted"),
            PostRequest(room_id=other.pk, author=alice.user, body="second"),
        ]
    )
    # then both of alice's posts are stored: the fallback did not count them again
    assert outcomes[0][1] and outcomes[2][1]
    assert isinstance(outcomes[1], Forbidden)
    with pytest.raises(RateLimited):
        services.message_post(room_id=room.pk, author=alice.user, body="third")


def test_a_duplicate_inside_the_batch_statements_leaves_the_connection_usable(
    community, room, alice
):
    # given a ref already stored: on PostgreSQL the batch's statements go out together and
    # the second one fails on the unique (author, ref) constraint
    rooms = [services.room_create(community=community, name=f"r{i}") for i in range(3)]
    original, _ = services.message_post(room_id=rooms[0].pk, author=alice.user, body="x", ref="d")
    outcomes = services.message_post_batch(
        [
            PostRequest(room_id=rooms[1].pk, author=alice.user, body="a"),
            PostRequest(room_id=rooms[0].pk, author=alice.user, body="x", ref="d"),
            PostRequest(room_id=rooms[2].pk, author=alice.user, body="b"),
        ]
    )
    assert outcomes[1] == (original, False)
    assert outcomes[0][0].seq == 1 and outcomes[2][0].seq == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    for r in rooms:
        _gapless(r)


def test_an_empty_batch_and_a_batch_of_one(room, alice):
    assert services.message_post_batch([]) == []
    [(event, created)] = services.message_post_batch(
        [PostRequest(room_id=room.pk, author=alice.user, body="alone")]
    )
    assert created and event.seq == 1


@pytest.mark.django_db(transaction=True)  # a real BEGIN and a real rollback of the batch
async def test_in_real_transactions_a_refused_post_rolls_the_batch_back_and_the_rest_is_stored(
    community, room, alice, bob
):
    from channels.db import database_sync_to_async

    from facilitators.models import Mute
    from tests.core.frames import Capture

    other = await database_sync_to_async(services.room_create)(community=community, name="2nd")
    await database_sync_to_async(Mute.objects.create)(community=community, user=bob.user)
    capture = await Capture([room.pk, other.pk]).start()
    post_batch = database_sync_to_async(services.message_post_batch)
    outcomes = await post_batch(
        [
            PostRequest(room_id=room.pk, author=alice.user, body="a", ref="t-1"),
            PostRequest(room_id=other.pk, author=bob.user, body="muted"),
            PostRequest(room_id=other.pk, author=alice.user, body="b", ref="t-2"),
        ]
    )
    assert isinstance(outcomes[1], Forbidden)
    # a retry of the whole batch: both stored posts are answered with their originals
    again = await post_batch(
        [
            PostRequest(room_id=room.pk, author=alice.user, body="a", ref="t-1"),
            PostRequest(room_id=other.pk, author=alice.user, body="b", ref="t-2"),
        ]
    )
    assert [created for _e, created in again] == [False, False]
    assert [e.pk for e, _c in again] == [outcomes[0][0].pk, outcomes[2][0].pk]
    # only the two stored posts were broadcast, once each, as valid frames
    events = [f for f in await capture.frames() if f["type"] == "event"]
    assert sorted((f["room"], f["seq"], f["event"]["body"]) for f in events) == sorted(
        [(room.pk, 1, "a"), (other.pk, 1, "b")]
    )
    stored = await database_sync_to_async(
        lambda: list(RoomEvent.objects.order_by("pk").values_list("body", "seq"))
    )()
    assert stored == [("a", 1), ("b", 1)]
    await database_sync_to_async(_gapless)(room)
    await database_sync_to_async(_gapless)(other)
