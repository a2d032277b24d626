"""Who comes and who organises: answers and waiting places, attendee lists, the people to
tell, the members allowed (or able) to organise, the communities an event may be opened to,
and where a community's members live (their zones, for scheduling)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Q
from django_countries import countries

from community.models import Community, Membership, MembershipState, User
from core.roles import Role

from ..models import Audience, Event, Occurrence, OrganiserGrant, Rsvp, RsvpStatus
from ..recurrence import parse_local, to_utc, zone
from ..zones import SCHOOL_DAY, zones_of
from .occurrences import OccurrenceView, _member_of


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
