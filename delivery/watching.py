"""Who watches a room, as a column of every post's statement (so a post that nobody can be
told about enqueues nothing), and the notification level shown on community and room pages."""

from __future__ import annotations

from typing import Any

from community.models import Community, Room, User
from community.registry import PostCheck, exists_sql, sql_ref

from .categories import Level
from .models import NotificationPreference
from .selectors import level_for


def _watched_sql() -> tuple[str, tuple[Any, ...]]:
    """``NotificationPreference.objects.watching`` over the post statement's room ``r``."""
    return exists_sql(
        NotificationPreference.objects.watching(
            room=sql_ref("r.id"), community=sql_ref("r.community_id")
        )
    )


WATCHED_CHECK = PostCheck(sql=_watched_sql)


def level_context(user: User, community: Community, room: Room | None) -> dict[str, Any]:
    level = level_for(user=user, community_id=community.pk, room_id=room.pk if room else None)
    return {"levels": Level.choices, "level": level[0]}
