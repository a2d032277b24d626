"""Changing events: all of it ("series"), for a series one occurrence ("this"), or this one
and the rest ("following": the series is split).

Each change people must see bumps the iCalendar SEQUENCE, is announced (``calendar`` frame
and room events) and notifies those who said going or maybe, in their language and zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from community.models import User
from core.errors import Conflict, Forbidden
from core.notify import Verb

from .. import recurrence, selectors, texts
from ..errors import FieldInvalid
from ..models import Audience, Event, Occurrence
from ..permissions import can_manage_event
from ..recurrence import Series
from . import notices
from .rooms import agenda_pin
from .scheduling import (
    Times,
    _apply_describing,
    _first_occurrence,
    _guests,
    _organisers,
    _times,
)
from .seats import promote_waiting

SCOPES = ("this", "following", "series")
# Changes that notify those going or maybe; every change of what a calendar shows bumps
# SEQUENCE.
SIGNIFICANT = {"title", "starts_at", "ends_at", "location", "online_url", "format", "timezone"}
CALENDAR_FIELDS = SIGNIFICANT | {"description", "rrule"}
# Changes announced in the rooms and to calendar pages (notes and materials are not news).
ANNOUNCED = CALENDAR_FIELDS | {"capacity", "audience", "guest_communities"}
ONE_OCCURRENCE_FIELDS = {
    "title",
    "description",
    "starts_at",
    "ends_at",
    "location",
    "online_url",
    "format",
    "capacity",
}


def _check_scope(event: Event, scope: str, key: datetime | None) -> str:
    if scope not in SCOPES:
        raise FieldInvalid("scope", _("this, following or series."))
    if not event.rrule:
        return "series"
    if scope != "series" and key is None:
        raise FieldInvalid("occurrence", _("which occurrence? Required with this or following."))
    return scope


def event_update(
    *,
    actor: User,
    event: Event,
    scope: str = "series",
    occurrence: datetime | None = None,
    **data: Any,
) -> Event:
    """Change an event: all of it, one occurrence of a series, or this one and the rest (the
    series is split: the part from here on is a new event with its own UID, sharing the
    room). Returns the event that now holds the changed occurrence."""
    if not can_manage_event(actor, event):
        raise Forbidden(_("Only its organisers and the community's facilitators change an event."))
    if event.cancelled_at is not None:
        raise Conflict(_("This event was cancelled."))
    scope = _check_scope(event, scope, occurrence)
    if scope == "series":
        return _update_series(actor, event, data)
    view = selectors.occurrence_view(event=event, key=occurrence)
    if scope == "this":
        _update_one(actor, event, view, data)
        return event
    if view.key == event.starts_at:
        return _update_series(actor, event, data)
    return _split(actor, event, view, data)


def _series_times(event: Event, data: dict[str, Any], tz: Any) -> Times | None:
    if not ({"starts_at", "ends_at", "timezone"} & set(data)):
        return None
    old_local = recurrence.local_of(event.starts_at, recurrence.zone(event.timezone))
    return _times(data, tz, (old_local, event.duration))


def _update_series(actor: User, event: Event, data: dict[str, Any]) -> Event:
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        changed = _apply_series(actor, locked, data, rows=list(locked.occurrences.all()))
        _after_change(actor, locked, changed, rows=list(locked.occurrences.all()))
    return selectors.event_get(event_id=event.pk)


def _apply_series(
    actor: User,
    event: Event,
    data: dict[str, Any],
    *,
    rows: list[Occurrence],
    old: Series | None = None,
) -> set[str]:
    """Apply series-wide changes to ``event`` (saved) and its ``rows``: times (rows follow,
    keeping the wall-clock shift), rule, describing fields, guests, organisers."""
    old = old or Series.of(event)
    old_zone = recurrence.zone(old.timezone)
    tz = recurrence.zone(data["timezone"]) if "timezone" in data else old_zone
    changed = _apply_describing(event, data)
    times = _series_times(event, data, tz)
    old_start_local = recurrence.local_of(event.starts_at, old_zone)
    if times is not None:
        if (times.starts_at, times.ends_at, tz.key) != (
            event.starts_at,
            event.ends_at,
            event.timezone,
        ):
            changed |= {"starts_at", "ends_at"} | (
                {"timezone"} if tz.key != event.timezone else set()
            )
        event.timezone, event.starts_at, event.ends_at = tz.key, times.starts_at, times.ends_at
    if "rrule" in data or times is not None:
        rule = str(data.get("rrule", event.rrule))
        normalised = recurrence.normalise_rule(
            rule, tz=tz, start_local=recurrence.local_of(event.starts_at, tz)
        )
        if normalised != event.rrule:
            changed.add("rrule")
        event.rrule = normalised
        _first_occurrence(event)
    if {"starts_at", "rrule"} & changed:
        event.scheduled_at = timezone.now()
    if "guest_communities" in data:
        guests = _guests(actor, event.community, data["guest_communities"])
        if {c.pk for c in guests} != {c.pk for c in event.guest_communities.all()}:
            changed.add("guest_communities")
        event.guest_communities.set(guests)
    if event.audience == Audience.NETWORK and not event.guest_communities.exists():
        raise FieldInvalid("guest_communities", _("which communities is it open to?"))
    if "organisers" in data:
        event.organisers.set(_organisers(event.community, data["organisers"], event.created_by))
    if CALENDAR_FIELDS & changed:
        event.sequence += 1
    event.save()
    if "agenda" in changed:
        agenda_pin(event=event, actor=actor)
    shift = recurrence.local_of(event.starts_at, tz) - old_start_local
    if shift or tz.key != old_zone.key or {"capacity", "rrule"} & changed:
        _follow_rows(event, rows, old_zone, tz, shift, capacity_changed="capacity" in changed)
    return changed


def _follow_rows(
    event: Event,
    rows: list[Occurrence],
    old_zone: Any,
    tz: Any,
    shift: timedelta,
    capacity_changed: bool,
) -> None:
    """Occurrence rows follow a series change: renamed by the same wall-clock shift (their
    seats and answers go with them), times updated unless moved on their own, new capacity
    unless set on their own. A row whose occurrence the new rule no longer gives is
    cancelled. Rows are renamed in the order that never collides."""
    series = Series.of(event)
    now = timezone.now()
    rows = sorted(rows, key=lambda r: r.original_start, reverse=shift > timedelta(0))
    for row in rows:
        new_key = (recurrence.local_of(row.original_start, old_zone) + shift).replace(tzinfo=tz)
        new_key = new_key.astimezone(UTC)
        fields = [
            "original_start",
            "starts_at",
            "ends_at",
            "capacity",
            "cancelled_at",
            "updated_at",
        ]
        row.original_start = new_key
        if row.scheduled_at is None:
            row.starts_at, row.ends_at = new_key, new_key + event.duration
        if capacity_changed and "capacity" not in row.overrides and row.ends_at > now:
            if event.capacity is not None and row.going_count > event.capacity:
                raise FieldInvalid(
                    "capacity",
                    ngettext(
                        "%(n)s person already has a seat on %(day)s: it cannot go below that.",
                        "%(n)s people already have a seat on %(day)s: it cannot go below that.",
                        row.going_count,
                    )
                    % {"n": row.going_count, "day": texts.when(row.starts_at, event.timezone)},
                )
            row.capacity = event.capacity
        if row.cancelled_at is None and not recurrence.is_rule_start(series, new_key):
            row.cancelled_at = now
        row.save(update_fields=fields)
        if capacity_changed:
            promote_waiting(row, event)


def _after_change(
    actor: User, event: Event, changed: set[str], *, rows: list[Occurrence], view: Any = None
) -> None:
    """Announce a change and tell those going or maybe to upcoming occurrences."""
    if not ANNOUNCED & changed:
        return
    notices.announce(event=event, actor=actor, action="changed", view=view)
    if not SIGNIFICANT & changed:
        return
    now = timezone.now()
    upcoming = [r for r in rows if r.ends_at > now]
    people = selectors.people_going(rows=upcoming)
    moment = view.starts_at if view is not None else _next_start(event)
    title = view.title if view is not None else event.title

    def verb(zone: str | None) -> Verb:
        return Verb(
            gettext_noop("changed “%(title)s”: now %(when)s"),
            title=title,
            when=texts.when_for(moment, zone, event.timezone),
        )

    notices.tell(
        event=event,
        actor=actor,
        user_ids=people,
        verb=verb,
        key=view.key if view is not None else None,
        text=_where(event, view),
    )


def _next_start(event: Event) -> datetime:
    view = selectors.occurrence_view(event=event)
    return view.starts_at


def _where(event: Event, view: Any = None) -> str:
    source = view if view is not None else event
    return " · ".join(part for part in (source.location, source.online_url) if part)


def _update_one(actor: User, event: Event, view: Any, data: dict[str, Any]) -> None:
    """Change one occurrence of a series: its own title, texts, place, times or capacity."""
    unknown = set(data) - ONE_OCCURRENCE_FIELDS
    if unknown:
        raise FieldInvalid(sorted(unknown)[0], _("can only change for the whole series."))
    tz = recurrence.zone(event.timezone)
    times = _times(
        data, tz, (recurrence.local_of(view.starts_at, tz), view.ends_at - view.starts_at)
    )
    with transaction.atomic():
        row = _row_for_update(event, view)
        own = dict(row.overrides)
        probe = Event(
            title=view.title,
            description=view.description,
            location=view.location,
            online_url=view.online_url,
            format=view.format,
            capacity=row.capacity,
            timezone=event.timezone,
        )
        changed = _apply_describing(probe, data)
        for key in ("title", "description", "location", "online_url", "format"):
            if key in changed:
                own[key] = getattr(probe, key)
        if "description" in changed:
            own["description_html"] = probe.description_html
        if "capacity" in changed:
            if probe.capacity is not None and row.going_count > probe.capacity:
                raise FieldInvalid(
                    "capacity",
                    ngettext(
                        "%(n)s person already has a seat.",
                        "%(n)s people already have a seat.",
                        row.going_count,
                    )
                    % {"n": row.going_count},
                )
            row.capacity, own["capacity"] = probe.capacity, True
        if times is not None and (times.starts_at, times.ends_at) != (row.starts_at, row.ends_at):
            row.starts_at, row.ends_at, row.scheduled_at = (
                times.starts_at,
                times.ends_at,
                timezone.now(),
            )
            changed |= {"starts_at", "ends_at"}
        if not changed:
            return
        row.overrides = own
        row.sequence += 1
        row.save()
        if "capacity" in changed:
            promote_waiting(row, event)
        fresh = selectors.view_of(event, row.original_start, row)
        _after_change(actor, event, changed, rows=[row], view=fresh)


def _row_for_update(event: Event, view: Any) -> Occurrence:
    """The occurrence's row, created if needed, locked until the transaction ends (RSVPs and
    changes of one occurrence queue on it)."""
    row, _created = Occurrence.objects.get_or_create(
        event=event,
        original_start=view.key,
        defaults={"starts_at": view.starts_at, "ends_at": view.ends_at, "capacity": event.capacity},
    )
    return Occurrence.objects.select_for_update().get(pk=row.pk)


def _split(actor: User, event: Event, view: Any, data: dict[str, Any]) -> Event:
    """ "This and following": the series ends before this occurrence; from it on, a new event
    (own UID, same room, organisers and guests) with the changes. Answers and seats of the
    occurrences from here on move with them."""
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        old = Series.of(locked)
        rows = list(locked.occurrences.filter(original_start__gte=view.key))
        tail = Event.objects.get(pk=locked.pk)
        tail.pk, tail.id, tail.uid = None, None, Event._meta.get_field("uid").get_default()
        tail.sequence, tail.agenda_message = 0, locked.agenda_message
        tail.starts_at, tail.ends_at = view.key, view.key + locked.duration
        tail.rrule = recurrence.rule_from(old, view.key)
        tail.last_ends_at = recurrence.last_end(Series.of(tail))
        tail.scheduled_at = timezone.now()
        tail.save()
        tail.organisers.set(locked.organisers.all())
        tail.guest_communities.set(locked.guest_communities.all())
        locked.rrule = recurrence.rule_ending_before(old, view.key)
        locked.last_ends_at = recurrence.last_end(Series.of(locked))
        locked.sequence += 1
        locked.save()
        Occurrence.objects.filter(pk__in=[r.pk for r in rows]).update(event=tail)
        for row in rows:
            row.event = tail
        changed = _apply_series(actor, tail, data, rows=rows, old=Series.of(tail))
        _after_change(actor, tail, changed | {"rrule"}, rows=rows)
    return selectors.event_get(event_id=tail.pk)
