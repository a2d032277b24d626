"""A teacher's calendars: reminder settings, private feeds and what each feed carries, and
their part of the data export."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Community
from core.errors import NotFound

from ..models import Audience, CalendarFeed, Event, ReminderSettings, Rsvp, RsvpStatus
from .occurrences import _events, visible_events


def reminder_settings_of(*, user: Any) -> ReminderSettings:
    return ReminderSettings.objects.filter(user_id=user.pk).first() or ReminderSettings(user=user)


def feeds_of(*, user: Any) -> list[CalendarFeed]:
    return list(
        CalendarFeed.objects.filter(user_id=user.pk, revoked_at__isnull=True)
        .select_related("community")
        .order_by("community__name", "pk")
    )


def feed_by_token(*, token: str) -> CalendarFeed:
    feed = (
        CalendarFeed.objects.filter(token=token, revoked_at__isnull=True)
        .select_related("user", "community")
        .first()
    )
    if feed is None or not feed.user.is_active:
        raise NotFound(_("No such calendar."))
    return feed


def export_of(*, user: Any) -> dict[str, Any]:
    """The user's part of the data export: answers, organised events, calendar feeds."""
    return {
        "rsvps": [
            {
                "event": r.occurrence.event_id,
                "title": r.occurrence.event.title,
                "occurrence": r.occurrence.original_start.isoformat(),
                "status": r.status,
                "waitlisted": r.waitlisted,
                "attended": r.attended,
                "updated_at": r.updated_at.isoformat(),
            }
            for r in Rsvp.objects.filter(user_id=user.pk).select_related("occurrence__event")
        ],
        "organised": list(Event.objects.filter(organisers=user).values_list("pk", flat=True)),
        "calendar_feeds": [
            {
                "community": f.community.slug if f.community else None,
                "created_at": f.created_at.isoformat(),
                "revoked_at": f.revoked_at.isoformat() if f.revoked_at else None,
            }
            for f in CalendarFeed.objects.filter(user_id=user.pk).select_related("community")
        ],
    }


# How far back feeds go: calendar apps keep what they fetched before.
FEED_PAST_DAYS = 90


def feed_events(*, community: Community) -> list[Event]:
    """A community feed's events: its own and those open to it, not over for long."""
    since = timezone.now() - timedelta(days=FEED_PAST_DAYS)
    events = Event.objects.filter(
        Q(community=community) | Q(audience=Audience.NETWORK, guest_communities=community)
    ).filter(Q(last_ends_at__isnull=True) | Q(last_ends_at__gte=since))
    return list(_events().filter(pk__in=events.values("pk")).order_by("starts_at", "pk"))


def feed_rsvps(*, user: Any) -> list[Rsvp]:
    """A personal feed's occurrences: going (or on the waiting list) and maybe, of events the
    user may still come to."""
    since = timezone.now() - timedelta(days=FEED_PAST_DAYS)
    allowed = visible_events(user).values("pk")
    return list(
        Rsvp.objects.filter(
            user_id=user.pk,
            status__in=[RsvpStatus.GOING, RsvpStatus.MAYBE],
            occurrence__ends_at__gte=since,
            occurrence__event__in=allowed,
        )
        .select_related("occurrence__event")
        .order_by("occurrence__starts_at")
    )
