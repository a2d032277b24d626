"""Reading events: occurrences expanded from each series' rule and overlaid with their rows
(moves, cancellations, seat counts), the viewer's own answers, attendee lists, feeds.
Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from community.models import Community, Membership, MembershipState, User
from core.errors import Forbidden, Invalid, NotFound
from core.roles import Role

from .models import (
    Audience,
    CalendarFeed,
    Event,
    Occurrence,
    OrganiserGrant,
    ReminderSettings,
    Rsvp,
    RsvpStatus,
)
from .permissions import can_view_event
from .recurrence import Series, is_rule_start, parse_local, starts_between, to_utc, zone
from .zones import SCHOOL_DAY, zones_of

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


def waiting_position(rsvp: Rsvp | None) -> int | None:
    if rsvp is None or not rsvp.waitlisted:
        return None
    ahead = Rsvp.objects.filter(occurrence_id=rsvp.occurrence_id, waitlisted=True).filter(
        Q(waitlisted_at__lt=rsvp.waitlisted_at)
        | Q(waitlisted_at=rsvp.waitlisted_at, pk__lt=rsvp.pk)
    )
    return ahead.count() + 1


def rsvp_of(*, user: Any, view: OccurrenceView) -> Rsvp | None:
    if view.row is None or not getattr(user, "pk", None):
        return None
    return Rsvp.objects.filter(occurrence=view.row, user_id=user.pk).first()


STATUS_ORDER = {RsvpStatus.GOING: 0, RsvpStatus.MAYBE: 1, RsvpStatus.NO: 2}


def attendees(*, view: OccurrenceView) -> list[tuple[Rsvp, int | None, str | None]]:
    """Who answered for an occurrence: going with a seat, then the waiting list in order,
    then maybe, then not going; each with their waiting place and the community they come
    from (the host's slug for its members, else the guest community's)."""
    if view.row is None:
        return []
    rsvps = list(Rsvp.objects.filter(occurrence=view.row).select_related("user", "user__profile"))
    event = view.event
    allowed = [event.community_id, *[c.pk for c in event.guest_communities.all()]]
    slugs = dict(Community.objects.filter(pk__in=allowed).values_list("pk", "slug"))
    home: dict[int, str] = {}
    for user_id, community_id in Membership.objects.filter(
        user_id__in=[r.user_id for r in rsvps],
        community_id__in=allowed,
        state=MembershipState.ACTIVE,
    ).values_list("user_id", "community_id"):
        if community_id == event.community_id or user_id not in home:
            home[user_id] = slugs[community_id]
    waiting = sorted((r for r in rsvps if r.waitlisted), key=lambda r: (r.waitlisted_at, r.pk))
    places = {r.pk: i + 1 for i, r in enumerate(waiting)}
    rsvps.sort(
        key=lambda r: (STATUS_ORDER[r.status], r.waitlisted, r.waitlisted_at or r.created_at, r.pk)
    )
    return [(r, places.get(r.pk), home.get(r.user_id)) for r in rsvps]


def people_going(
    *, rows: list[Occurrence], statuses: tuple[str, ...] = ("going", "maybe")
) -> list[int]:
    """Users who said going (seated or waiting) or maybe to any of these occurrences."""
    return list(
        Rsvp.objects.filter(occurrence__in=rows, status__in=statuses)
        .values_list("user_id", flat=True)
        .distinct()
    )


def audience_user_ids(event: Event) -> list[int]:
    """Everyone who may come: active members of the host and of the communities it is open to."""
    communities = [event.community_id]
    if event.audience == Audience.NETWORK:
        communities += [c.pk for c in event.guest_communities.all()]
    return list(
        Membership.objects.filter(community_id__in=communities, state=MembershipState.ACTIVE)
        .values_list("user_id", flat=True)
        .distinct()
    )


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


def member_countries(*, community: Community) -> list[tuple[str, int]]:
    """The countries of a community's active members (from their profiles), with how many
    members each, the community's own countries included (0 members known)."""
    counts = dict(
        Membership.objects.filter(community=community, state=MembershipState.ACTIVE)
        .exclude(user__profile__country="")
        .exclude(user__profile__country__isnull=True)
        .values_list("user__profile__country")
        .annotate(n=Count("pk"))
        .values_list("user__profile__country", "n")
    )
    for country in community.countries:
        counts.setdefault(country.code, 0)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def organisers_of(*, community: Community) -> list[Any]:
    """Members a facilitator allowed to schedule events here, by name."""
    return list(
        User.objects.filter(
            pk__in=OrganiserGrant.objects.filter(community=community).values("user_id")
        ).order_by("display_name")
    )


def could_organise(*, community: Community, limit: int = 200) -> list[Any]:
    """Active members with a posting role who are not facilitators or allowed yet."""
    return list(
        User.objects.filter(
            memberships__community=community,
            memberships__state=MembershipState.ACTIVE,
            memberships__role=Role.MEMBER,
        )
        .exclude(pk__in=OrganiserGrant.objects.filter(community=community).values("user_id"))
        .order_by("display_name")[:limit]
    )


def communities_to_open_to(*, user: Any, host: Community) -> list[Community]:
    """Communities an organiser may open an event to: those they are an active member of
    (staff: all), besides the host."""
    communities = Community.objects.exclude(pk=host.pk).order_by("name")
    if getattr(user, "is_staff", False):
        return list(communities)
    return list(communities.filter(pk__in=_member_of(user)))


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


def _offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def scheduling_help(*, community: Community, starts_at: str, timezone_name: str) -> dict[str, Any]:
    """A proposed start, and what it is in each zone the community's members live in."""
    tz = zone(timezone_name)
    moment = to_utc(parse_local(starts_at, tz, "starts_at"), tz, "starts_at")
    rows = []
    for code, members in member_countries(community=community):
        for name in zones_of(code) or ():
            local = moment.astimezone(zone(name))
            offset = local.utcoffset() or timedelta(0)
            minutes = int(offset.total_seconds()) // 60
            rows.append(
                {
                    "country": code,
                    "country_name": str(countries.name(code)),
                    "timezone": name,
                    "local": local.replace(tzinfo=None).isoformat(timespec="minutes"),
                    "utc_offset": _offset_text(minutes),
                    "members": members,
                    "school_hours": local.weekday() < 5
                    and SCHOOL_DAY[0] <= local.hour < SCHOOL_DAY[1],
                }
            )
    return {"starts_at": moment, "zones": rows}
