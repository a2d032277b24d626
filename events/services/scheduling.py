"""Scheduling an event: a single event or a series (an iCalendar rule), its first occurrence
made its start. What an organiser gives is read and checked here, for new events and for
changes alike (``changes.py``): texts, place and format, times in the event's zone, seats,
materials, the communities it is open to and its organisers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Community, Membership, MembershipState, User
from community.text import render_markdown
from core.errors import Forbidden
from core.roles import POSTING_ROLES

from .. import recurrence, selectors
from ..errors import FieldInvalid
from ..models import Audience, Event, EventFormat
from ..permissions import organise_refusal
from ..recurrence import Series
from . import notices
from .rooms import agenda_pin, event_room_create

MAX_ORGANISERS = 10
MAX_YEARS_AHEAD = 5
MAX_MATERIALS = 20


@dataclass
class Times:
    start_local: datetime
    starts_at: datetime
    ends_at: datetime


def _text(data: dict[str, Any], key: str, limit: int, *, required: bool = False) -> str:
    value = str(data.get(key) or "").strip()
    if key == "title":
        value = " ".join(value.split())
    if required and not value:
        raise FieldInvalid(key, _("required."))
    if len(value) > limit:
        raise FieldInvalid(key, _("at most %(n)s characters.") % {"n": limit})
    return value


def _url(data: dict[str, Any], key: str) -> str:
    value = _text(data, key, 500)
    if value and not value.startswith(("https://", "http://")):
        raise FieldInvalid(key, _("an http(s) address."))
    return value


def _times(
    data: dict[str, Any], tz: Any, current: tuple[datetime, timedelta] | None
) -> Times | None:
    """Start and end from local times in ``tz``; ``current`` (local start, duration) fills
    what an edit leaves out (moving the start keeps the duration)."""
    if "starts_at" not in data and "ends_at" not in data and current is None:
        raise FieldInvalid("starts_at", _("required."))
    if current is None and "ends_at" not in data:
        raise FieldInvalid("ends_at", _("required."))
    if current is not None and "starts_at" not in data and "ends_at" not in data:
        start_local, duration = current
        starts_at = recurrence.to_utc(start_local, tz, "starts_at")
        return Times(start_local, starts_at, starts_at + duration)
    start_local = (
        recurrence.parse_local(data["starts_at"], tz, "starts_at")
        if "starts_at" in data
        else current[0]  # type: ignore[index]
    )
    starts_at = recurrence.to_utc(start_local, tz, "starts_at")
    if "ends_at" in data:
        end_local = recurrence.parse_local(data["ends_at"], tz, "ends_at")
        ends_at = recurrence.to_utc(end_local, tz, "ends_at")
    else:
        ends_at = starts_at + current[1]  # type: ignore[index]
    if ends_at <= starts_at:
        raise FieldInvalid("ends_at", _("must be after the start."))
    if starts_at > timezone.now() + timedelta(days=365 * MAX_YEARS_AHEAD):
        raise FieldInvalid("starts_at", _("at most %(n)s years ahead.") % {"n": MAX_YEARS_AHEAD})
    if ends_at - starts_at > timedelta(hours=settings.KRING_EVENT_MAX_HOURS):
        raise FieldInvalid(
            "ends_at",
            _("an event lasts at most %(n)s hours.") % {"n": settings.KRING_EVENT_MAX_HOURS},
        )
    return Times(start_local, starts_at, ends_at)


def _format(data: dict[str, Any], location: str, online_url: str) -> str:
    chosen = data.get("format") or (
        EventFormat.HYBRID
        if location and online_url
        else EventFormat.ONLINE
        if online_url
        else EventFormat.IN_PERSON
        if location
        else ""
    )
    if not chosen:
        raise FieldInvalid("location", _("where does it happen? Give an address or a video link."))
    if chosen not in EventFormat.values:
        raise FieldInvalid("format", _("online, in_person or hybrid."))
    if chosen in (EventFormat.ONLINE, EventFormat.HYBRID) and not online_url:
        raise FieldInvalid("online_url", _("an online event needs its video link."))
    if chosen in (EventFormat.IN_PERSON, EventFormat.HYBRID) and not location:
        raise FieldInvalid("location", _("an event in person needs an address."))
    return chosen


def _capacity(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not 1 <= value <= settings.KRING_EVENT_MAX_CAPACITY
    ):
        raise FieldInvalid(
            "capacity",
            _("a number of seats from 1 to %(n)s, or empty for no limit.")
            % {"n": settings.KRING_EVENT_MAX_CAPACITY},
        )
    return value


def _materials(value: Any) -> list[dict[str, str]]:
    items = []
    for item in value or []:
        title = " ".join(str(item.get("title") or "").split())[:200]
        url = str(item.get("url") or "").strip()
        if not url.startswith(("https://", "http://")) or len(url) > 1000:
            raise FieldInvalid("materials", _("each needs an http(s) address."))
        items.append({"title": title or url, "url": url})
    if len(items) > MAX_MATERIALS:
        raise FieldInvalid("materials", _("at most %(n)s.") % {"n": MAX_MATERIALS})
    return items


def _guests(actor: User, host: Community, slugs: list[str]) -> list[Community]:
    allowed = {c.slug: c for c in selectors.communities_to_open_to(user=actor, host=host)}
    chosen = []
    for slug in dict.fromkeys(slugs or []):
        if slug not in allowed:
            raise FieldInvalid(
                "guest_communities",
                _("'%(slug)s' is not a community you belong to (besides this one).")
                % {"slug": slug},
            )
        chosen.append(allowed[slug])
    if len(chosen) > settings.KRING_EVENT_MAX_GUEST_COMMUNITIES:
        raise FieldInvalid("guest_communities", _("too many communities."))
    return chosen


def _organisers(community: Community, user_ids: list[int], creator: User | None) -> list[int]:
    ids = list(dict.fromkeys([*(user_ids or []), *([creator.pk] if creator else [])]))
    found = set(
        Membership.objects.filter(
            community=community,
            user_id__in=ids,
            state=MembershipState.ACTIVE,
            role__in=POSTING_ROLES,
        ).values_list("user_id", flat=True)
    )
    unknown = [i for i in ids if i not in found and (creator is None or i != creator.pk)]
    if unknown:
        raise FieldInvalid("organisers", _("organisers are active members of this community."))
    if len(ids) > MAX_ORGANISERS:
        raise FieldInvalid("organisers", _("at most %(n)s.") % {"n": MAX_ORGANISERS})
    return ids


def _apply_describing(event: Event, data: dict[str, Any]) -> set[str]:
    """Title, texts, place, capacity, audience; returns the fields that changed."""
    changed = set()
    for key, limit in (
        ("title", 200),
        ("description", 10_000),
        ("agenda", 5000),
        ("notes", 10_000),
    ):
        if key in data:
            value = _text(data, key, limit, required=key == "title")
            if value != getattr(event, key):
                setattr(event, key, value)
                changed.add(key)
    event.description_html = render_markdown(event.description) if event.description else ""
    event.notes_html = render_markdown(event.notes) if event.notes else ""
    location = _text(data, "location", 300) if "location" in data else event.location
    online_url = _url(data, "online_url") if "online_url" in data else event.online_url
    given = {
        **data,
        "format": data.get("format")
        or ("" if {"location", "online_url"} & set(data) else event.format),
    }
    fmt = _format(given, location, online_url)
    for key, value in (("location", location), ("online_url", online_url), ("format", fmt)):
        if value != getattr(event, key):
            setattr(event, key, value)
            changed.add(key)
    if "capacity" in data:
        capacity = _capacity(data["capacity"])
        if capacity != event.capacity:
            event.capacity = capacity
            changed.add("capacity")
    if "materials" in data:
        event.materials = _materials(data["materials"])
        changed.add("materials")
    if "audience" in data:
        if data["audience"] not in Audience.values:
            raise FieldInvalid("audience", _("members or network."))
        if data["audience"] != event.audience:
            event.audience = data["audience"]
            changed.add("audience")
    return changed


def event_create(
    *, actor: User, community: Community, allow_past: bool = False, **data: Any
) -> Event:
    """Schedule an event (``rrule``: a series). Times are local to ``timezone``; the first
    occurrence becomes the event's start."""
    refusal = organise_refusal(actor, community)
    if refusal:
        raise Forbidden(refusal)
    tz = recurrence.zone(data.get("timezone") or "")
    times = _times(data, tz, None)
    assert times is not None
    event = Event(
        community=community,
        timezone=tz.key,
        starts_at=times.starts_at,
        ends_at=times.ends_at,
        created_by=actor,
        format="",
    )
    _apply_describing(event, {"format": "", **data})
    event.rrule = recurrence.normalise_rule(
        str(data.get("rrule") or ""), tz=tz, start_local=times.start_local
    )
    _first_occurrence(event)
    if event.starts_at < timezone.now() - timedelta(minutes=5) and not allow_past:
        raise FieldInvalid("starts_at", _("in the past."))
    if event.audience == Audience.NETWORK and not data.get("guest_communities"):
        raise FieldInvalid("guest_communities", _("which communities is it open to?"))
    guests = _guests(actor, community, data.get("guest_communities") or [])
    organisers = _organisers(community, data.get("organisers") or [], actor)
    with transaction.atomic():
        event.room = event_room_create(community=community, title=event.title)
        event.save()
        event.organisers.set(organisers)
        event.guest_communities.set(guests if event.audience == Audience.NETWORK else [])
        agenda_pin(event=event, actor=actor)
        notices.announce(event=event, actor=actor, action="scheduled")
        notices.announce_new(event=event, actor=actor)
    return event


def _first_occurrence(event: Event) -> None:
    """DTSTART is the first occurrence the rule gives; ``last_ends_at`` its end."""
    series = Series.of(event)
    first = recurrence.first_start(series)
    if first is not None and first != event.starts_at:
        duration = event.duration
        event.starts_at, event.ends_at = first, first + duration
    event.last_ends_at = recurrence.last_end(Series.of(event))
