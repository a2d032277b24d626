"""Each event's live room: the same log, seq and resume as any room; open to attendees shortly
before each session and readable after; guests of an open event are in it too; RSVP counts
reach everyone on the page as `rsvp` frames (validated against their model)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from community.models import Membership
from events import services
from events.models import Occurrence
from tests.conftest import connect, make_member, receive_until
from tests.core.frames import Capture
from tests.factories import CommunityFactory

from .conftest import schedule

pytestmark = pytest.mark.django_db(transaction=True)


def _open_now(event) -> None:
    """Move the (next) session so it started five minutes ago."""
    row = Occurrence.objects.get(event=event)
    start = timezone.now() - timedelta(minutes=5)
    Occurrence.objects.filter(pk=row.pk).update(starts_at=start, ends_at=start + timedelta(hours=1))


async def _post(member, room_id: int) -> dict:
    socket = await connect(member.token)
    await socket.send_json_to(
        {"type": "post", "room": room_id, "body": "hello", "ref": uuid.uuid4().hex}
    )
    answer = await socket.receive_json_from(timeout=3)
    while answer["type"] not in ("ack", "error"):
        answer = await socket.receive_json_from(timeout=3)
    await socket.disconnect()
    return answer


async def test_attendees_post_in_the_window_others_read_organisers_always(circle):
    event = await database_sync_to_async(schedule)(circle.facilitator.user, circle.community)
    room = event.room_id
    before = await _post(circle.alice, room)
    assert before["type"] == "error" and "opens" in before["detail"]
    assert (await _post(circle.facilitator, room))["type"] == "ack"  # the agenda, notes...

    await database_sync_to_async(services.rsvp_set)(
        actor=circle.alice.user, event=event, status="going"
    )
    await database_sync_to_async(_open_now)(event)
    assert (await _post(circle.alice, room))["type"] == "ack"
    bystander = await _post(circle.bob, room)
    assert bystander["type"] == "error" and "going" in bystander["detail"]

    def over() -> None:
        start = timezone.now() - timedelta(hours=5)
        Occurrence.objects.filter(event=event).update(
            starts_at=start, ends_at=start + timedelta(hours=1)
        )

    await database_sync_to_async(over)()
    after = await _post(circle.alice, room)
    assert after["type"] == "error" and "over" in after["detail"]

    reader = await connect(circle.bob.token)
    await reader.send_json_to({"type": "subscribe", "room": room, "since": 0})
    subscribed = await receive_until(reader, "subscribed")
    assert subscribed["seq"] >= 2
    await reader.disconnect()


async def test_guests_of_an_open_event_join_its_room_outsiders_do_not(circle):
    def world():
        other = CommunityFactory()
        Membership.objects.create(community=other, user=circle.facilitator.user, role="member")
        guest = make_member(other)
        outsider = make_member(CommunityFactory())
        event = schedule(
            circle.facilitator.user,
            circle.community,
            audience="network",
            guest_communities=[other.slug],
        )
        services.rsvp_set(actor=guest.user, event=event, status="going")
        _open_now(event)
        return event, guest, outsider

    event, guest, outsider = await database_sync_to_async(world)()
    assert (await _post(guest, event.room_id))["type"] == "ack"
    socket = await connect(outsider.token)
    await socket.send_json_to({"type": "subscribe", "room": event.room_id})
    refused = await socket.receive_json_from(timeout=3)
    assert (refused["type"], refused["code"]) == ("error", "forbidden")
    await socket.disconnect()


async def test_rsvp_counts_reach_everyone_on_the_page(circle):
    event = await database_sync_to_async(schedule)(
        circle.facilitator.user, circle.community, capacity=1
    )
    capture = await Capture([event.room_id]).start()
    watcher = await connect(circle.carol.token)
    await watcher.send_json_to({"type": "subscribe", "room": event.room_id})
    await receive_until(watcher, "subscribed")

    await database_sync_to_async(services.rsvp_set)(
        actor=circle.alice.user, event=event, status="going"
    )
    frame = await receive_until(watcher, "rsvp")
    assert (frame["event"], frame["going"], frame["waiting"], frame["capacity"]) == (
        event.pk,
        1,
        0,
        1,
    )
    assert frame["users"] == [circle.alice.user.pk]

    await database_sync_to_async(services.rsvp_set)(
        actor=circle.bob.user, event=event, status="going"
    )
    await database_sync_to_async(services.rsvp_set)(
        actor=circle.alice.user, event=event, status="no"
    )
    frames = [f for f in await capture.frames() if f["type"] == "rsvp"]  # each one validated
    assert frames[-1]["going"] == 1 and frames[-1]["waiting"] == 0
    assert circle.bob.user.pk in frames[-1]["users"] or circle.bob.user.pk in frames[-2]["users"]
    await watcher.disconnect()
