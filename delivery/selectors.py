"""Reading notifications: always the requesting user's own, newest first unless asked."""

from __future__ import annotations

from typing import Any

from notifications.models import Notification

from community.models import Community, Room, User

from .categories import DEFAULT_LEVEL
from .models import DeliverySettings, NotificationPreference, PushSubscription


def _with_actors(notifications: list[Notification]) -> list[Notification]:
    """Attach ``actor_user`` in one query instead of a generic-relation lookup per row."""
    ids = {int(n.actor_object_id) for n in notifications if n.actor_object_id.isdigit()}
    users = User.objects.in_bulk(ids)
    for notification in notifications:
        aid = notification.actor_object_id
        notification.actor_user = users.get(int(aid)) if aid.isdigit() else None  # type: ignore[attr-defined]
    return notifications


def notification_list(
    *,
    user: Any,
    unread: bool | None = None,
    category: str | None = None,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> list[Notification]:
    """With ``after``: the oldest ``limit`` newer than it, oldest first (catch-up). Otherwise
    the newest ``limit`` (older than ``before``), newest first (a list page)."""
    notifications = Notification.objects.filter(recipient_id=user.pk, deleted=False).select_related(
        "target_content_type"
    )
    if unread is not None:
        notifications = notifications.filter(unread=unread)
    if category:
        notifications = notifications.filter(data__category=category)
    if before is not None:
        notifications = notifications.filter(pk__lt=before)
    if after is not None:
        return _with_actors(list(notifications.filter(pk__gt=after).order_by("pk")[:limit]))
    return _with_actors(list(notifications.order_by("-pk")[:limit]))


def unread_count(*, user: Any) -> int:
    return Notification.objects.filter(recipient_id=user.pk, unread=True, deleted=False).count()


def preference_levels(*, user: Any) -> list[NotificationPreference]:
    return list(
        NotificationPreference.objects.filter(user=user).select_related("community", "room")
    )


def level_for(*, user: Any, community_id: int, room_id: int | None = None) -> tuple[str, str]:
    """The effective level and where it comes from: ``room``, ``community`` or ``default``."""
    preferences = {
        p.room_id: p.level
        for p in NotificationPreference.objects.filter(user=user, community_id=community_id)
    }
    if room_id is not None and room_id in preferences:
        return preferences[room_id], "room"
    if None in preferences:
        return preferences[None], "community"
    return DEFAULT_LEVEL, "default"


def delivery_settings_of(*, user: Any) -> DeliverySettings:
    """The user's delivery settings; the defaults, unsaved, if they never changed them
    (reading writes nothing)."""
    return DeliverySettings.objects.filter(user=user).first() or DeliverySettings(user=user)


def watchers(*, community_id: int, room_id: int) -> set[int]:
    """Who watches a room (``NotificationPreference.objects.watching``)."""
    return set(
        NotificationPreference.objects.watching(room=room_id, community=community_id).values_list(
            "user_id", flat=True
        )
    )


def notification_places(
    notifications: list[Notification],
) -> tuple[dict[str, str], dict[int, tuple[str, str]]]:
    """How to name where notifications happened, in two queries: community names by slug,
    and per room its raw label ("#resource-e59b…", as stored in the verb) with the label a
    reader understands ("#general", or the material's title for a material's thread)."""
    slugs = {(n.data or {}).get("community") for n in notifications} - {None}
    names = dict(Community.objects.filter(slug__in=slugs).values_list("slug", "name"))
    room_ids = {(n.data or {}).get("room") for n in notifications} - {None}
    rooms: dict[int, tuple[str, str]] = {}
    for room in Room.objects.filter(pk__in=room_ids).select_related("resource"):
        resource = getattr(room, "resource", None)
        label = f"“{resource.title}”" if resource is not None else f"#{room.name}"
        rooms[room.pk] = (f"#{room.name}", label)
    return names, rooms


def push_devices_of(*, user: Any) -> list[PushSubscription]:
    """The user's Web Push devices, newest first."""
    return list(PushSubscription.objects.filter(user_id=user.pk).order_by("-created_at", "-pk"))
