"""Every cell of docs/permissions.md, through the JSON API and through the socket.

The matrix is read from the document itself, so the document stays the specification."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from community import services
from facilitators.models import Mute
from resources.services import resource_share
from tests.conftest import make_member, session_token_for, ws_application
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.permission_matrix import matrix
from tests.resources.files import pdf_upload

SOCKET_ACTIONS = {"post", "subscribe"}
MATRIX = matrix("Communities, rooms, moderation and materials")
API_CELLS = [(who, a) for who, row in MATRIX.items() for a in row if a not in SOCKET_ACTIONS]
SOCKET_CELLS = [(who, a) for who, row in MATRIX.items() for a in row if a in SOCKET_ACTIONS]


def test_matrix_covers_every_row_and_action():
    assert set(MATRIX) == {
        "anonymous", "non_member", "pending", "observer", "member", "muted", "banned",
        "co_facilitator", "facilitator", "other_facilitator", "staff",
    }  # fmt: skip
    assert len({a for row in MATRIX.values() for a in row}) == 23


def _world() -> dict[str, Any]:
    """A community with a facilitator, an ordinary member who wrote a message, and someone
    waiting for approval."""
    community = CommunityFactory()
    room = community.rooms.get(name="general")
    make_member(community, role="facilitator")
    target = make_member(community, display_name="Target Member")
    applicant = make_member(community, state="pending")
    message, _ = services.message_post(room_id=room.pk, author=target.user, body="a message")
    material = resource_share(
        actor=target.user, community=community, title="A worksheet", language="en",
        licence="CC-BY-4.0", upload=pdf_upload(),
    )  # fmt: skip
    return {
        "community": community,
        "room": room,
        "target": target.user,
        "applicant": applicant.user,
        "message": message,
        "material": material,
    }


def _actor(who: str, world: dict[str, Any]) -> Any:
    community = world["community"]
    if who == "anonymous":
        return None
    if who == "non_member":
        return UserFactory()
    if who == "staff":
        return UserFactory(is_staff=True)
    if who == "other_facilitator":
        return make_member(CommunityFactory(), role="facilitator").user
    if who in ("pending", "banned"):
        return make_member(community, state=who).user
    if who == "muted":
        user = make_member(community).user
        Mute.objects.create(community=community, user=user, reason="test")
        return user
    return make_member(community, role=who).user


def _request(client: Client, action: str, w: dict[str, Any]):
    slug, room, target = w["community"].slug, w["room"], w["target"]
    material = w["material"].pk
    json = {"content_type": "application/json"}
    calls = {
        "view": lambda: client.get(f"/api/communities/{slug}"),
        "read": lambda: client.get(f"/api/rooms/{room.pk}/events"),
        "report": lambda: client.post(
            f"/api/messages/{w['message'].pk}/report", {"reason": "spam"}, **json
        ),
        "approve": lambda: client.post(
            f"/api/communities/{slug}/requests/{w['applicant'].pk}/approve", {}, **json
        ),
        "invite": lambda: client.post(f"/api/communities/{slug}/invitations", {}, **json),
        "role": lambda: client.post(
            f"/api/communities/{slug}/members/{target.pk}/role", {"role": "observer"}, **json
        ),
        "mute": lambda: client.post(
            f"/api/communities/{slug}/members/{target.pk}/mute", {"minutes": 10}, **json
        ),
        "remove": lambda: client.post(
            f"/api/communities/{slug}/members/{target.pk}/remove", {}, **json
        ),
        "ban": lambda: client.post(f"/api/communities/{slug}/members/{target.pk}/ban", {}, **json),
        "hide": lambda: client.post(
            f"/api/messages/{w['message'].pk}/hide", {"reason": "off topic"}, **json
        ),
        "delete": lambda: client.post(f"/api/messages/{w['message'].pk}/delete", {}, **json),
        "pin": lambda: client.post(f"/api/messages/{w['message'].pk}/pin"),
        "room": lambda: client.patch(f"/api/rooms/{room.pk}", {"is_locked": True}, **json),
        "reports": lambda: client.get(f"/api/communities/{slug}/reports"),
        "audit": lambda: client.get(f"/api/communities/{slug}/audit"),
        "materials": lambda: client.get(f"/api/communities/{slug}/resources"),
        "download": lambda: client.get(f"/api/resources/{material}/versions/1/download"),
        "share": lambda: client.post(
            f"/api/communities/{slug}/resources",
            {"title": "Mine", "language": "en", "licence": "CC0-1.0", "link": "https://x.org/"},
        ),
        "version": lambda: client.post(
            f"/api/resources/{material}/versions", {"link": "https://x.org/v2"}
        ),
        "withdraw": lambda: client.post(
            f"/api/resources/{material}/withdraw", {"reason": "copyright"}, **json
        ),
        "react": lambda: client.put(f"/api/resources/{material}/reactions/useful"),
    }
    return calls[action]()


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "action"), API_CELLS)
def test_api_cell(who, action):
    world = _world()
    actor = _actor(who, world)
    client = Client(HTTP_X_SESSION_TOKEN=session_token_for(actor)) if actor else Client()
    response = _request(client, action, world)
    if MATRIX[who][action]:
        assert 200 <= response.status_code < 300, (who, action, response.content)
    else:
        expected = 401 if who == "anonymous" else 403
        assert response.status_code == expected, (who, action, response.content)
        assert response.json()["error"] in ("unauthorized", "forbidden")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("who", "action"), SOCKET_CELLS)
async def test_socket_cell(who, action):
    world = await database_sync_to_async(_world)()
    actor = await database_sync_to_async(_actor)(who, world)
    headers = []
    if actor is not None:
        token = await database_sync_to_async(session_token_for)(actor)
        headers = [(b"x-session-token", token.encode())]
    socket = WebsocketCommunicator(ws_application(), "/ws/", headers=headers)
    connected, _ = await socket.connect()
    if who == "anonymous":
        assert not connected and not MATRIX[who][action]
        return
    room = world["room"].pk
    if action == "subscribe":
        await socket.send_json_to({"type": "subscribe", "room": room})
    else:
        await socket.send_json_to({"type": "post", "room": room, "body": "hello"})
    answer = await socket.receive_json_from(timeout=3)
    if MATRIX[who][action]:
        assert answer["type"] in ("subscribed", "ack", "event"), (who, action, answer)
    else:
        assert (answer["type"], answer["code"]) == ("error", "forbidden"), (who, action, answer)
    await socket.disconnect()


# --- rank rules -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("actor_role", "target_role", "allowed"),
    [
        ("co_facilitator", "member", True),
        ("co_facilitator", "observer", True),
        ("co_facilitator", "co_facilitator", False),
        ("co_facilitator", "facilitator", False),
        ("facilitator", "co_facilitator", True),
        ("facilitator", "facilitator", False),
        ("staff", "facilitator", True),
    ],
)
def test_acting_needs_a_higher_role(actor_role, target_role, allowed):
    community = CommunityFactory()
    if actor_role == "staff":
        actor = UserFactory(is_staff=True)
    else:
        actor = make_member(community, role=actor_role).user
    target = make_member(community, role=target_role).user
    client = Client(HTTP_X_SESSION_TOKEN=session_token_for(actor))
    response = client.post(
        f"/api/communities/{community.slug}/members/{target.pk}/mute",
        {},
        content_type="application/json",
    )
    assert (response.status_code == 200) is allowed, response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("actor_role", "new_role", "allowed"),
    [
        ("co_facilitator", "observer", True),
        ("co_facilitator", "co_facilitator", False),
        ("facilitator", "co_facilitator", True),
        ("facilitator", "facilitator", False),
        ("staff", "facilitator", True),
    ],
)
def test_roles_are_given_below_ones_own(actor_role, new_role, allowed):
    community = CommunityFactory()
    actor = (
        UserFactory(is_staff=True)
        if actor_role == "staff"
        else make_member(community, role=actor_role).user
    )
    target = MembershipFactory(community=community).user
    client = Client(HTTP_X_SESSION_TOKEN=session_token_for(actor))
    response = client.post(
        f"/api/communities/{community.slug}/members/{target.pk}/role",
        {"role": new_role},
        content_type="application/json",
    )
    assert (response.status_code == 200) is allowed, response.content


@pytest.mark.django_db
def test_co_facilitator_cannot_hide_a_facilitators_message():
    community = CommunityFactory()
    room = community.rooms.get(name="general")
    facilitator = make_member(community, role="facilitator").user
    co = make_member(community, role="co_facilitator").user
    message, _ = services.message_post(room_id=room.pk, author=facilitator, body="official")
    client = Client(HTTP_X_SESSION_TOKEN=session_token_for(co))
    response = client.post(
        f"/api/messages/{message.pk}/hide", {"reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_nobody_acts_on_themself():
    community = CommunityFactory()
    facilitator = make_member(community, role="facilitator").user
    client = Client(HTTP_X_SESSION_TOKEN=session_token_for(facilitator))
    response = client.post(
        f"/api/communities/{community.slug}/members/{facilitator.pk}/ban",
        {},
        content_type="application/json",
    )
    assert response.status_code == 403
