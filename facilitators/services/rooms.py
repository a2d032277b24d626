"""Room settings: lock, slow mode and topic."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from community.models import Room, User
from community.services import room_state_change
from core.audit import AuditAction, audit_record
from core.errors import Invalid

from .base import require_moderator


def room_settings_update(
    *,
    actor: User,
    room: Room,
    is_locked: bool | None = None,
    slow_mode_seconds: int | None = None,
    topic: str | None = None,
    reason: str = "",
) -> Room:
    """Lock/unlock, slow mode and topic. Each change is a ``room`` event (clients update their
    view) and an audit entry; it applies to the very next post."""
    longest = settings.KRING_MAX_SLOW_MODE_SECONDS
    if slow_mode_seconds is not None and not 0 <= slow_mode_seconds <= longest:
        raise Invalid(f"Slow mode is 0 (off) to {longest} seconds.")
    if topic is not None and len(topic.strip()) > 300:
        raise Invalid("A topic is at most 300 characters.")
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
        if topic is not None and topic.strip() != room.topic:
            changes["topic"] = topic.strip()
            audits.append((AuditAction.TOPIC, {"topic": topic.strip()}))
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
    return room
