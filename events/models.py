"""Events and meetings of a community: a single event or a series (an RFC 5545 rule), its
occurrences, who comes (RSVPs with a waiting list), calendar feeds and reminders.

Times are stored in UTC with the organiser's IANA zone; a series repeats at the same wall-clock
time in that zone (19:00 in Amsterdam stays 19:00 across the DST switches). Occurrences are
expanded from the rule; an ``Occurrence`` row exists only for one that has RSVPs, was changed
on its own, or was cancelled.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class EventFormat(models.TextChoices):
    ONLINE = "online", _("Online")
    IN_PERSON = "in_person", _("In person")
    HYBRID = "hybrid", _("Hybrid (in person and online)")


class Audience(models.TextChoices):
    MEMBERS = "members", _("Members of this community")
    # Later tied to networks of communities; for now the organiser lists the communities.
    NETWORK = "network", _("Also members of the communities listed")


def new_uid() -> str:
    return f"{uuid.uuid4()}@kring"


class Event(models.Model):
    community = models.ForeignKey(
        "community.Community", on_delete=models.CASCADE, related_name="events"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=10_000)  # Markdown
    description_html = models.TextField(blank=True)
    # The organiser's zone: the rule repeats in its wall-clock time; pages show it beside the
    # viewer's own time.
    timezone = models.CharField(max_length=64)
    # The first occurrence (DTSTART), in UTC.
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # RFC 5545 RRULE value ("FREQ=MONTHLY;BYDAY=1TU"), UNTIL in UTC; empty: a single event.
    rrule = models.CharField(max_length=500, blank=True)
    # The end of the last occurrence by the rule (null: the series has no end); lets a window
    # query skip series that are over without expanding them.
    last_ends_at = models.DateTimeField(null=True, blank=True)
    format = models.CharField(max_length=10, choices=EventFormat.choices)
    location = models.CharField(max_length=300, blank=True)
    online_url = models.URLField(max_length=500, blank=True)
    # Seats per occurrence; null: no limit.
    capacity = models.PositiveIntegerField(null=True, blank=True)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.MEMBERS)
    guest_communities = models.ManyToManyField(
        "community.Community", blank=True, related_name="guest_events"
    )
    organisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="organised_events"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The live room (kind "event"); the parts of a series split by "edit this and following"
    # share it. RESTRICT: not deleted on its own, but with the community.
    room = models.ForeignKey("community.Room", on_delete=models.RESTRICT, related_name="meetings")
    agenda = models.TextField(blank=True, max_length=5000)  # Markdown, pinned in the room
    agenda_message = models.ForeignKey(
        "community.RoomEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(blank=True, max_length=10_000)  # Markdown, after the event
    notes_html = models.TextField(blank=True)
    materials = models.JSONField(default=list, blank=True)  # [{"title", "url"}]
    # iCalendar: UID stays across edits; SEQUENCE goes up with each change people must see.
    uid = models.CharField(max_length=100, unique=True, default=new_uid)
    sequence = models.PositiveIntegerField(default=0)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # When the series' times were last set: a reminder whose moment came before this (an
    # event scheduled 10 hours ahead) is not sent late.
    scheduled_at = models.DateTimeField(auto_now_add=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["community", "starts_at"]),
            models.Index(fields=["starts_at", "last_ends_at"], name="event_window"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def duration(self):  # type: ignore[no-untyped-def]
        return self.ends_at - self.starts_at


class Occurrence(models.Model):
    """One occurrence that needs a row: it has RSVPs (and so the seat counter that RSVPs lock),
    it was changed on its own ("edit this one"), or it was cancelled."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="occurrences")
    # Its start by the rule, in UTC: its name (RECURRENCE-ID), whatever it is moved to.
    original_start = models.DateTimeField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # This occurrence's own title/description/location/online_url/format, when changed alone.
    overrides = models.JSONField(default=dict, blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True)
    # Kept by the RSVP service under this row's lock; the check below refuses over-booking
    # even if a code path forgot the lock.
    going_count = models.PositiveIntegerField(default=0)
    maybe_count = models.PositiveIntegerField(default=0)
    waiting_count = models.PositiveIntegerField(default=0)
    sequence = models.PositiveIntegerField(default=0)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)  # when moved on its own
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["event", "original_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "original_start"], name="one_row_per_occurrence"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(going_count__lte=F("capacity")),
                name="occurrence_not_overbooked",
            ),
        ]
        indexes = [models.Index(fields=["starts_at"])]

    def __str__(self) -> str:
        return f"{self.event_id}@{self.original_start:%Y-%m-%dT%H:%MZ}"


class RsvpStatus(models.TextChoices):
    GOING = "going", _("Going")
    MAYBE = "maybe", _("Maybe")
    NO = "no", _("Not going")


class Rsvp(models.Model):
    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_rsvps"
    )
    status = models.CharField(max_length=10, choices=RsvpStatus.choices)
    # Going, but no seat was free: on the waiting list, in the order of ``waitlisted_at``.
    waitlisted = models.BooleanField(default=False)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    # Marked by an organiser after the event (null: not marked).
    attended = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "user"], name="one_rsvp_per_occurrence"),
        ]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.status} {self.occurrence_id}"

    @property
    def has_seat(self) -> bool:
        return self.status == RsvpStatus.GOING and not self.waitlisted


class OrganiserGrant(models.Model):
    """A member a facilitator allowed to organise events in the community."""

    community = models.ForeignKey("community.Community", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="one_organiser_grant"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} organises in {self.community_id}"


def new_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A private subscription URL: the user's own events (``community`` empty) or one
    community's calendar. Revoking keeps the row (a revoked URL answers 404) and a new token
    is issued."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    community = models.ForeignKey(
        "community.Community", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "community"],
                condition=Q(revoked_at__isnull=True, community__isnull=False),
                name="one_live_community_feed",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True, community__isnull=True),
                name="one_live_personal_feed",
            ),
        ]

    def __str__(self) -> str:
        return f"feed of {self.user_id} ({self.community_id or 'personal'})"


class ReminderSettings(models.Model):
    """Which reminders a teacher wants for events they go to (both on without a row)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_reminders"
    )
    day_before = models.BooleanField(default=True)
    soon = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"reminders of {self.user_id}"


class ReminderKind(models.TextChoices):
    DAY_BEFORE = "day_before", _("24 hours before")
    SOON = "soon", _("15 minutes before")


class ReminderLog(models.Model):
    """One reminder claimed for sending: the row and its outbox job commit together, and the
    unique key makes a second worker (or a restarted one) find it taken. Per outbox queue, as
    jobs are (deployments sharing a database each remind their own)."""

    queue = models.CharField(max_length=30)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    occurrence = models.DateTimeField()  # the occurrence's name (rule start)
    starts_at = models.DateTimeField()  # its start when reminded: a moved one is reminded again
    kind = models.CharField(max_length=12, choices=ReminderKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "event", "occurrence", "starts_at", "kind"],
                name="one_reminder_per_occurrence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} reminder of {self.event_id}@{self.occurrence:%Y-%m-%dT%H:%MZ}"
