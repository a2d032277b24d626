"""Which occurrences there are: each series expanded from its rule and overlaid with its
rows (moves, cancellations, seat counts), in a window or one by one, with the viewer's own
answers; one event as a viewer may see it; the zone a viewer reads times in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Community, Membership, MembershipState
from core.errors import Forbidden, Invalid, NotFound

from ..models import Audience, Event, Occurrence, Rsvp, RsvpStatus
from ..permissions import can_view_event
from ..recurrence import Series, is_rule_start, starts_between, zone

# How far listings reach by default, and at most.
DEFAULT_DAYS = 62
MAX_DAYS = 400


@dataclass
class OccurrenceView:
    """One occurrence as shown: the series' values with this occurrence's own changes."""

    event: Event
    key: datetime  # its rule start, UTC
    starts_at: datetime
    ends_at: datetime
    title: str
    description: str
    description_html: str
    location: str
    online_url: str
    format: str
    capacity: int | None
    going: int
    maybe: int
    waiting: int
    cancelled: bool
    sequence: int
    row: Occurrence | None
    my_rsvp: Rsvp | None = field(default=None)

    @property
    def is_over(self) -> bool:
        return self.ends_at <= timezone.now()


def view_of(event: Event, key: datetime, row: Occurrence | None) -> OccurrenceView:
    own = row.overrides if row is not None else {}
    starts_at = row.starts_at if row is not None else key
    ends_at = row.ends_at if row is not None else key + event.duration
    return OccurrenceView(
        event=event,
        key=key,
        starts_at=starts_at,
        ends_at=ends_at,
        title=own.get("title", event.title),
        description=own.get("description", event.description),
        description_html=own.get("description_html", event.description_html),
        location=own.get("location", event.location),
        online_url=own.get("online_url", event.online_url),
        format=own.get("format", event.format),
        capacity=row.capacity if row is not None else event.capacity,
        going=row.going_count if row is not None else 0,
        maybe=row.maybe_count if row is not None else 0,
        waiting=row.waiting_count if row is not None else 0,
        cancelled=event.cancelled_at is not None
        or (row is not None and row.cancelled_at is not None),
        sequence=event.sequence + (row.sequence if row is not None else 0),
        row=row,
    )


def _events() -> QuerySet[Event]:
    return Event.objects.select_related("community", "created_by").prefetch_related(
        "organisers", "guest_communities"
    )


def _in_window(events: QuerySet[Event], after: datetime, before: datetime) -> QuerySet[Event]:
    by_rule = Q(starts_at__lt=before) & (Q(last_ends_at__isnull=True) | Q(last_ends_at__gt=after))
    moved_in = Q(occurrences__starts_at__lt=before, occurrences__ends_at__gt=after)
    ids = events.filter(by_rule | moved_in).values("pk")
    return _events().filter(pk__in=ids)


def expand(events: list[Event], after: datetime, before: datetime) -> list[OccurrenceView]:
    """Every occurrence of ``events`` overlapping ``[after, before)``, cancelled ones
    included (flagged), by start."""
    if not events:
        return []
    rows: dict[tuple[int, datetime], Occurrence] = {}
    lookback = max((e.duration for e in events), default=timedelta(0))
    for row in Occurrence.objects.filter(event__in=events).filter(
        Q(original_start__lt=before, original_start__gte=after - lookback)
        | Q(starts_at__lt=before, ends_at__gt=after)
    ):
        rows[(row.event_id, row.original_start)] = row
    found = []
    for event in events:
        series = Series.of(event)
        keys = set(starts_between(series, after, before))
        # Occurrences moved into the window on their own, if their rule start still exists.
        for (event_id, key), row in rows.items():
            moved_in = event_id == event.pk and key not in keys
            overlaps = row.starts_at < before and row.ends_at > after
            if moved_in and overlaps and is_rule_start(series, key):
                keys.add(key)
        for key in keys:
            view = view_of(event, key, rows.get((event.pk, key)))
            if view.starts_at < before and view.ends_at > after:
                found.append(view)
    found.sort(key=lambda v: (v.starts_at, v.event.pk))
    return found[: settings.KRING_EVENT_MAX_OCCURRENCES]


def attach_my_rsvps(views: list[OccurrenceView], user: Any) -> list[OccurrenceView]:
    row_ids = [v.row.pk for v in views if v.row is not None]
    if row_ids and getattr(user, "pk", None):
        mine = {
            r.occurrence_id: r
            for r in Rsvp.objects.filter(user_id=user.pk, occurrence_id__in=row_ids)
        }
        for view in views:
            if view.row is not None:
                view.my_rsvp = mine.get(view.row.pk)
    return views


def window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """A listing's window: from now for ``DEFAULT_DAYS`` unless given, at most ``MAX_DAYS``."""
    start = start or timezone.now()
    end = end or start + timedelta(days=DEFAULT_DAYS)
    if start.tzinfo is None or end.tzinfo is None:
        raise Invalid(_("from/to: give times with a zone offset, e.g. 2026-03-01T00:00:00Z."))
    if end <= start:
        raise Invalid(_("to must be after from."))
    if end - start > timedelta(days=MAX_DAYS):
        raise Invalid(_("from/to: at most %(max_days)s days at once.") % {"max_days": MAX_DAYS})
    return start.astimezone(UTC), end.astimezone(UTC)


def _member_of(user: Any) -> list[int]:
    return list(
        Membership.objects.filter(user_id=user.pk, state=MembershipState.ACTIVE).values_list(
            "community_id", flat=True
        )
    )


def community_occurrences(
    *, community: Community, viewer: Any, after: datetime, before: datetime
) -> list[OccurrenceView]:
    """A community's calendar: its own events, and events of other communities open to it.
    Callers check that ``viewer`` may read the community."""
    events = Event.objects.filter(
        Q(community=community) | Q(audience=Audience.NETWORK, guest_communities=community)
    )
    views = expand(list(_in_window(events, after, before)), after, before)
    return attach_my_rsvps(views, viewer)


def visible_events(user: Any) -> QuerySet[Event]:
    """Events of the user's communities and events open to them."""
    communities = _member_of(user)
    return Event.objects.filter(
        Q(community_id__in=communities)
        | Q(audience=Audience.NETWORK, guest_communities__in=communities)
    )


def my_occurrences(
    *, user: Any, after: datetime, before: datetime, mine: bool = False
) -> list[OccurrenceView]:
    """Occurrences the user may come to; with ``mine``, only those they said going (waiting
    list included) or maybe to."""
    events = visible_events(user)
    if mine:
        events = events.filter(
            occurrences__rsvps__user_id=user.pk,
            occurrences__rsvps__status__in=[RsvpStatus.GOING, RsvpStatus.MAYBE],
        )
    views = attach_my_rsvps(expand(list(_in_window(events, after, before)), after, before), user)
    if mine:
        views = [v for v in views if v.my_rsvp is not None and v.my_rsvp.status != RsvpStatus.NO]
    return views


def event_get(*, event_id: int) -> Event:
    event = _events().filter(pk=event_id).first()
    if event is None:
        raise NotFound(_("No event %(event_id)s.") % {"event_id": event_id})
    return event


def event_for_viewer(*, user: Any, event_id: int) -> Event:
    event = event_get(event_id=event_id)
    if not can_view_event(user, event):
        raise Forbidden(
            _("Only members of its community and the communities it is open to see it.")
        )
    return event


def parse_key(value: str | datetime | None) -> datetime | None:
    """An occurrence name (``2026-03-03T18:00:00Z``) as an aware UTC time."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise Invalid(
                _("occurrence: '%(value)s' is not a time like 2026-03-03T18:00:00Z.")
                % {"value": value}
            ) from None
    if moment.tzinfo is None:
        raise Invalid(_("occurrence: a UTC time, ending in Z."))
    return moment.astimezone(UTC)


def occurrence_view(*, event: Event, key: datetime | None = None) -> OccurrenceView:
    """One occurrence: the one named ``key``, or the next one that is not over (the last one
    when all are)."""
    now = timezone.now()
    if key is None:
        upcoming = expand([event], now, now + timedelta(days=MAX_DAYS))
        live = [v for v in upcoming if not v.cancelled] or upcoming
        if live:
            return live[0]
        past = expand([event], max(event.starts_at, now - timedelta(days=MAX_DAYS)), now)
        if past:
            return past[-1]
        key = event.starts_at
    row = Occurrence.objects.filter(event=event, original_start=key).first()
    if row is None and not is_rule_start(Series.of(event), key):
        raise NotFound(
            _("“%(title)s” has no occurrence at %(key)s.")
            % {"title": event.title, "key": format(key, "%Y-%m-%dT%H:%M:%SZ")}
        )
    return view_of(event, key, row)


def viewer_zone(user: Any, fallback: str | None = None) -> str | None:
    """The zone a user chose (``User.timezone``), else ``fallback`` (the browser's zone the
    page remembered), else None."""
    chosen = getattr(user, "timezone", "") if getattr(user, "pk", None) else ""
    for name in (chosen, fallback):
        if name:
            try:
                return zone(name).key
            except Invalid:
                continue
    return None
