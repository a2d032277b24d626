"""Learning analytics: daily rollups the worker keeps (never computed per page view), the
targets facilitators set, nudges sent, and the xAPI statements Kring made (and forwarded).

Every rollup row of a (community, day) is a pure function of the raw tables for that day
(``facts.day_facts``); the summaries (``MemberSummary``, ``Tie``) are aggregates of those rows.
So any day can be recomputed at any time, any number of times, with the same result.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CommunityTarget(models.Model):
    """What a community aims for: active members in a window, set by its facilitators."""

    community = models.OneToOneField(
        "community.Community", on_delete=models.CASCADE, related_name="analytics_target"
    )
    active_members = models.PositiveIntegerField(_("active members"), null=True, blank=True)
    window_days = models.PositiveSmallIntegerField(default=30)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.community_id}: {self.active_members} active in {self.window_days} days"


class CommunityDay(models.Model):
    """One community's counts of one UTC day."""

    community = models.ForeignKey("community.Community", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    messages = models.PositiveIntegerField(default=0)
    replies = models.PositiveIntegerField(default=0)
    # Top-level messages of the day that got at least one reply (a conversation started).
    threads = models.PositiveIntegerField(default=0)
    questions = models.PositiveIntegerField(default=0)
    reactions = models.PositiveIntegerField(default=0)
    used_in_class = models.PositiveIntegerField(default=0)
    materials_shared = models.PositiveIntegerField(default=0)
    adaptations = models.PositiveIntegerField(default=0)
    # This community's materials adapted in other communities that day (reach).
    adapted_elsewhere = models.PositiveIntegerField(default=0)
    attendances = models.PositiveIntegerField(default=0)
    active_people = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "day"], name="analytics_one_day")
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.day}"


class MemberDay(models.Model):
    """What one person did in one community on one UTC day (only days they did something)."""

    community = models.ForeignKey("community.Community", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    posts = models.PositiveIntegerField(default=0)
    replies = models.PositiveIntegerField(default=0)
    reactions = models.PositiveIntegerField(default=0)
    attended = models.PositiveIntegerField(default=0)
    shared = models.PositiveIntegerField(default=0)
    adapted = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["community", "day", "user"], name="analytics_one_member_day"
            )
        ]
        indexes = [models.Index(fields=["community", "user", "day"], name="analytics_member_days")]

    def __str__(self) -> str:
        return f"{self.community_id} {self.day} {self.user_id}"


class MemberSummary(models.Model):
    """A person's activity in a community over all days: the aggregate of their MemberDays,
    so "active in the last 30 days" is one indexed count, not a scan of the event log."""

    community = models.ForeignKey("community.Community", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    first_day = models.DateField()
    last_day = models.DateField()
    active_days = models.PositiveIntegerField(default=0)
    posts = models.PositiveIntegerField(default=0)
    replies = models.PositiveIntegerField(default=0)
    reactions = models.PositiveIntegerField(default=0)
    attended = models.PositiveIntegerField(default=0)
    shared = models.PositiveIntegerField(default=0)
    adapted = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="analytics_one_summary")
        ]
        indexes = [models.Index(fields=["community", "last_day"], name="analytics_last_active")]

    def __str__(self) -> str:
        return f"{self.community_id} {self.user_id} {self.first_day}..{self.last_day}"


class TieVia(models.IntegerChoices):
    """How two people interacted (bits, so one row can hold several)."""

    REPLY = 1, _("replied to each other")
    ADAPTATION = 2, _("adapted each other's material")
    EVENT = 4, _("met at an event")


class TieDay(models.Model):
    """Two members from different countries who interacted in a community on a UTC day
    (``low`` < ``high`` by user id, so each pair is one row)."""

    community = models.ForeignKey("community.Community", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    low = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    high = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    low_country = models.CharField(max_length=2)
    high_country = models.CharField(max_length=2)
    via = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["community", "day", "low", "high"], name="analytics_one_tie_day"
            )
        ]
        indexes = [models.Index(fields=["community", "low", "high"], name="analytics_tie_days")]

    def __str__(self) -> str:
        return f"{self.community_id} {self.day} {self.low_id}-{self.high_id}"


class Tie(models.Model):
    """A cross-border tie in a community over all days: the aggregate of its TieDays."""

    community = models.ForeignKey("community.Community", on_delete=models.CASCADE, related_name="+")
    low = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    high = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    low_country = models.CharField(max_length=2)
    high_country = models.CharField(max_length=2)
    first_day = models.DateField()
    last_day = models.DateField()
    days = models.PositiveIntegerField(default=0)
    via = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "low", "high"], name="analytics_one_tie")
        ]
        indexes = [models.Index(fields=["community", "first_day"], name="analytics_tie_first")]

    def __str__(self) -> str:
        return f"{self.community_id} {self.low_id}-{self.high_id}"


class Question(models.Model):
    """A top-level message asking something (it has a question mark), and when someone else
    first answered it in its thread: the rollup behind "median time to a first reply"."""

    message = models.OneToOneField(
        "community.RoomEvent", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    community = models.ForeignKey("community.Community", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    asked_at = models.DateTimeField()
    first_reply_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["community", "day"], name="analytics_questions")]

    def __str__(self) -> str:
        return f"{self.community_id} {self.message_id}"


class DirtyDay(models.Model):
    """A (community, day) whose raw facts changed since it was last rolled up. Marking again
    moves ``marked_at``, so a rollup that read the facts before the mark does not clear it."""

    community = models.ForeignKey("community.Community", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    marked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "day"], name="analytics_one_dirty_day")
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.day}"


class SweepCursor(models.Model):
    """How far the worker's sweep has read each raw table (ids, or a time)."""

    name = models.CharField(max_length=40, unique=True)
    last_id = models.BigIntegerField(default=0)
    last_time = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} {self.last_id} {self.last_time}"


class Nudge(models.Model):
    """A friendly "we miss you" a facilitator sent a dormant member."""

    community = models.ForeignKey("community.Community", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["community", "user", "-sent_at"], name="analytics_nudges")]

    def __str__(self) -> str:
        return f"{self.community_id} {self.user_id} {self.sent_at}"


class ForwardState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent to the LRS")
    HELD = "held", _("Not sent: the member opted out")
    OFF = "off", _("Not sent: no LRS configured")
    FAILED = "failed", _("Not sent: the LRS kept refusing it")


class XapiStatement(models.Model):
    """One xAPI 1.0.3 statement, exactly as made (and, if forwarded, as sent). Its id is a
    UUID derived from what it records (``source``), so making it again yields the same
    statement and an LRS stores it once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    source = models.CharField(max_length=80, unique=True)
    community = models.ForeignKey("community.Community", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    verb = models.CharField(max_length=30)
    timestamp = models.DateTimeField()
    statement = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    forward_state = models.CharField(
        max_length=10, choices=ForwardState.choices, default=ForwardState.OFF
    )
    forward_attempts = models.PositiveSmallIntegerField(default=0)
    next_forward_at = models.DateTimeField(null=True, blank=True)
    forwarded_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["community", "timestamp"], name="xapi_by_community"),
            models.Index(fields=["forward_state", "next_forward_at"], name="xapi_to_forward"),
            models.Index(fields=["user", "timestamp"], name="xapi_by_user"),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.source}"


class XapiOptOut(models.Model):
    """A member who does not want their statements forwarded to an LRS."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="xapi_opt_out"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user_id}"
