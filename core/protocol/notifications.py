"""Notifications as clients see them: pushed live, replayed on catch-up and listed over HTTP,
in the same shape byte for byte."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any, Literal

from django.utils.translation import gettext
from ninja import Schema
from pydantic import Field

from ..notify import render_verb
from .base import Frame, Shape
from .people import AuthorOut, Person, author_out


class NotificationBody(Shape):
    """Everything about a notification that is the same for all its recipients."""

    verb: str
    category: str
    actor: AuthorOut
    text: str
    community: str | None
    room: int | None
    target: dict[str, Any] | None
    url: str
    created_at: datetime


class NotificationOut(NotificationBody):
    id: int
    unread: bool


class NotificationFrame(Frame):
    """A notification for this user; ``seq`` (= its id) grows per user, ``unread`` is the
    user's unread count after it."""

    type: Literal["notification"] = "notification"
    seq: int
    notification: NotificationOut
    unread: int


class NotificationsSyncedFrame(Frame):
    """After ``{"type":"notifications","since":N}``: everything newer was sent; ``more`` says
    the client should page the rest over HTTP."""

    type: Literal["notifications_synced"] = "notifications_synced"
    seq: int
    unread: int
    more: bool = False
    ref: str | None = None


def notification_body(
    *,
    actor: Person | None,
    verb: str,
    category: str,
    text: str,
    community: str | None,
    room: int | None,
    target: dict[str, Any] | None,
    url: str,
    created_at: datetime,
) -> NotificationBody:
    return NotificationBody(
        verb=verb,
        category=category,
        actor=author_out(actor),
        text=text,
        community=community,
        room=room,
        target=target,
        url=url,
        created_at=created_at,
    )


def notification_out(notification: Any) -> NotificationOut:
    """A stored notification row (django-notifications' ``Notification``; ``actor_user``
    attached by the selector), its verb in the active language."""
    data = notification.data or {}
    target = None
    if notification.target_object_id:
        target = {
            "model": f"{notification.target_content_type.app_label}."
            f"{notification.target_content_type.model}",
            "id": int(notification.target_object_id),
        }
    return NotificationOut(
        **notification_body(
            actor=getattr(notification, "actor_user", None),
            verb=render_verb(data.get("verb") or notification.verb),
            category=data.get("category", ""),
            text=notification.description or "",
            community=data.get("community"),
            room=data.get("room"),
            target=target,
            url=data.get("url", ""),
            created_at=notification.timestamp,
        ).model_dump(),
        id=notification.pk,
        unread=notification.unread,
    )


def notification_texts(body: str, recipients: list[list[int]]) -> dict[int, str]:
    """Live frames of one notification for many users, differing only in id/seq and unread
    count: ``body`` (a ``NotificationBody`` encoded once) is wrapped per user. Byte for byte
    what ``encode(NotificationFrame(...))`` gives for the stored row (a test checks)."""
    head = body[:-1]  # the body's fields without its closing brace
    return {
        user_id: (
            f'{{"type":"notification","seq":{nid},"notification":{head},"id":{nid},'
            f'"unread":true}},"unread":{unread}}}'
        )
        for user_id, nid, unread in recipients
    }


class NotificationsPage(Schema):
    notifications: list[NotificationOut]
    unread: int


class UnreadOut(Schema):
    unread: int


class LevelOut(Schema):
    level: str
    source: str = Field(description="room, community or default")


class DeliverySettingsOut(Schema):
    live: bool
    email_mode: str = Field(description="immediately, daily, weekly or never")
    email_categories: list[str] = Field(description="Categories that may be emailed")
    timezone: str
    quiet_start: time | None
    quiet_end: time | None
    digest_hour: int = Field(ge=0, le=23)
    digest_weekday: int = Field(ge=0, le=6, description="0 = Monday")


def delivery_settings_out(settings: Any, *, timezone: str) -> DeliverySettingsOut:
    """A user's ``DeliverySettings`` row, with the user's time zone (which is theirs, not
    only their notifications')."""
    fields = set(DeliverySettingsOut.model_fields) - {"timezone"}
    return DeliverySettingsOut(
        timezone=timezone, **{field: getattr(settings, field) for field in fields}
    )


# --- Web Push ------------------------------------------------------------------------------------
# A push is at most 4 KB once encrypted (RFC 8291 adds 103 bytes): titles and bodies are cut
# well below that, and a phone shows two lines anyway.
PUSH_TITLE_MAX = 150
PUSH_BODY_MAX = 240


class PushPayload(Shape):
    """What a device's service worker receives (encrypted, RFC 8291) and shows: a notification
    (``id``; ``url`` opens it and marks it read) or a ``summary`` of several."""

    type: Literal["notification", "summary"]
    id: int | None
    title: str
    body: str
    url: str
    tag: str = Field(description="Pushes with the same tag replace each other on the device")
    lang: str
    unread: int = Field(description="The user's unread count, for the app badge")
    created_at: datetime


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def push_payload(
    *, notification_id: int, title: str, body: str, url: str, lang: str, unread: int,
    created_at: datetime,
) -> PushPayload:  # fmt: skip
    return PushPayload(
        type="notification",
        id=notification_id,
        title=_cut(title, PUSH_TITLE_MAX),
        body=_cut(body, PUSH_BODY_MAX),
        url=url,
        tag=f"kring-{notification_id}",
        lang=lang,
        unread=unread,
        created_at=created_at,
    )


def push_summary(
    *, title: str, body: str, url: str, lang: str, unread: int, created_at: datetime
) -> PushPayload:
    return PushPayload(
        type="summary",
        id=None,
        title=_cut(title, PUSH_TITLE_MAX),
        body=_cut(body, PUSH_BODY_MAX),
        url=url,
        tag="kring-summary",
        lang=lang,
        unread=unread,
        created_at=created_at,
    )


class PushKeyOut(Schema):
    public_key: str = Field(
        description="The server's VAPID public key (base64url, uncompressed P-256 point): "
        "`applicationServerKey` of `PushManager.subscribe`"
    )


class PushDeviceOut(Schema):
    id: int
    label: str = Field(description="e.g. 'Firefox on Android', in the reader's language")
    browser: str
    platform: str
    fingerprint: str = Field(
        description="SHA-256 (hex) of the subscription's endpoint: a page recognises its own "
        "device by it; the endpoint itself is never shown"
    )
    created_at: datetime
    last_push_at: datetime | None


def push_device_label(browser: str, platform: str) -> str:
    if browser and platform:
        return gettext("%(browser)s on %(platform)s") % {"browser": browser, "platform": platform}
    return browser or platform or gettext("Unknown browser")


def push_device_out(subscription: Any) -> PushDeviceOut:
    """A ``PushSubscription`` row."""
    return PushDeviceOut(
        id=subscription.pk,
        label=push_device_label(subscription.browser, subscription.platform),
        browser=subscription.browser,
        platform=subscription.platform,
        fingerprint=subscription.endpoint_hash,
        created_at=subscription.created_at,
        last_push_at=subscription.last_push_at,
    )
