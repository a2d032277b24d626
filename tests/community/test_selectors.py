from __future__ import annotations

import pytest
from django.db import connection

from community import selectors, services
from community.permissions import can_moderate
from core.errors import KringError
from tests.conftest import make_member
from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_community_list_filters_and_annotates_viewer():
    viewer = UserFactory()
    nl = CommunityFactory(name="Gelderland teachers", countries=["NL"], kind="regional")
    CommunityFactory(name="Tartu hub", countries=["EE"], kind="hub")
    both = CommunityFactory(name="Circle", countries=["EE", "NL", "PL"], kind="cross_border")
    services.membership_join(user=viewer, community=nl)
    make_member(nl)

    by_country = selectors.community_list(user=viewer, country="nl")
    assert {c.slug for c in by_country} == {nl.slug, both.slug}
    assert {c.slug for c in selectors.community_list(user=viewer, country="E")} == set()
    assert [c.slug for c in selectors.community_list(user=viewer, kind="hub")] == [
        c.slug for c in selectors.community_list(user=viewer, q="tartu")
    ]
    annotated = selectors.community_get(slug=nl.slug, user=viewer)
    assert (annotated.member_count, annotated.viewer_role, annotated.viewer_state) == (
        2,
        "member",
        "active",
    )


def test_community_list_does_not_repeat_queries_per_community(django_assert_max_num_queries):
    viewer = UserFactory()
    for _ in range(5):
        community = CommunityFactory()
        make_member(community)
    with django_assert_max_num_queries(1):
        list(selectors.community_list(user=viewer))


def test_room_events_pages_backwards_and_forwards(room, alice):
    for i in range(10):
        services.message_post(room_id=room.pk, author=alice.user, body=f"m{i}")
    assert [e.seq for e in selectors.room_events(room_id=room.pk, limit=3)] == [8, 9, 10]
    assert [e.seq for e in selectors.room_events(room_id=room.pk, before=8, limit=3)] == [5, 6, 7]
    assert [e.seq for e in selectors.room_events(room_id=room.pk, after=2, limit=3)] == [3, 4, 5]
    assert [e.seq for e in selectors.room_events(room_id=room.pk, after=2, before=5)] == [3, 4]


def test_room_list_counts_unread_for_members_only(community, room, alice, bob):
    services.message_post(room_id=room.pk, author=bob.user, body="one")
    services.message_post(room_id=room.pk, author=bob.user, body="two")
    services.read_mark(user=alice.user, room_id=room.pk, seq=1)
    rooms = {r.name: r for r in selectors.room_list(community=community, user=alice.user)}
    assert (rooms["general"].unread, rooms["general"].last_seq) == (1, 2)
    outsider_rooms = selectors.room_list(community=community, user=UserFactory())
    assert [r.unread for r in outsider_rooms] == [0]


def _described(outcome):
    """What a reader learns: the room as found, or the refusal and its reason."""
    if isinstance(outcome, KringError):
        return type(outcome).__name__, str(outcome.detail)
    return outcome.pk, outcome.last_seq, outcome.community_id


def _alone(user, room_id):
    try:
        return selectors.room_for_reader(user=user, room_id=room_id)
    except KringError as refusal:
        return refusal


def test_rooms_for_readers_answers_each_as_room_for_reader_would(community, room, alice):
    facilitator = make_member(community, role="facilitator")
    left = make_member(community, state="left")
    outsider = UserFactory()
    elsewhere = CommunityFactory().rooms.get(name="general")
    services.message_post(room_id=room.pk, author=alice.user, body="so the seq is not 0")
    readers = [
        (alice.user, room.pk),
        (outsider, room.pk),
        (facilitator.user, room.pk),
        (alice.user, 999_999),  # no such room
        (left.user, room.pk),
        (alice.user, elsewhere.pk),  # a room of a community she is not in
        (alice.user, room.pk),  # the same reader twice
    ]
    alone = [_described(_alone(user, room_id)) for user, room_id in readers]
    queries: list[str] = []

    def count(run, sql, *args):
        queries.append(sql)
        return run(sql, *args)

    with connection.execute_wrapper(count):
        together = selectors.rooms_for_readers(readers)
    assert [_described(outcome) for outcome in together] == alone
    assert [type(outcome).__name__ for outcome in together] == [
        "Room", "Forbidden", "Room", "NotFound", "Forbidden", "Forbidden", "Room",
    ]  # fmt: skip
    assert together[0].last_seq == 1
    # The membership read with the room is kept on it: permission tests ask no more.
    assert can_moderate.test(facilitator.user, together[2])
    assert not can_moderate.test(alice.user, together[0])
    assert len(queries) == (1 if connection.vendor == "postgresql" else len(readers))
