"""iCalendar (RFC 5545) files and feeds, built with the ``icalendar`` library, for Google
Calendar, Outlook and Apple Calendar:

* times in the organiser's zone (``DTSTART;TZID=Europe/Amsterdam``) with a VTIMEZONE for each
  zone used, so every app converts them the same way across DST;
* a series is one VEVENT with its RRULE; an occurrence changed or cancelled on its own is a
  VEVENT with the same UID and its RECURRENCE-ID;
* UID stays the same across edits and SEQUENCE goes up with each change; cancelled is
  ``STATUS:CANCELLED``, never a vanished event;
* the personal feed lists the occurrences one goes to, each its own VEVENT (its own UID, the
  series' UID with the occurrence's start), so going to one session of a series shows only
  that one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Timezone, vRecur
from icalendar import Event as VEvent

from core.protocol.events import event_url

from .models import Event, Occurrence, Rsvp, RsvpStatus
from .recurrence import Series, is_rule_start
from .selectors import OccurrenceView, view_of

PRODID = "-//Kring//Events//EN"


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


@lru_cache(maxsize=256)
def _vtimezone(zone: str, first_year: int, last_year: int) -> bytes:
    return Timezone.from_tzinfo(
        ZoneInfo(zone), first_date=date(first_year, 1, 1), last_date=date(last_year, 1, 1)
    ).to_ical()


def _add_timezones(calendar: Calendar, zones: dict[str, tuple[int, int]]) -> None:
    """A VTIMEZONE per zone, covering the years its events use (cached: building one walks
    every transition)."""
    for zone, (first, last) in sorted(zones.items()):
        component = Timezone.from_ical(_vtimezone(zone, first, last))
        calendar.subcomponents.insert(0, component)


def _absolute(path: str) -> str:
    return settings.KRING_BASE_URL.rstrip("/") + path


def _page(view: OccurrenceView, master: bool) -> str:
    key = view.key if view.event.rrule and not master else None
    return _absolute(event_url(view.event, key))


def _describe(view: OccurrenceView, master: bool) -> str:
    parts = [view.description.strip()]
    if view.online_url:
        parts.append(f"Online: {view.online_url}")
    parts.append(_page(view, master))
    return "\n\n".join(p for p in parts if p)


def _fill(
    component: VEvent,
    view: OccurrenceView,
    tz: ZoneInfo,
    status: str | None = None,
    master: bool = False,
) -> None:
    component.add("dtstart", view.starts_at.astimezone(tz))
    component.add("dtend", view.ends_at.astimezone(tz))
    component.add("summary", view.title)
    component.add("description", _describe(view, master))
    location = view.location or view.online_url
    if location:
        component.add("location", location)
    component.add("url", _page(view, master))
    component.add("sequence", view.sequence)
    component.add("status", status or ("CANCELLED" if view.cancelled else "CONFIRMED"))
    component.add("dtstamp", timezone.now().astimezone(UTC))
    component.add(
        "last-modified",
        max(
            view.event.updated_at, view.row.updated_at if view.row else view.event.updated_at
        ).astimezone(UTC),
    )
    component.add("created", view.event.created_at.astimezone(UTC))


def _years(
    zones: dict[str, tuple[int, int]], zone: str, start: datetime, end: datetime | None
) -> None:
    first = start.year - 1
    last = max((end or timezone.now() + timedelta(days=3 * 365)).year, timezone.now().year) + 2
    known = zones.get(zone)
    zones[zone] = (min(first, known[0]), max(last, known[1])) if known else (first, last)


def _series_components(event: Event, rows: list[Occurrence]) -> list[VEvent]:
    """The master VEVENT of an event and one per occurrence that differs on its own."""
    tz = ZoneInfo(event.timezone)
    master = VEvent()
    master.add("uid", event.uid)
    first = view_of(event, event.starts_at, None)
    _fill(master, first, tz, master=True)
    if event.rrule:
        master.add("rrule", vRecur.from_ical(event.rrule))
    components = [master]
    series = Series.of(event)
    for row in rows:
        differs = row.overrides or row.cancelled_at or row.scheduled_at or row.sequence
        if not differs or not event.rrule or not is_rule_start(series, row.original_start):
            continue
        instance = VEvent()
        instance.add("uid", event.uid)
        instance.add("recurrence-id", row.original_start.astimezone(tz))
        _fill(instance, view_of(event, row.original_start, row), tz)
        components.append(instance)
    return components


def event_calendar(event: Event) -> bytes:
    """One event (a whole series, with its changed and cancelled occurrences)."""
    calendar = _calendar(event.title)
    zones: dict[str, tuple[int, int]] = {}
    _years(zones, event.timezone, event.starts_at, event.last_ends_at)
    for component in _series_components(event, list(event.occurrences.all())):
        calendar.add_component(component)
    _add_timezones(calendar, zones)
    return calendar.to_ical()


def community_calendar(name: str, events: Iterable[Event]) -> bytes:
    """A community's calendar: each of its events (and those open to it) as in its own file."""
    calendar = _calendar(name)
    zones: dict[str, tuple[int, int]] = {}
    events = list(events)
    rows: dict[int, list[Occurrence]] = {}
    for row in Occurrence.objects.filter(event__in=events):
        rows.setdefault(row.event_id, []).append(row)
    for event in events:
        _years(zones, event.timezone, event.starts_at, event.last_ends_at)
        for component in _series_components(event, rows.get(event.pk, [])):
            calendar.add_component(component)
    _add_timezones(calendar, zones)
    return calendar.to_ical()


def occurrence_uid(event: Event, key: datetime) -> str:
    """The UID of one occurrence on its own: the event's UID for a single event, else the
    series' UID with the occurrence's rule start."""
    if not event.rrule:
        return event.uid
    local, _at, domain = event.uid.partition("@")
    return f"{local}-{key.astimezone(UTC):%Y%m%dT%H%M%SZ}@{domain or 'kring'}"


def personal_calendar(name: str, rsvps: Iterable[Rsvp]) -> bytes:
    """The occurrences someone said going (or maybe) to; maybe and the waiting list are
    TENTATIVE, cancelled ones CANCELLED."""
    calendar = _calendar(name)
    zones: dict[str, tuple[int, int]] = {}
    for rsvp in rsvps:
        row = rsvp.occurrence
        event = row.event
        if event.rrule and not is_rule_start(Series.of(event), row.original_start):
            continue
        view = view_of(event, row.original_start, row)
        tz = ZoneInfo(event.timezone)
        component = VEvent()
        component.add("uid", occurrence_uid(event, row.original_start))
        tentative = rsvp.status == RsvpStatus.MAYBE or rsvp.waitlisted
        status = "CANCELLED" if view.cancelled else "TENTATIVE" if tentative else "CONFIRMED"
        _fill(component, view, tz, status)
        calendar.add_component(component)
        _years(zones, event.timezone, view.starts_at, view.ends_at)
    _add_timezones(calendar, zones)
    return calendar.to_ical()
