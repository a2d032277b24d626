"""What the delivery app holds of a person, for the GDPR export and erasure (``core.gdpr``)."""

from __future__ import annotations

from typing import Any

from notifications.models import Notification

from community.models import User
from core.gdpr import iso

from .models import DeliverySettings, NotificationPreference, PushSubscription


def export_notifications(user: User) -> list[dict[str, Any]]:
    return [
        {
            "id": n.pk,
            "verb": n.verb,
            "text": n.description,
            "unread": n.unread,
            "created_at": iso(n.timestamp),
            "data": n.data,
        }
        for n in Notification.objects.filter(recipient=user).order_by("pk")
    ]


def export_preferences(user: User) -> list[dict[str, Any]]:
    return list(
        NotificationPreference.objects.filter(user=user).values("community_id", "room_id", "level")
    )


def export_delivery_settings(user: User) -> dict[str, Any] | None:
    delivery = DeliverySettings.objects.filter(user=user).first()
    if delivery is None:
        return None
    return {
        "live": delivery.live,
        "email_mode": delivery.email_mode,
        "email_categories": delivery.email_categories,
        "quiet_start": str(delivery.quiet_start) if delivery.quiet_start else None,
        "quiet_end": str(delivery.quiet_end) if delivery.quiet_end else None,
    }


def erase(user: User, erase_messages: bool) -> None:
    """Their notifications go; with ``erase_messages``, so do the excerpts of what they wrote
    in other people's notifications."""
    if erase_messages:
        Notification.objects.filter(actor_object_id=str(user.pk)).update(description="")
    Notification.objects.filter(recipient=user).delete()


def export_push_subscriptions(user: User) -> list[dict[str, Any]]:
    """The devices that get their Web Push notifications (the endpoint is where their push
    service takes them)."""
    return [
        {
            "id": s.pk,
            "browser": s.browser,
            "platform": s.platform,
            "endpoint": s.endpoint,
            "created_at": iso(s.created_at),
            "last_push_at": iso(s.last_push_at),
        }
        for s in PushSubscription.objects.filter(user=user).order_by("pk")
    ]


def erase_push_subscriptions(user: User, erase_messages: bool) -> None:
    PushSubscription.objects.filter(user=user).delete()
