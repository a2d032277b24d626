"""JSON API of notifications: the list, read state, levels, delivery settings and Web Push
devices. Everything here is the requesting user's own."""

from __future__ import annotations

from datetime import time

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from community import selectors as community_selectors
from core.notify import Category
from core.protocol.api import ERRORS
from core.protocol.notifications import (
    DeliverySettingsOut,
    LevelOut,
    NotificationsPage,
    PushDeviceOut,
    PushKeyOut,
    UnreadOut,
    delivery_settings_out,
    notification_out,
    push_device_out,
)

from . import selectors, services
from .categories import Level
from .push import keys as push_keys
from .push import services as push_services

router = Router(tags=["notifications"])


class LevelIn(Schema):
    level: Level


class SettingsPatch(Schema):
    live: bool | None = None
    email_mode: str | None = None
    email_categories: list[Category] | None = None
    timezone: str | None = Field(None, max_length=64)
    quiet_start: time | None = None
    quiet_end: time | None = None
    digest_hour: int | None = Field(None, ge=0, le=23)
    digest_weekday: int | None = Field(None, ge=0, le=6)


@router.get("/notifications", response={200: NotificationsPage, **ERRORS})
def list_notifications(
    request: HttpRequest,
    unread: bool | None = None,
    category: Category | None = None,
    before: int | None = Query(None, description="Older than this notification id"),
    after: int | None = Query(None, description="Newer than this id, oldest first (catch-up)"),
    limit: int = Query(50, ge=1, le=200),
) -> NotificationsPage:
    notifications = selectors.notification_list(
        user=request.auth, unread=unread, category=category, before=before, after=after, limit=limit
    )
    return NotificationsPage(
        notifications=[notification_out(n) for n in notifications],
        unread=selectors.unread_count(user=request.auth),
    )


@router.get("/notifications/unread", response={200: UnreadOut, **ERRORS})
def unread(request: HttpRequest) -> dict[str, int]:
    return {"unread": selectors.unread_count(user=request.auth)}


@router.post("/notifications/read-all", response={200: UnreadOut, **ERRORS})
def mark_all_read(request: HttpRequest) -> dict[str, int]:
    services.notification_mark_all_read(user=request.auth)
    return {"unread": 0}


@router.post("/notifications/{notification_id}/read", response={200: UnreadOut, **ERRORS})
def mark_read(request: HttpRequest, notification_id: int) -> dict[str, int]:
    services.notification_mark(user=request.auth, notification_id=notification_id)
    return {"unread": selectors.unread_count(user=request.auth)}


@router.post("/notifications/{notification_id}/unread", response={200: UnreadOut, **ERRORS})
def mark_unread(request: HttpRequest, notification_id: int) -> dict[str, int]:
    services.notification_mark(user=request.auth, notification_id=notification_id, unread=True)
    return {"unread": selectors.unread_count(user=request.auth)}


@router.delete("/notifications/{notification_id}", response={200: UnreadOut, **ERRORS})
def delete(request: HttpRequest, notification_id: int) -> dict[str, int]:
    services.notification_delete(user=request.auth, notification_id=notification_id)
    return {"unread": selectors.unread_count(user=request.auth)}


@router.get("/me/notification-settings", response={200: DeliverySettingsOut, **ERRORS})
def get_settings(request: HttpRequest) -> DeliverySettingsOut:
    settings = selectors.delivery_settings_of(user=request.auth)
    return delivery_settings_out(settings, timezone=request.auth.zone.key)


@router.patch("/me/notification-settings", response={200: DeliverySettingsOut, **ERRORS})
def patch_settings(request: HttpRequest, payload: SettingsPatch) -> DeliverySettingsOut:
    changes = payload.dict(exclude_unset=True)
    if changes.get("email_categories") is not None:
        changes["email_categories"] = [str(c) for c in changes["email_categories"]]

    settings = services.settings_update(user=request.auth, **changes)
    return delivery_settings_out(settings, timezone=request.auth.zone.key)


@router.get("/communities/{slug}/notification-level", response={200: LevelOut, **ERRORS})
def get_community_level(request: HttpRequest, slug: str) -> dict[str, str]:
    community = community_selectors.community_by_slug(slug=slug)
    level, source = selectors.level_for(user=request.auth, community_id=community.pk)
    return {"level": level, "source": source}


@router.put("/communities/{slug}/notification-level", response={200: LevelOut, **ERRORS})
def set_community_level(request: HttpRequest, slug: str, payload: LevelIn) -> dict[str, str]:
    community = community_selectors.community_by_slug(slug=slug)
    services.preference_set(user=request.auth, community=community, level=payload.level)
    return {"level": payload.level, "source": "community"}


@router.get("/rooms/{room_id}/notification-level", response={200: LevelOut, **ERRORS})
def get_room_level(request: HttpRequest, room_id: int) -> dict[str, str]:
    room = community_selectors.room_for_reader(user=request.auth, room_id=room_id)
    level, source = selectors.level_for(
        user=request.auth, community_id=room.community_id, room_id=room.pk
    )
    return {"level": level, "source": source}


@router.put("/rooms/{room_id}/notification-level", response={200: LevelOut, **ERRORS})
def set_room_level(request: HttpRequest, room_id: int, payload: LevelIn) -> dict[str, str]:
    """``watching`` follows a room or resource thread; ``mute`` silences it."""
    room = community_selectors.room_get(room_id=room_id)
    services.preference_set(
        user=request.auth, community=room.community, room=room, level=payload.level
    )
    return {"level": payload.level, "source": "room"}


# --- Web Push ------------------------------------------------------------------------------------


class PushKeysIn(Schema):
    p256dh: str = Field(..., max_length=200, description="The browser's P-256 key, base64url")
    auth: str = Field(..., max_length=100, description="Its 16-byte auth secret, base64url")


class PushSubscriptionIn(Schema):
    """``PushSubscription.toJSON()`` as the browser gives it (``expirationTime`` is ignored)."""

    endpoint: str = Field(..., max_length=2048)
    keys: PushKeysIn


@router.get("/push/key", response={200: PushKeyOut, **ERRORS})
def push_key(request: HttpRequest) -> dict[str, str]:
    """The `applicationServerKey` to subscribe with."""
    return {"public_key": push_keys.public_key()}


@router.get("/me/push-subscriptions", response={200: list[PushDeviceOut], **ERRORS})
def push_subscriptions(request: HttpRequest) -> list[PushDeviceOut]:
    """The devices that get the user's notifications as Web Push."""
    return [push_device_out(s) for s in selectors.push_devices_of(user=request.auth)]


@router.post("/me/push-subscriptions", response={200: PushDeviceOut, 201: PushDeviceOut, **ERRORS})
def push_subscribe(request: HttpRequest, payload: PushSubscriptionIn) -> Status:
    """Register this browser's subscription (201; 200 when it was registered already).
    Signing out of this session removes it again."""
    subscription, created = push_services.push_subscription_register(
        user=request.auth,
        endpoint=payload.endpoint,
        p256dh=payload.keys.p256dh,
        auth=payload.keys.auth,
        user_agent=request.headers.get("User-Agent", ""),
        session_key=request.headers.get("X-Session-Token") or request.session.session_key,
    )
    return Status(201 if created else 200, push_device_out(subscription))


@router.delete("/me/push-subscriptions/{subscription_id}", response={204: None, **ERRORS})
def push_unsubscribe(request: HttpRequest, subscription_id: int) -> Status:
    """Stop pushing to one of the user's devices."""
    push_services.push_subscription_remove(user=request.auth, subscription_id=subscription_id)
    return Status(204, None)
