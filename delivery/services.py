"""Writing side of notifications: enqueueing fan-out jobs, preferences, delivery settings,
marking read, announcements.

Services elsewhere call ``notify_*`` inside their own transaction: that writes one durable
``OutboxJob`` row (nothing else), so the request returns without waiting for the fan-out, and
the job exists exactly when the cause committed. The worker does the rest (``fanout.py``).
"""

from __future__ import annotations

import zoneinfo
from datetime import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Model, Q
from notifications.models import Notification

from community.errors import Forbidden, Invalid, NotFound
from facilitators.permissions import can_read_rooms
from realtime.events import wake_worker_on_commit

from .categories import Category, Level
from .models import DeliverySettings, EmailMode, NotificationPreference, OutboxJob


def _target(target: Model | None) -> dict[str, Any] | None:
    if target is None:
        return None
    return {"model": target._meta.label_lower, "id": target.pk}


def fanout_enqueue(*, kind: str, payload: dict[str, Any]) -> OutboxJob:
    """Record a fan-out job in the current transaction; the worker is woken after commit."""
    job = OutboxJob.objects.create(queue=settings.KRING_OUTBOX_QUEUE, kind=kind, payload=payload)
    wake_worker_on_commit()
    return job


def notify_users(
    *,
    actor: Any,
    user_ids: list[int],
    category: str,
    verb: str,
    community_id: int | None = None,
    room_id: int | None = None,
    target: Model | None = None,
    text: str = "",
    url: str = "",
    members_only: bool = True,
) -> OutboxJob | None:
    """Notify these users (never the actor). Their levels for the community/room apply, and
    only active members are told unless ``members_only`` is false (someone just removed,
    banned or declined still hears about it)."""
    recipients = sorted({uid for uid in user_ids if uid and uid != getattr(actor, "pk", None)})
    if not recipients:
        return None
    return fanout_enqueue(
        kind="users",
        payload={
            "actor": getattr(actor, "pk", None),
            "users": recipients,
            "members_only": members_only,
            "category": category,
            "verb": verb,
            "community": community_id,
            "room": room_id,
            "target": _target(target),
            "text": text[:300],
            "url": url,
        },
    )


def notify_community(
    *,
    actor: Any,
    community_id: int,
    category: str,
    verb: str,
    room_id: int | None = None,
    target: Model | None = None,
    text: str = "",
    url: str = "",
) -> OutboxJob:
    """Notify every active member of a community (except the actor) whose level takes this
    category."""
    return fanout_enqueue(
        kind="community",
        payload={
            "actor": getattr(actor, "pk", None),
            "category": category,
            "verb": verb,
            "community": community_id,
            "room": room_id,
            "target": _target(target),
            "text": text[:300],
            "url": url,
        },
    )


def notify_message(
    *, event: Any, community_id: int, watched: bool | None = None
) -> OutboxJob | None:
    """A new message may notify mentioned people, the author replied to and the room's
    watchers; the worker works out who. Nothing is enqueued when it cannot notify anyone.
    ``watched`` (anyone watches the room) may be passed in when the caller already knows."""
    if watched is None:
        watched = NotificationPreference.objects.filter(
            _watching(community_id=community_id, room_id=event.room_id)
        ).exists()
    if "@" not in event.body and event.reply_to_id is None and not watched:
        return None
    return fanout_enqueue(
        kind="message",
        payload={"event": event.pk, "room": event.room_id, "community": community_id},
    )


def _watching(*, community_id: int, room_id: int) -> Q:
    return (Q(room_id=room_id) | Q(community_id=community_id, room__isnull=True)) & Q(
        level=Level.WATCHING
    )


# --- preferences and settings --------------------------------------------------------------


def preference_set(
    *, user: Any, community: Any, room: Any = None, level: str
) -> NotificationPreference:
    if not can_read_rooms.test(user, community):
        raise Forbidden("Only members choose how they hear from a community.")
    if level not in Level.values:
        raise Invalid(f"Unknown level '{level}'; choose from {', '.join(Level.values)}.")
    if room is not None and room.community_id != community.pk:
        raise Invalid("That room belongs to another community.")
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, community=community, room=room, defaults={"level": level}
    )
    return preference


def follow_on_comment(*, user: Any, room: Any) -> None:
    """Commenting in a thread follows it (``watching``) unless the user chose a level."""
    NotificationPreference.objects.get_or_create(
        user=user, community_id=room.community_id, room=room, defaults={"level": Level.WATCHING}
    )


def settings_get(*, user: Any) -> DeliverySettings:
    found, _ = DeliverySettings.objects.get_or_create(user=user)
    return found


def settings_update(*, user: Any, **changes: Any) -> DeliverySettings:
    allowed = {"live", "email_mode", "email_categories", "timezone", "quiet_start", "quiet_end",
               "digest_hour", "digest_weekday"}  # fmt: skip
    unknown = set(changes) - allowed
    if unknown:
        raise Invalid(f"Unknown settings: {', '.join(sorted(unknown))}.")
    # Only the quiet hours can be switched off with null.
    missing = sorted(
        f for f, v in changes.items() if v is None and f not in ("quiet_start", "quiet_end")
    )
    if missing:
        raise Invalid(f"{', '.join(missing)}: a value is required.")

    if "email_mode" in changes and changes["email_mode"] not in EmailMode.values:
        raise Invalid(f"email_mode: choose from {', '.join(EmailMode.values)}.")
    if "email_categories" in changes:
        bad = set(changes["email_categories"]) - set(Category.values)
        if bad:
            raise Invalid(f"email_categories: unknown {sorted(bad)}.")
        changes["email_categories"] = sorted(set(changes["email_categories"]))
    if "timezone" in changes:
        try:
            zoneinfo.ZoneInfo(changes["timezone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise Invalid(f"timezone: '{changes['timezone']}' is not an IANA time zone.") from None
    for field in ("quiet_start", "quiet_end"):
        if changes.get(field) is not None:
            if not isinstance(changes[field], time):
                raise Invalid(f"{field}: a time of day, e.g. 19:00.")
            # A time of day in the user's own time zone: an offset sent with it means nothing.
            changes[field] = changes[field].replace(tzinfo=None)

    if "digest_hour" in changes and not 0 <= int(changes["digest_hour"]) <= 23:
        raise Invalid("digest_hour: 0 to 23.")
    if "digest_weekday" in changes and not 0 <= int(changes["digest_weekday"]) <= 6:
        raise Invalid("digest_weekday: 0 (Monday) to 6 (Sunday).")
    with transaction.atomic():
        current = DeliverySettings.objects.select_for_update().get_or_create(user=user)[0]
        for field, value in changes.items():
            setattr(current, field, value)
        current.save()
    return current


def email_category_unsubscribe(*, user: Any, category: str) -> DeliverySettings:
    current = settings_get(user=user)
    remaining = [c for c in current.email_categories if c != category]
    return settings_update(user=user, email_categories=remaining)


# --- reading ------------------------------------------------------------------------------------


def _own(user: Any, notification_id: int) -> Notification:
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None:
        raise NotFound(f"No notification {notification_id}.")
    if notification.recipient_id != user.pk:
        # Someone else's notification: as far as this user knows, it does not exist.
        raise NotFound(f"No notification {notification_id}.")
    return notification


def notification_mark(*, user: Any, notification_id: int, unread: bool = False) -> Notification:
    notification = _own(user, notification_id)
    Notification.objects.filter(pk=notification.pk).update(unread=unread)
    notification.unread = unread
    return notification


def notification_mark_all_read(*, user: Any) -> int:
    return Notification.objects.filter(recipient=user, unread=True).update(unread=False)


def notification_delete(*, user: Any, notification_id: int) -> None:
    _own(user, notification_id).delete()
