"""Notification preferences, delivery settings and the fan-out outbox.

The notifications themselves are django-notifications-community's ``Notification`` rows."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from core.notify import Category

from .categories import DEFAULT_LEVEL, Level


class PreferenceQuerySet(models.QuerySet):
    def watching(self, *, room: Any, community: Any) -> PreferenceQuerySet:
        """The one definition of who watches a room: a ``watching`` level on the room, or on
        its community without a level of their own for the room. Values may be SQL
        expressions: the post statement uses this query, compiled once (``watching.py``)."""
        own_room_level = NotificationPreference.objects.filter(user=OuterRef("user"), room=room)
        return (
            self.alias(own_level=Exists(own_room_level))
            .filter(level=Level.WATCHING)
            .filter(Q(room=room) | Q(community=community, room__isnull=True, own_level=False))
        )


class NotificationPreference(models.Model):
    """A user's level for one community (``room`` empty) or one room / resource thread."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    community = models.ForeignKey("community.Community", on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(
        "community.Room", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    level = models.CharField(max_length=10, choices=Level.choices, default=DEFAULT_LEVEL)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PreferenceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "community"],
                condition=Q(room__isnull=True),
                name="one_community_level_per_user",
            ),
            models.UniqueConstraint(
                fields=["user", "room"],
                condition=Q(room__isnull=False),
                name="one_room_level_per_user",
            ),
        ]
        indexes = [models.Index(fields=["community", "room", "level"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.level} for {self.room_id or self.community_id}"


class EmailMode(models.TextChoices):
    IMMEDIATELY = "immediately", _("Immediately")
    DAILY = "daily", _("Daily digest")
    WEEKLY = "weekly", _("Weekly digest")
    NEVER = "never", _("Never")


def _all_categories() -> list[str]:
    return list(Category.values)


class DeliverySettings(models.Model):
    """How a teacher wants to be told. Defaults are school-friendly: live in the app, a daily
        email digest at 07:00, and quiet evenings and nights (19:00-07:00) in their time zone (the
    user's own, ``User.timezone``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delivery_settings"
    )
    live = models.BooleanField(default=True, help_text="Push to open apps and pages")
    email_mode = models.CharField(max_length=12, choices=EmailMode.choices, default=EmailMode.DAILY)
    # Categories that may be emailed (each email carries a one-click unsubscribe per category).
    email_categories = models.JSONField(default=_all_categories)
    quiet_start = models.TimeField(null=True, blank=True, default=time(19, 0))
    quiet_end = models.TimeField(null=True, blank=True, default=time(7, 0))
    digest_hour = models.PositiveSmallIntegerField(default=7)
    # Weekly digests go out on this weekday (0 = Monday).
    digest_weekday = models.PositiveSmallIntegerField(default=0)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Delivery settings of {self.user_id}"


class JobState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class OutboxJob(models.Model):
    """A durable fan-out job, written in the same transaction as whatever caused it. The
    worker turns it into notification rows in one transaction of its own, so a job is done
    completely, or not at all and picked up again."""

    # Workers only claim jobs of their own queue (KRING_OUTBOX_QUEUE): separate deployments
    # (or test servers) sharing one database do not take each other's jobs.
    queue = models.CharField(max_length=30, default="default")
    kind = models.CharField(max_length=30)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["queue", "state", "id"])]

    def __str__(self) -> str:
        return f"{self.kind} job {self.pk} ({self.state})"


class PushSubscription(models.Model):
    """One browser's Web Push subscription (a device): where its push service takes pushes
    for it, and the keys its pushes are encrypted to (RFC 8291)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    # The endpoint is a capability URL (whoever knows it can push to the device): stored, never
    # shown; pages recognise a device by the SHA-256 of it.
    endpoint = models.TextField()
    endpoint_hash = models.CharField(max_length=64, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=50)
    browser = models.CharField(max_length=40, blank=True)
    platform = models.CharField(max_length=40, blank=True)
    # Which sign-in registered it: signing out of that session removes it (a shared computer
    # must not keep showing the last teacher's notifications).
    session_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_push_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["session_hash"])]

    def __str__(self) -> str:
        return f"push subscription {self.pk} of {self.user_id}"


class PushState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not needed (already read)")
    FAILED = "failed", _("Failed")


class PushDelivery(models.Model):
    """One notification to one device: written in the notification job's transaction (so it
    exists exactly when the notification does, once per device), claimed and sent by a
    worker (``delivery/push/sender.py``)."""

    notification = models.ForeignKey(
        "notifications.Notification", on_delete=models.CASCADE, related_name="+"
    )
    subscription = models.ForeignKey(
        PushSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    # The outbox queue of the job that wrote it: only that queue's workers send it.
    queue = models.CharField(max_length=30, default="default")
    state = models.CharField(max_length=10, choices=PushState.choices, default=PushState.PENDING)
    # Not sent before this (quiet hours; a busy push service's Retry-After).
    not_before = models.DateTimeField()
    claimed_by = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "subscription"], name="one_push_per_notification_device"
            )
        ]
        indexes = [models.Index(fields=["queue", "state", "not_before"])]

    def __str__(self) -> str:
        return f"push of {self.notification_id} to {self.subscription_id} ({self.state})"
