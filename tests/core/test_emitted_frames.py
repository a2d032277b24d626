"""Every service action, and every frame it emits after commit, held to the frame's model
(Zulip's test_events discipline): no extra key, no missing key, for each kind of frame."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from chat import services as chat
from community import services
from community.models import JoinPolicy, Membership, RoomEvent
from delivery.worker import process_pending_jobs
from events import services as events
from facilitators import services as moderation
from facilitators.models import Report
from resources import services as materials
from resources.models import Resource
from tests.conftest import make_member
from tests.factories import CommunityFactory
from tests.resources.conftest import share

from .frames import Capture

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class World:
    community: Any
    room: Any
    facilitator: Any
    alice: Any
    bob: Any
    message: RoomEvent

    def membership(self, member: Any) -> Membership:
        return Membership.objects.select_related("community", "user").get(
            community=self.community, user=member.user
        )


def _world() -> World:
    community = CommunityFactory()
    room = community.rooms.get(name="general")
    facilitator = make_member(community, role="facilitator", display_name="Fiona")
    alice = make_member(community, display_name="Alice")
    bob = make_member(community, display_name="Bob")
    message, _ = services.message_post(room_id=room.pk, author=alice.user, body="Hello")
    return World(community, room, facilitator, alice, bob, message)


def _pending(w: World) -> Membership:
    requesting = CommunityFactory(join_policy=JoinPolicy.REQUEST)
    Membership.objects.create(community=requesting, user=w.facilitator.user, role="facilitator")
    services.membership_join(user=w.bob.user, community=requesting)
    return Membership.objects.select_related("community", "user").get(
        community=requesting, user=w.bob.user
    )


def _report(w: World) -> Report:
    return moderation.report_create(reporter=w.bob.user, message_id=w.message.pk, reason="rude")


def _material(w: World) -> Resource:
    return share(w.alice.user, w.community)


def _event(w: World, **fields: Any) -> Any:
    start = (timezone.now() + timedelta(days=3)).replace(tzinfo=None, second=0, microsecond=0)
    return events.event_create(
        actor=w.facilitator.user, community=w.community, title="Regional session",
        starts_at=start.isoformat(), ends_at=(start + timedelta(hours=1)).isoformat(),
        timezone="Europe/Amsterdam", online_url="https://meet.example.org/x", **fields,
    )  # fmt: skip


def _event_with_people(w: World) -> Any:
    event = _event(w, capacity=1)
    events.rsvp_set(actor=w.alice.user, event=event, status="going")
    events.rsvp_set(actor=w.bob.user, event=event, status="going")  # on the waiting list
    return event


def _invitation_accept(w: World) -> None:
    invitation = moderation.invitation_create(actor=w.facilitator.user, community=w.community)
    outsider = make_member(CommunityFactory())
    moderation.invitation_accept(user=outsider.user, token=invitation.token)


def _circle(w: World) -> Any:
    from community.models import CommunityKind

    circle = CommunityFactory(kind=CommunityKind.CROSS_BORDER)
    make_member(circle, role="facilitator")  # who hears of links and unlinks
    return circle


def _linked(w: World) -> Any:
    circle = _circle(w)
    services.network_link(actor=w.facilitator.user, community=w.community, circle=circle)
    return circle


def _projects(w: World) -> Any:
    return services.room_add(actor=w.facilitator.user, community=w.community, name="projects")


def _found_for_a_member(w: World) -> None:
    coordinator = make_member(CommunityFactory()).user
    coordinator.is_coordinator = True
    coordinator.save(update_fields=["is_coordinator"])
    moderation.community_found(
        actor=coordinator, name="Limburg", kind="regional", facilitator_email=w.bob.user.email
    )


def _proposal_decided(w: World, approve: bool) -> None:
    proposal = moderation.proposal_create(
        proposer=w.bob.user, name="Uusimaa", kind="regional", reason="Teachers near Espoo"
    )
    staff = make_member(CommunityFactory()).user
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    if approve:
        moderation.proposal_approve(actor=staff, proposal=proposal)
    else:
        moderation.proposal_decline(actor=staff, proposal=proposal, reason="Join Helsinki")


def _archived_community(w: World) -> None:
    staff = make_member(CommunityFactory()).user
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    services.community_archive(actor=staff, community=w.community, reason="Project ended")
    services.community_restore(actor=staff, community=w.community)


def _direct_message(w: World) -> RoomEvent:
    started, _ = chat.conversation_start(actor=w.alice.user, user_ids=[w.bob.user.pk])
    message, _ = services.message_post(room_id=started.room_id, author=w.alice.user, body="Hi")
    return message


def _direct_report(w: World) -> None:
    staff = make_member(CommunityFactory()).user
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    chat.direct_report_create(
        reporter=w.bob.user, message_id=_direct_message(w).pk, reason="unkind"
    )


# name -> (the action, frame types it must emit). Each action also runs the worker, so the
# notifications it causes are pushed (and checked) too.
ACTIONS: dict[str, tuple[Callable[[World], Any], set[str]]] = {
    "message_post": (
        lambda w: services.message_post(room_id=w.room.pk, author=w.bob.user, body="@alice hi"),
        {"event", "notification"},
    ),
    "message_edit": (
        lambda w: services.message_edit(actor=w.alice.user, message_id=w.message.pk, body="Hi"),
        {"event"},
    ),
    "message_delete (own)": (
        lambda w: services.message_delete(actor=w.alice.user, message_id=w.message.pk),
        {"event"},
    ),
    "message_delete (moderated)": (
        lambda w: services.message_delete(actor=w.facilitator.user, message_id=w.message.pk),
        {"event", "audit"},
    ),
    "read_mark": (
        lambda w: services.read_mark(user=w.bob.user, room_id=w.room.pk, seq=w.message.seq),
        {"read"},
    ),
    "membership_join (open)": (
        lambda w: services.membership_join(
            user=make_member(CommunityFactory()).user, community=w.community
        ),
        {"event"},
    ),
    "membership_join (request)": (_pending, {"join_request", "notification"}),
    "membership_leave": (
        lambda w: services.membership_leave(user=w.bob.user, community=w.community),
        {"event", "removed"},
    ),
    "join_request_approve": (
        lambda w: moderation.join_request_approve(actor=w.facilitator.user, membership=_pending(w)),
        {"membership", "audit", "notification"},
    ),
    "join_request_decline": (
        lambda w: moderation.join_request_decline(actor=w.facilitator.user, membership=_pending(w)),
        {"membership", "audit", "notification"},
    ),
    "invitation_create + accept": (_invitation_accept, {"audit", "membership"}),
    "invitation_revoke": (
        lambda w: moderation.invitation_revoke(
            actor=w.facilitator.user,
            invitation=moderation.invitation_create(
                actor=w.facilitator.user, community=w.community
            ),
        ),
        {"audit"},
    ),
    "member_role_change": (
        lambda w: moderation.member_role_change(
            actor=w.facilitator.user, membership=w.membership(w.bob), role="observer"
        ),
        {"event", "membership", "audit", "notification"},
    ),
    "member_mute": (
        lambda w: moderation.member_mute(
            actor=w.facilitator.user,
            membership=w.membership(w.bob),
            until=timezone.now() + timedelta(hours=1),
            reason="pause",
        ),
        {"mute", "audit", "notification"},
    ),
    "member_unmute": (
        lambda w: (
            moderation.member_mute(actor=w.facilitator.user, membership=w.membership(w.bob)),
            moderation.member_unmute(actor=w.facilitator.user, membership=w.membership(w.bob)),
        ),
        {"mute", "audit"},
    ),
    "member_remove": (
        lambda w: moderation.member_remove(
            actor=w.facilitator.user, membership=w.membership(w.bob)
        ),
        {"event", "removed", "audit", "notification"},
    ),
    "member_ban + unban": (
        lambda w: (
            moderation.member_ban(actor=w.facilitator.user, membership=w.membership(w.bob)),
            moderation.member_unban(actor=w.facilitator.user, membership=w.membership(w.bob)),
        ),
        {"event", "removed", "audit", "notification"},
    ),
    "message_hide + unhide": (
        lambda w: (
            moderation.message_hide(actor=w.facilitator.user, message_id=w.message.pk, reason="r"),
            moderation.message_unhide(actor=w.facilitator.user, message_id=w.message.pk),
        ),
        {"event", "audit"},
    ),
    "message_moderate_delete": (
        lambda w: moderation.message_moderate_delete(
            actor=w.facilitator.user, message_id=w.message.pk, reason="spam"
        ),
        {"event", "audit"},
    ),
    "message_pin + unpin": (
        lambda w: (
            moderation.message_pin(actor=w.facilitator.user, message_id=w.message.pk),
            moderation.message_unpin(actor=w.facilitator.user, message_id=w.message.pk),
        ),
        {"event", "audit"},
    ),
    "announcement_post": (
        lambda w: moderation.announcement_post(
            actor=w.facilitator.user, community=w.community, body="News"
        ),
        {"event", "notification"},
    ),
    "room_settings_update": (
        lambda w: moderation.room_settings_update(
            actor=w.facilitator.user, room=w.room, is_locked=True, slow_mode_seconds=30, topic="T"
        ),
        {"event", "audit"},
    ),
    "report_create": (_report, {"report", "notification"}),
    "report_resolve": (
        lambda w: moderation.report_resolve(
            actor=w.facilitator.user, report=_report(w), action="ban"
        ),
        {"event", "removed", "audit"},
    ),
    "resource_share": (_material, {"event", "notification"}),
    "resource_new_version": (
        lambda w: materials.resource_new_version(
            actor=w.alice.user, resource=_material(w), url="https://example.org/v2"
        ),
        {"event", "notification"},
    ),
    "resource_adapt": (
        lambda w: materials.resource_adapt(
            actor=w.bob.user,
            source=_material(w).versions.get(),
            community=w.community,
            title="Aangepast",
        ),
        {"event", "notification"},
    ),
    "reaction_set": (
        lambda w: materials.reaction_set(actor=w.bob.user, resource=_material(w), kind="useful"),
        {"notification"},
    ),
    "reaction_toggle (add + take away)": (
        lambda w: (
            chat.reaction_toggle(actor=w.bob.user, message_id=w.message.pk, emoji="👍"),
            chat.reaction_toggle(actor=w.bob.user, message_id=w.message.pk, emoji="👍"),
        ),
        {"event"},
    ),
    "direct message (conversation_start + message_post)": (_direct_message, {"notification"}),
    "direct_report_create": (_direct_report, {"notification"}),
    "event_create": (_event, {"event", "calendar", "notification"}),
    "event_update": (
        lambda w: events.event_update(
            actor=w.facilitator.user, event=_event_with_people(w), title="Moved", location="Arnhem"
        ),
        {"event", "calendar", "notification"},
    ),
    "event_cancel": (
        lambda w: events.event_cancel(actor=w.facilitator.user, event=_event_with_people(w)),
        {"event", "calendar", "notification"},
    ),
    "rsvp_set (a seat freed: promotion)": (
        lambda w: events.rsvp_set(actor=w.alice.user, event=_event_with_people(w), status="no"),
        {"notification"},  # and `rsvp` frames in the event's room: tests/events/test_frames.py
    ),
    "room_add": (_projects, {"rooms", "audit"}),
    "room rename (room_settings_update)": (
        lambda w: moderation.room_settings_update(
            actor=w.facilitator.user, room=w.room, topic="New topic"
        ),
        {"event", "rooms", "audit"},
    ),
    "rooms_reorder": (
        lambda w: services.rooms_reorder(
            actor=w.facilitator.user, community=w.community, room_ids=[_projects(w).pk, w.room.pk]
        ),
        {"rooms", "audit"},
    ),
    "room_archive + restore": (
        lambda w: services.room_restore(
            actor=w.facilitator.user,
            room=services.room_archive(actor=w.facilitator.user, room=_projects(w)),
        ),
        {"rooms", "audit"},
    ),
    "community_update": (
        lambda w: services.community_update(
            actor=w.facilitator.user, community=w.community, region="Twente"
        ),
        {"audit"},
    ),
    "community_archive + restore": (_archived_community, {"rooms", "audit", "notification"}),
    "network_link": (_linked, {"audit", "notification"}),
    "network_link of a community with a new facilitator": (
        lambda w: (
            _linked(w),
            moderation.member_role_change(
                actor=w.facilitator.user, membership=w.membership(w.bob), role="co_facilitator"
            ),
        ),
        {"membership", "audit", "notification"},
    ),
    "network_unlink": (
        lambda w: services.network_unlink(
            actor=w.facilitator.user, community=w.community, circle=_linked(w)
        ),
        {"audit", "notification"},
    ),
    "announcement_post (network)": (
        lambda w: (
            _linked(w),
            moderation.announcement_post(
                actor=w.facilitator.user, community=w.community, body="News", scope="network"
            ),
        ),
        {"event", "audit", "notification"},
    ),
    "community_found (an account)": (_found_for_a_member, {"membership", "notification"}),
    "proposal_approve": (lambda w: _proposal_decided(w, True), {"notification"}),
    "proposal_decline": (lambda w: _proposal_decided(w, False), {"notification"}),
    "resource_withdraw + restore": (
        lambda w: materials.resource_restore(
            actor=w.facilitator.user,
            resource=materials.resource_withdraw(
                actor=w.facilitator.user, resource=_material(w), reason="check the licence"
            ),
        ),
        {"event", "audit", "notification"},
    ),
}


@pytest.mark.parametrize("name", list(ACTIONS))
async def test_every_frame_a_service_emits_matches_its_model(name):
    action, expected = ACTIONS[name]
    world = await database_sync_to_async(_world)()
    capture = await Capture([world.room.pk]).start()
    await capture.frames()  # what setting up the world emitted (validated too)

    def act() -> None:
        action(world)
        # rooms created by the action (material threads) join the capture late: their events
        # are room events like any other, checked in the tests of those rooms
        process_pending_jobs()

    await database_sync_to_async(act)()
    frames = await capture.frames()
    emitted = {frame["type"] for frame in frames}
    assert expected <= emitted, f"{name}: expected {expected}, got {emitted}"
