"""The rule that archived rooms and communities are read-only: a check in the one statement
every post (and edit) runs, registered like the other apps' checks (``registry.post_checks``),
so it applies to the very next frame on an open socket."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from .models import Community, Room
from .registry import PostCheck, exists_sql, sql_ref


def _archived_sql() -> tuple[str, tuple[Any, ...]]:
    room_sql, room_params = exists_sql(
        Room.objects.filter(pk=sql_ref("r.id"), archived_at__isnull=False)
    )
    community_sql, community_params = exists_sql(
        Community.objects.filter(pk=sql_ref("r.community_id"), archived_at__isnull=False)
    )
    return f"({room_sql} OR {community_sql})", room_params + community_params


def _where_archived(room: Any, community_id: int) -> str | None:
    if Community.objects.filter(pk=community_id, archived_at__isnull=False).exists():
        return "community"
    if room is not None and Room.objects.filter(pk=room.pk, archived_at__isnull=False).exists():
        return "room"
    return None


def _refusal(user: Any, room: Any, community_id: int) -> str | None:
    where = _where_archived(room, community_id)
    if where == "community":
        return _("This community is archived: its rooms can be read, not written in.")
    if where == "room":
        return _("This room is archived: it can be read, not written in.")
    return None


def _state(user: Any, room: Any) -> dict[str, Any] | None:
    """What the room page says before the reader types."""
    where = _where_archived(room, room.community_id)
    return {"where": where} if where else None


ARCHIVED_CHECK = PostCheck(sql=_archived_sql, refusal=_refusal, state=_state)
