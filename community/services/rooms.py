"""Rooms of a community: creating them and changing their state (lock, slow mode, topic)."""

from __future__ import annotations

from typing import Any

from core.errors import Conflict, Invalid

from ..models import Community, EventKind, Room, User
from .messages import room_event_append


def room_create(*, community: Community, name: str, topic: str = "") -> Room:
    name = name.strip().lower()
    if not name:
        raise Invalid("A room needs a name.")
    room, created = Room.objects.get_or_create(
        community=community, name=name, defaults={"topic": topic}
    )
    if not created:
        raise Conflict(f"Room '{name}' already exists in {community.slug}.")
    return room


def room_state_change(*, room: Room, actor: User | None, changes: dict[str, Any]) -> None:
    """Apply ``changes`` (lock, slow mode, topic) to a room locked for update, and append the
    ``room`` event clients update their view from. Callers authorise and audit."""
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
            "changed": sorted(changes),
        },
    )
