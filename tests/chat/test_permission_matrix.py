"""docs/permissions.md "Reactions and direct messages", cell by cell through the JSON API."""

from __future__ import annotations

import pytest
from django.test import Client

from chat import services
from chat.models import DirectConversation
from community import services as community_services
from facilitators import services as moderation
from tests.conftest import make_member
from tests.factories import CommunityFactory, UserFactory
from tests.permission_matrix import matrix

pytestmark = pytest.mark.django_db
MATRIX = matrix("Reactions and direct messages")
ACTIONS = ["react_room", "start", "read_dm", "react_dm", "report_dm", "hide_dm"]
ROLES = {"observer": "observer", "member": "member", "muted": "member", "participant": "member",
         "blocked": "member", "facilitator": "facilitator"}  # fmt: skip


def test_the_table_covers_every_row_and_action():
    assert set(MATRIX) == {"anonymous", "non_member", "observer", "member", "muted",
                           "facilitator", "staff", "participant", "blocked"}  # fmt: skip
    assert all(set(row) == set(ACTIONS) for row in MATRIX.values())


def _world(who: str):
    community = CommunityFactory()
    room = community.rooms.get(name="general")
    ben = make_member(community, display_name="Ben").user
    boss = make_member(community, role="facilitator").user
    room_message, _ = community_services.message_post(room_id=room.pk, author=ben, body="Hi")
    actor = None
    if who == "non_member":
        actor = make_member(CommunityFactory()).user
    elif who == "staff":
        actor = UserFactory(is_staff=True, is_superuser=True)
    elif who in ROLES:
        actor = make_member(community, role=ROLES[who]).user
    if who == "muted":
        membership = actor.memberships.get(community=community)
        moderation.member_mute(actor=boss, membership=membership)
    # Ben's conversation: with the actor when they take part in one, else with someone else.
    partner = actor if who in ("participant", "blocked") else make_member(community).user
    conversation, _ = services.conversation_start(actor=ben, user_ids=[partner.pk])
    dm, _ = community_services.message_post(room_id=conversation.room_id, author=ben, body="Hey")
    if who == "blocked":
        services.block_create(actor=ben, user_id=actor.pk)
    return actor, ben, room_message, conversation, dm


def _ok(response) -> bool:
    return 200 <= response.status_code < 300


def _json(client, path, body):
    return client.post(path, body, content_type="application/json")


@pytest.mark.parametrize("who", list(MATRIX))
@pytest.mark.parametrize("action", ACTIONS)
def test_api_cell(who, action):
    actor, ben, room_message, conversation, dm = _world(who)
    client = Client()
    if actor is not None:
        client.force_login(actor)
    if action == "react_room":
        response = _json(client, f"/api/messages/{room_message.pk}/reactions", {"emoji": "👍"})
    elif action == "start":
        before = DirectConversation.objects.count()
        response = _json(client, "/api/direct", {"users": [ben.pk]})
        if who in ("participant",):
            assert DirectConversation.objects.count() == before  # found again, not doubled
    elif action == "read_dm":
        response = client.get(f"/api/rooms/{conversation.room_id}/events")
        if not _ok(response):
            assert b"Hey" not in response.content
    elif action == "react_dm":
        response = _json(client, f"/api/messages/{dm.pk}/reactions", {"emoji": "👍"})
    elif action == "report_dm":
        response = _json(client, f"/api/direct/messages/{dm.pk}/report", {"reason": "rude"})
    else:
        response = _json(client, f"/api/messages/{dm.pk}/hide", {"reason": "x"})
        assert b"Hey" not in response.content
    expected = MATRIX[who][action]
    assert _ok(response) == expected, (who, action, response.status_code, response.content)
    if actor is None:
        assert response.status_code == 401
