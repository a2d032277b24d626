"""Rooms of a community: creating, renaming, ordering, archiving and restoring them, and
changing their state (lock, slow mode, topic).

Every change to the room list reaches open pages at once: a ``rooms`` frame with the new list
to every active member after commit; a change to one room is also a ``room`` event in that
room (its seq makes it part of the room's history, so resuming clients see it too)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.audit import AuditAction, audit_record
from core.emitters import users_frame_on_commit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.notify import Category, Verb, notify_community
from core.protocol.stewardship import rooms_frame

from ..models import Community, EventKind, Membership, MembershipState, Room, RoomKind, User
from ..permissions import can_manage_community
from .messages import room_event_append

GENERAL_ROOM = "general"
ROOM_NAME_MAX = 80
TOPIC_MAX = 300
# Lower-case words joined by dashes or underscores, in any script ("ai-in-de-klas", "fizyka").
ROOM_NAME = re.compile(r"^[\w-]+$")


def clean_room_name(name: Any) -> str:
    value = "-".join(str(name or "").strip().lower().split())
    if not value:
        raise Invalid(_("A room needs a name."), field="name")
    if len(value) > ROOM_NAME_MAX or not ROOM_NAME.match(value):
        raise Invalid(
            _(
                "A room's name is one word of letters, digits, - and _ (at most "
                "%(room_name_max)s characters), e.g. ai-in-de-klas."
            )
            % {"room_name_max": ROOM_NAME_MAX},
            field="name",
        )
    return value


def clean_topic(topic: Any) -> str:
    value = " ".join(str(topic or "").split())
    if len(value) > TOPIC_MAX:
        raise Invalid(
            _("A topic is at most %(topic_max)s characters.") % {"topic_max": TOPIC_MAX},
            field="topic",
        )
    return value


def require_manager(actor: User, community: Community) -> None:
    """Facilitators (and co-facilitators, and staff) run their community, while it is not
    archived."""
    if not can_manage_community.test(actor, community):
        raise Forbidden(_("Only this community's facilitators can change it."))
    if community.archived_at is not None:
        raise Conflict(_("This community is archived; a coordinator can restore it."))


def listed_rooms(community: Community) -> list[Room]:
    """The discussion rooms in list order, without archived ones."""
    return list(
        community.rooms.filter(kind=RoomKind.DISCUSSION, archived_at__isnull=True).order_by(
            "position", "pk"
        )
    )


def rooms_changed_on_commit(community: Community) -> None:
    """Tell every active member's open pages the community's room list as it is now."""
    members = list(
        Membership.objects.filter(
            community_id=community.pk, state=MembershipState.ACTIVE
        ).values_list("user_id", flat=True)
    )
    users_frame_on_commit(members, rooms_frame(community, listed_rooms(community)))


def _locked_room(room: Room) -> Room:
    found = (
        Room.objects.select_for_update(of=("self",))
        .select_related("community")
        .filter(pk=room.pk)
        .first()
    )
    if found is None:
        raise NotFound(_("No room %(pk)s.") % {"pk": room.pk})
    if found.kind != RoomKind.DISCUSSION:
        raise Invalid(_("A teaching material's thread is managed from its material."))
    return found


def _next_position(community: Community) -> int:
    top = community.rooms.filter(kind=RoomKind.DISCUSSION).aggregate(top=Max("position"))["top"]
    return (top or 0) + 1


def room_create(*, community: Community, name: str, topic: str = "") -> Room:
    """A room, without checks or events (demo data, benchmarks); pages and the API use
    ``room_add``."""
    name = name.strip().lower()
    if not name:
        raise Invalid(_("A room needs a name."))
    room, created = Room.objects.get_or_create(
        community=community, name=name, defaults={"topic": topic}
    )
    if not created:
        raise Conflict(
            _("Room '%(name)s' already exists in %(slug)s.")
            % {"name": name, "slug": community.slug}
        )
    return room


def private_room_open(*, community: Community, kind: str, name: str, topic: str = "") -> Room:
    """A room of a private kind (its ``RoomKindHooks`` are ``private``; ``guest`` says who is
    in it) for the app that owns the kind, e.g. two mentoring schools' room in a hub: not in the
    community's room list, no ``rooms`` frame (the owner tells its own people, after commit).
    Call inside the owner's transaction; the name gets a suffix when taken."""
    if kind == RoomKind.DISCUSSION or kind not in RoomKind.values:
        raise Invalid(_("A private room has a kind of its own."))
    base = clean_room_name(name)[:70]
    candidate, n = base, 1
    while Room.objects.filter(community=community, name=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return Room.objects.create(
        community=community, name=candidate, topic=clean_topic(topic), kind=kind
    )


def room_add(*, actor: User, community: Community, name: str, topic: str = "") -> Room:
    """A new discussion room at the end of the list; members' open pages show it at once."""
    name = clean_room_name(name)
    topic = clean_topic(topic)
    with transaction.atomic():
        community = Community.objects.select_for_update().get(pk=community.pk)
        require_manager(actor, community)
        rooms = community.rooms.filter(kind=RoomKind.DISCUSSION)
        if rooms.count() >= settings.KRING_MAX_ROOMS_PER_COMMUNITY:
            raise Conflict(
                _(
                    "A community has at most %(max_rooms_per_community)s rooms "
                    "(archived ones count: restore one instead)."
                )
                % {"max_rooms_per_community": settings.KRING_MAX_ROOMS_PER_COMMUNITY}
            )
        if community.rooms.filter(name=name).exists():
            raise Conflict(
                _("There is already a room #%(name)s (perhaps archived).") % {"name": name},
                field="name",
            )
        room = Room.objects.create(
            community=community, name=name, topic=topic, position=_next_position(community)
        )
        audit_record(
            community_id=community.pk,
            actor=actor,
            action=AuditAction.ROOM_CREATE,
            room=room,
            data={"name": name},
        )
        rooms_changed_on_commit(community)
    return room


def rooms_reorder(*, actor: User, community: Community, room_ids: list[int]) -> list[Room]:
    """Put the listed rooms in this order; ``room_ids`` names every listed room once."""
    with transaction.atomic():
        community = Community.objects.select_for_update().get(pk=community.pk)
        require_manager(actor, community)
        current = {room.pk: room for room in listed_rooms(community)}
        if len(room_ids) != len(set(room_ids)) or set(room_ids) != set(current):
            raise Invalid(
                _("Name every room of the list exactly once (archived rooms are not listed)."),
                field="rooms",
            )
        for position, room_id in enumerate(room_ids, start=1):
            Room.objects.filter(pk=room_id).update(position=position)
        audit_record(
            community_id=community.pk,
            actor=actor,
            action=AuditAction.ROOM_REORDER,
            data={"rooms": list(room_ids)},
        )
        rooms_changed_on_commit(community)
    return listed_rooms(community)


def room_archive(*, actor: User, room: Room, reason: str = "") -> Room:
    """Archive a room: read-only for everyone, out of the list, its history kept. The
    general room stays."""
    return _set_archived(actor, room, archived=True, reason=reason)


def room_restore(*, actor: User, room: Room, reason: str = "") -> Room:
    """Back in the list (at its end) and open for posts again."""
    return _set_archived(actor, room, archived=False, reason=reason)


def _set_archived(actor: User, room: Room, *, archived: bool, reason: str) -> Room:
    if len(reason) > 1000:
        raise Invalid(_("A reason is at most 1000 characters."), field="reason")
    with transaction.atomic():
        room = _locked_room(room)
        community = room.community
        require_manager(actor, community)
        if archived and room.name == GENERAL_ROOM:
            raise Conflict(_("The general room cannot be archived: it is the community's own."))
        if (room.archived_at is not None) == archived:
            raise Conflict("This room is already archived." if archived else "It is not archived.")
        changes: dict[str, Any] = {"archived_at": timezone.now() if archived else None}
        if not archived:
            changes["position"] = _next_position(community)
        room_state_change(room=room, actor=actor, changes=changes)
        audit_record(
            community_id=community.pk,
            actor=actor,
            action=AuditAction.ROOM_ARCHIVE if archived else AuditAction.ROOM_RESTORE,
            room=room,
            reason=reason,
        )
        # Those who follow the room (level "watching") hear of it; the others see the list.
        verb = (
            gettext_noop("archived #%(room)s in %(community)s: it stays readable")
            if archived
            else gettext_noop("reopened #%(room)s in %(community)s")
        )
        notify_community(
            actor=actor,
            community_id=community.pk,
            room_id=room.pk,
            category=Category.MESSAGE,
            verb=Verb(verb, room=room.name, community=community.name),
            text=reason,
            url=f"/c/{community.slug}/rooms/{room.pk}/",
        )
        rooms_changed_on_commit(community)
    return room


def room_state_change(*, room: Room, actor: User | None, changes: dict[str, Any]) -> None:
    """Apply ``changes`` (lock, slow mode, topic, name, archived) to a room locked for update,
    and append the ``room`` event clients update their view from. Callers authorise and
    audit."""
    Room.objects.filter(pk=room.pk).update(**changes)
    for field, value in changes.items():
        setattr(room, field, value)
    room_event_append(
        room_id=room.pk,
        kind=EventKind.ROOM,
        author=actor,
        data={
            "locked": room.is_locked,
            "slow_mode_seconds": room.slow_mode_seconds,
            "topic": room.topic,
            "name": room.name,
            "archived": room.archived_at is not None,
            "changed": sorted(f for f in changes if f != "position"),
        },
    )
