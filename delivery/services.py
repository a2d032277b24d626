"""Writing side of notifications: the outbox store, the message hook, following rooms,
preferences, delivery settings, marking read.

Services elsewhere call ``core.notify`` inside their own transaction: that writes one durable
``OutboxJob`` row here (nothing else), so the request returns without waiting for the
fan-out, and the job exists exactly when the cause committed. The worker does the rest
(``fanout.py``).
"""

from __future__ import annotations

from datetime import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from notifications.models import Notification

from community.models import Community, Room, RoomEvent, RoomKind, User
from community.permissions import can_read_rooms
from community.registry import PostingContext
from community.services import profile_update
from core import outbox
from core.emitters import wake_worker_on_commit
from core.errors import Forbidden, Invalid, NotFound
from core.notify import Category

from . import selectors
from .categories import Level
from .models import DeliverySettings, EmailMode, JobState, NotificationPreference, OutboxJob

MESSAGE_JOB = "message"
# Commenting in these rooms follows them (a teaching material's thread).
FOLLOW_ON_COMMENT = frozenset({RoomKind.RESOURCE})


def job_store(kind: str, payload: dict[str, Any]) -> OutboxJob:
    """``core.outbox``'s store: the job row in the current transaction; the worker is woken
    after commit."""
    job = OutboxJob.objects.create(queue=settings.KRING_OUTBOX_QUEUE, kind=kind, payload=payload)
    wake_worker_on_commit()
    return job


def message_posted(event: RoomEvent, room: Room, context: PostingContext) -> None:
    """Run in every post's transaction: commenting in a thread follows it, and the message
    may notify mentioned people, the author replied to and the room's watchers (the worker
    works out who). Nothing is enqueued when it cannot notify anyone. Rooms outside any
    community (direct conversations) are notified by the app that owns their kind."""
    if room.community_id is None:
        return
    if room.kind in FOLLOW_ON_COMMENT:
        follow_room(user=event.author, room=room)
    watched = context.checks.get("watched", True)
    if "@" not in event.body and event.reply_to_id is None and not watched:
        return
    outbox.enqueue(
        kind=MESSAGE_JOB,
        payload={"event": event.pk, "room": event.room_id, "community": room.community_id},
    )


def follow_room(*, user: User, room: Room) -> None:
    """Follow a room (``watching``) unless the user chose a level for it; provides
    ``core.notify.follow_room``."""
    NotificationPreference.objects.get_or_create(
        user=user, community_id=room.community_id, room=room, defaults={"level": Level.WATCHING}
    )


# --- preferences and settings --------------------------------------------------------------


def preference_set(
    *, user: User, community: Community, room: Room | None = None, level: str
) -> NotificationPreference:
    if not can_read_rooms.test(user, community):
        raise Forbidden(_("Only members choose how they hear from a community."))
    if level not in Level.values:
        raise Invalid(
            _("Unknown level '%(level)s'; choose from %(value)s.")
            % {"level": level, "value": ", ".join(Level.values)}
        )
    if room is not None and room.community_id != community.pk:
        raise Invalid(_("That room belongs to another community."))
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, community=community, room=room, defaults={"level": level}
    )
    return preference


def settings_update(*, user: User, **changes: Any) -> DeliverySettings:
    allowed = {"live", "email_mode", "email_categories", "timezone", "quiet_start", "quiet_end",
               "digest_hour", "digest_weekday"}  # fmt: skip
    unknown = set(changes) - allowed
    if unknown:
        raise Invalid(_("Unknown settings: %(value)s.") % {"value": ", ".join(sorted(unknown))})
    # Only the quiet hours can be switched off with null.
    missing = sorted(
        f for f, v in changes.items() if v is None and f not in ("quiet_start", "quiet_end")
    )
    if missing:
        raise Invalid(_("%(value)s: a value is required.") % {"value": ", ".join(missing)})

    if "email_mode" in changes and changes["email_mode"] not in EmailMode.values:
        raise Invalid(
            _("email_mode: choose from %(value)s.") % {"value": ", ".join(EmailMode.values)}
        )
    if "email_categories" in changes:
        bad = set(changes["email_categories"]) - set(Category.values)
        if bad:
            raise Invalid(_("email_categories: unknown %(bad)s.") % {"bad": sorted(bad)})
        changes["email_categories"] = sorted(set(changes["email_categories"]))
    for field in ("quiet_start", "quiet_end"):
        if changes.get(field) is not None:
            if not isinstance(changes[field], time):
                raise Invalid(_("%(field)s: a time of day, e.g. 19:00.") % {"field": field})
            # A time of day in the user's own time zone: an offset sent with it means nothing.
            changes[field] = changes[field].replace(tzinfo=None)

    if "digest_hour" in changes and not 0 <= int(changes["digest_hour"]) <= 23:
        raise Invalid(_("digest_hour: 0 to 23."))
    if "digest_weekday" in changes and not 0 <= int(changes["digest_weekday"]) <= 6:
        raise Invalid(_("digest_weekday: 0 (Monday) to 6 (Sunday)."))
    with transaction.atomic():
        if "timezone" in changes:  # the user's own, used everywhere, not only here
            profile_update(user=user, timezone=changes.pop("timezone"))
        current = DeliverySettings.objects.select_for_update().get_or_create(user=user)[0]
        for field, value in changes.items():
            setattr(current, field, value)
        current.save()
    return current


def email_category_unsubscribe(*, user: User, category: str) -> DeliverySettings:
    current = selectors.delivery_settings_of(user=user)
    remaining = [c for c in current.email_categories if c != category]
    return settings_update(user=user, email_categories=remaining)


# --- reading ------------------------------------------------------------------------------------


def _own(user: User, notification_id: int) -> Notification:
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None:
        raise NotFound(
            _("No notification %(notification_id)s.") % {"notification_id": notification_id}
        )
    if notification.recipient_id != user.pk:
        # Someone else's notification: as far as this user knows, it does not exist.
        raise NotFound(
            _("No notification %(notification_id)s.") % {"notification_id": notification_id}
        )
    return notification


def notification_mark(*, user: User, notification_id: int, unread: bool = False) -> Notification:
    notification = _own(user, notification_id)
    Notification.objects.filter(pk=notification.pk).update(unread=unread)
    notification.unread = unread
    return notification


def notification_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, unread=True).update(unread=False)


def notification_delete(*, user: User, notification_id: int) -> None:
    _own(user, notification_id).delete()


def jobs_retry(*, job_ids: list[int]) -> int:
    """Put failed outbox jobs back in the queue (attempts from zero) and wake the worker;
    jobs that did not fail are left alone. Returns how many will be retried."""
    with transaction.atomic():
        count = OutboxJob.objects.filter(pk__in=job_ids, state=JobState.FAILED).update(
            state=JobState.PENDING, attempts=0
        )
        if count:
            wake_worker_on_commit()
    return count
