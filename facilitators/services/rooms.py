"""Room settings: lock, slow mode, topic and name."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from community.models import Room, RoomKind, User
from community.services import (
    GENERAL_ROOM,
    clean_room_name,
    clean_topic,
    room_state_change,
    rooms_changed_on_commit,
)
from core.audit import AuditAction, audit_record
from core.errors import Conflict, Invalid

from .base import require_moderator


def room_settings_update(
    *,
    actor: User,
    room: Room,
    is_locked: bool | None = None,
    slow_mode_seconds: int | None = None,
    topic: str | None = None,
    name: str | None = None,
    reason: str = "",
) -> Room:
    """Lock/unlock, slow mode, topic and name. Each change is a ``room`` event (clients
    update their view) and an audit entry; it applies to the very next post. A new name or
    topic also reaches the room lists of members' open pages."""
    longest = settings.KRING_MAX_SLOW_MODE_SECONDS
    if slow_mode_seconds is not None and not 0 <= slow_mode_seconds <= longest:
        raise Invalid(
            _("Slow mode is 0 (off) to %(longest)s seconds.") % {"longest": longest},
            field="slow_mode_seconds",
        )
    if topic is not None:
        topic = clean_topic(topic)
    if name is not None:
        name = clean_room_name(name)
    with transaction.atomic():
        room = (
            Room.objects.select_for_update(of=("self",)).select_related("community").get(pk=room.pk)
        )
        require_moderator(actor, room)
        changes: dict[str, Any] = {}
        audits: list[tuple[str, dict[str, Any]]] = []
        if is_locked is not None and is_locked != room.is_locked:
            changes["is_locked"] = is_locked
            audits.append((AuditAction.LOCK if is_locked else AuditAction.UNLOCK, {}))
        if slow_mode_seconds is not None and slow_mode_seconds != room.slow_mode_seconds:
            changes["slow_mode_seconds"] = slow_mode_seconds
            audits.append((AuditAction.SLOW_MODE, {"seconds": slow_mode_seconds}))
        if topic is not None and topic != room.topic:
            changes["topic"] = topic
            audits.append((AuditAction.TOPIC, {"topic": topic}))
        if name is not None and name != room.name:
            if room.kind != RoomKind.DISCUSSION:
                raise Invalid(_("A teaching material's thread is named after its material."))
            if GENERAL_ROOM in (name, room.name):
                raise Conflict(_("The general room keeps its name, and no other room takes it."),
                               field="name")  # fmt: skip
            if Room.objects.filter(community_id=room.community_id, name=name).exists():
                raise Conflict(
                    _("There is already a room #%(name)s.") % {"name": name}, field="name"
                )
            changes["name"] = name
            audits.append((AuditAction.ROOM_RENAME, {"from": room.name, "to": name}))
        if not changes:
            return room
        room_state_change(room=room, actor=actor, changes=changes)
        for action, data in audits:
            audit_record(
                community_id=room.community_id,
                actor=actor,
                action=action,
                room=room,
                reason=reason,
                data=data,
            )
        if "name" in changes or "topic" in changes:
            rooms_changed_on_commit(room.community)
    return room
