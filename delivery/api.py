"""JSON API of notifications: the list, read state, levels and delivery settings,
announcements. Everything here is the requesting user's own."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from community import selectors as community_selectors
from community.api import ERRORS
from facilitators import services as facilitator_services
from realtime.envelopes import EventFrame, NotificationOut, encode, event_frame, notification_out

from . import selectors, services
from .categories import Category, Level

router = Router(tags=["notifications"])


class NotificationsPage(Schema):
    notifications: list[NotificationOut]
    unread: int


class UnreadOut(Schema):
    unread: int


class LevelIn(Schema):
    level: Level


class LevelOut(Schema):
    level: str
    source: str = Field(description="room, community or default")


class SettingsSchema(Schema):
    live: bool
    email_mode: str = Field(description="immediately, daily, weekly or never")
    email_categories: list[Category]
    timezone: str
    quiet_start: time | None
    quiet_end: time | None
    digest_hour: int = Field(ge=0, le=23)
    digest_weekday: int = Field(ge=0, le=6, description="0 = Monday")


class SettingsPatch(Schema):
    live: bool | None = None
    email_mode: str | None = None
    email_categories: list[Category] | None = None
    timezone: str | None = Field(None, max_length=64)
    quiet_start: time | None = None
    quiet_end: time | None = None
    digest_hour: int | None = Field(None, ge=0, le=23)
    digest_weekday: int | None = Field(None, ge=0, le=6)


class AnnouncementIn(Schema):
    body: str = Field(..., min_length=1)


def _settings_out(delivery: Any) -> dict[str, Any]:
    return {field: getattr(delivery, field) for field in SettingsSchema.model_fields}


@router.get("/notifications", response={200: NotificationsPage, **ERRORS})
def list_notifications(
    request: HttpRequest,
    unread: bool | None = None,
    category: Category | None = None,
    before: int | None = Query(None, description="Older than this notification id"),
    after: int | None = Query(None, description="Newer than this id, oldest first (catch-up)"),
    limit: int = Query(50, ge=1, le=200),
) -> dict[str, Any]:
    notifications = selectors.notification_list(
        user=request.auth, unread=unread, category=category, before=before, after=after, limit=limit
    )
    return {
        "notifications": [notification_out(n) for n in notifications],
        "unread": selectors.unread_count(user=request.auth),
    }


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


@router.get("/me/notification-settings", response={200: SettingsSchema, **ERRORS})
def get_settings(request: HttpRequest) -> dict[str, Any]:
    return _settings_out(services.settings_get(user=request.auth))


@router.patch("/me/notification-settings", response={200: SettingsSchema, **ERRORS})
def patch_settings(request: HttpRequest, payload: SettingsPatch) -> dict[str, Any]:
    changes = payload.dict(exclude_unset=True)
    if changes.get("email_categories") is not None:
        changes["email_categories"] = [str(c) for c in changes["email_categories"]]

    return _settings_out(services.settings_update(user=request.auth, **changes))


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


@router.post("/communities/{slug}/announcements", response={201: EventFrame, **ERRORS})
def post_announcement(request: HttpRequest, slug: str, payload: AnnouncementIn) -> HttpResponse:
    """Facilitators: an announcement in the general room, notified to every member."""
    community = community_selectors.community_by_slug(slug=slug)

    event = facilitator_services.announcement_post(
        actor=request.auth, community=community, body=payload.body
    )
    return HttpResponse(encode(event_frame(event)), status=201, content_type="application/json")
