"""Every cell of docs/permissions.md's Events table, through the JSON API and the socket."""

from __future__ import annotations

import contextlib
import uuid
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.utils import timezone

from community.models import Membership
from events import services
from events.models import Occurrence, Rsvp
from facilitators.models import Mute
from tests.conftest import connect, make_member, session_token_for, ws_application
from tests.factories import CommunityFactory, UserFactory
from tests.permission_matrix import matrix

MATRIX = matrix("Events")
SOCKET_ACTIONS = {"room_read", "room_post"}
API_CELLS = [(who, a) for who, row in MATRIX.items() for a in row if a not in SOCKET_ACTIONS]
SOCKET_CELLS = [(who, a) for who, row in MATRIX.items() for a in row if a in SOCKET_ACTIONS]


def test_the_table_covers_every_row_and_action():
    assert set(MATRIX) == {
        "anonymous",
        "non_member",
        "guest",
        "pending",
        "observer",
        "member",
        "muted",
        "banned",
        "organiser",
        "co_facilitator",
        "facilitator",
        "other_facilitator",
        "staff",
    }
    assert len({a for row in MATRIX.values() for a in row}) == 13


def _local(delta: timedelta) -> str:
    moment = (timezone.now() + delta).astimezone(ZoneInfo("Europe/Amsterdam"))
    return moment.replace(tzinfo=None, second=0, microsecond=0).isoformat()


def _world() -> dict[str, Any]:
    community = CommunityFactory()
    guests = CommunityFactory()
    facilitator = make_member(community, role="facilitator").user
    Membership.objects.create(community=guests, user=facilitator, role="member")
    target = make_member(community, display_name="Target Member").user
    common = {"timezone": "Europe/Amsterdam", "online_url": "https://meet.example.org/x"}
    event = services.event_create(
        actor=facilitator,
        community=community,
        title="Session in ten minutes",
        starts_at=_local(timedelta(minutes=10)),
        ends_at=_local(timedelta(minutes=70)),
        audience="network",
        guest_communities=[guests.slug],
        **common,
    )
    past = services.event_create(
        actor=facilitator,
        community=community,
        title="Last week",
        allow_past=True,
        starts_at=_local(-timedelta(days=7)),
        ends_at=_local(-timedelta(days=7) + timedelta(hours=1)),
        **common,
    )
    row = Occurrence.objects.create(
        event=past, original_start=past.starts_at, starts_at=past.starts_at, ends_at=past.ends_at
    )
    Rsvp.objects.create(occurrence=row, user=target, status="going")
    return {
        "community": community,
        "guests": guests,
        "event": event,
        "past": past,
        "target": target,
    }


def _actor(who: str, world: dict[str, Any]) -> Any:
    community = world["community"]
    if who == "anonymous":
        return None
    if who == "non_member":
        return UserFactory()
    if who == "staff":
        return UserFactory(is_staff=True)
    if who == "guest":
        return make_member(world["guests"]).user
    if who == "other_facilitator":
        return make_member(CommunityFactory(), role="facilitator").user
    if who in ("pending", "banned"):
        return make_member(community, state=who).user
    if who == "muted":
        user = make_member(community).user
        Mute.objects.create(community=community, user=user, reason="test")
        return user
    if who == "organiser":
        user = make_member(community).user
        facilitator = world["event"].created_by
        services.organiser_allow(actor=facilitator, community=community, user=user)
        for event in (world["event"], world["past"]):
            event.organisers.add(user)
        return user
    return make_member(community, role=who).user


def _request(client: Client, action: str, w: dict[str, Any]):
    slug, event, past = w["community"].slug, w["event"], w["past"]
    json = {"content_type": "application/json"}
    calls = {
        "calendar": lambda: client.get(f"/api/communities/{slug}/events"),
        "view": lambda: client.get(f"/api/events/{event.pk}"),
        "ics": lambda: client.get(f"/api/events/{event.pk}.ics"),
        "schedule": lambda: client.post(
            f"/api/communities/{slug}/events",
            {
                "title": "Mine",
                "starts_at": _local(timedelta(days=3)),
                "ends_at": _local(timedelta(days=3, hours=1)),
                "timezone": "Europe/Warsaw",
                "online_url": "https://meet.example.org/y",
            },
            **json,
        ),
        "edit": lambda: client.patch(f"/api/events/{event.pk}", {"title": "Renamed"}, **json),
        "cancel": lambda: client.delete(f"/api/events/{event.pk}"),
        "rsvp": lambda: client.post(f"/api/events/{event.pk}/rsvp", {"status": "going"}, **json),
        "attendees": lambda: client.get(f"/api/events/{past.pk}/attendees"),
        "export": lambda: client.get(f"/api/events/{past.pk}/attendees.csv"),
        "attendance": lambda: client.post(
            f"/api/events/{past.pk}/attendance", {"user": w["target"].pk, "attended": True}, **json
        ),
        "allow": lambda: client.put(f"/api/communities/{slug}/organisers/{w['target'].pk}"),
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
    event = world["event"]
    if actor is None:
        from channels.testing import WebsocketCommunicator

        socket = WebsocketCommunicator(ws_application(), "/ws/")
        connected, _ = await socket.connect()
        assert not connected and not MATRIX[who][action]
        return
    if action == "room_post":

        def say_going() -> None:
            with contextlib.suppress(Exception):  # those who may not answer just post
                services.rsvp_set(actor=actor, event=event, status="going")

        await database_sync_to_async(say_going)()
    token = await database_sync_to_async(session_token_for)(actor)
    socket = await connect(token)
    if action == "room_read":
        await socket.send_json_to({"type": "subscribe", "room": event.room_id})
    else:
        await socket.send_json_to(
            {"type": "post", "room": event.room_id, "body": "hello", "ref": uuid.uuid4().hex}
        )
    answer = await socket.receive_json_from(timeout=3)
    if MATRIX[who][action]:
        assert answer["type"] in ("subscribed", "ack", "event"), (who, action, answer)
    else:
        assert (answer["type"], answer["code"]) == ("error", "forbidden"), (who, action, answer)
    await socket.disconnect()
