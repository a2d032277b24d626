"""Events and meetings as clients see them: the API's occurrences, RSVPs, attendee lists and
calendar settings, and the two frames about events (``calendar`` to the people who may come,
``rsvp`` to everyone on an event's page).

Times: ``starts_at``/``ends_at`` are UTC; ``local`` gives the same times as wall-clock times in
the event's own (the organiser's) IANA zone, without an offset, with the offset beside them.
An occurrence is named by ``occurrence``: the UTC start its series' rule gives it (RFC 5545's
RECURRENCE-ID), which stays its name when that one occurrence is moved.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from ninja import Schema
from pydantic import Field

from .base import Frame, Shape
from .materials import CommunityRefOut, community_ref_out
from .people import AuthorOut, author_out

RsvpStatus = Literal["going", "maybe", "no"]
CalendarAction = Literal["scheduled", "changed", "cancelled"]


def occurrence_key(start: datetime) -> str:
    """The name of an occurrence: its rule start in UTC, ``2026-03-03T18:00:00Z``."""
    return start.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def _offset(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


class LocalTimesOut(Schema):
    timezone: str = Field(description="IANA zone, e.g. Europe/Amsterdam")
    starts_at: str = Field(description="Wall-clock start in that zone, ISO 8601 without offset")
    ends_at: str
    utc_offset: str = Field(description="The zone's offset at the start, e.g. +01:00")


def local_times_out(starts_at: datetime, ends_at: datetime, zone: str) -> LocalTimesOut:
    tz = ZoneInfo(zone)
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    return LocalTimesOut(
        timezone=zone,
        starts_at=start.replace(tzinfo=None).isoformat(timespec="minutes"),
        ends_at=end.replace(tzinfo=None).isoformat(timespec="minutes"),
        utc_offset=_offset(start),
    )


# --- frames -----------------------------------------------------------------------------------


class EventRefOut(Shape):
    """An event (or one occurrence of it) in room events and ``calendar`` frames."""

    id: int
    title: str
    url: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    occurrence: str | None = None
    recurring: bool = False


def event_ref_out(event: Any, occurrence: Any = None) -> EventRefOut:
    """``occurrence``: one occurrence (with ``key``, ``starts_at``, ``ends_at``, ``title``), or
    None for the event as a whole (its first occurrence's times)."""
    return EventRefOut(
        id=event.pk,
        title=occurrence.title if occurrence is not None else event.title,
        url=event_url(event, occurrence.key if occurrence is not None else None),
        starts_at=occurrence.starts_at if occurrence is not None else event.starts_at,
        ends_at=occurrence.ends_at if occurrence is not None else event.ends_at,
        timezone=event.timezone,
        occurrence=occurrence_key(occurrence.key) if occurrence is not None else None,
        recurring=bool(event.rrule),
    )


def event_url(event: Any, key: datetime | None = None) -> str:
    return f"/events/{event.pk}/" + (f"?occurrence={occurrence_key(key)}" if key else "")


class CalendarFrame(Frame):
    """To the people who may come to an event (its community, and the communities it is open
    to): an event was scheduled, changed or cancelled (``occurrence`` set when only one
    occurrence of a series changed). Calendar pages refresh their list."""

    type: Literal["calendar"] = "calendar"
    community: str
    action: CalendarAction
    event: EventRefOut


class RsvpFrame(Frame):
    """To every socket subscribed to an event's room: an occurrence's counts changed.
    ``users`` are the people whose own answer changed (a promotion from the waiting list
    included), so their pages re-read it."""

    type: Literal["rsvp"] = "rsvp"
    event: int
    occurrence: str
    going: int
    maybe: int
    waiting: int
    capacity: int | None
    users: list[int]


def rsvp_frame(occurrence: Any, users: list[int]) -> RsvpFrame:
    return RsvpFrame(
        event=occurrence.event_id,
        occurrence=occurrence_key(occurrence.original_start),
        going=occurrence.going_count,
        maybe=occurrence.maybe_count,
        waiting=occurrence.waiting_count,
        capacity=occurrence.capacity,
        users=sorted(users),
    )


# --- API answers ------------------------------------------------------------------------------


class MyRsvpOut(Schema):
    status: RsvpStatus
    waitlisted: bool = Field(description="Going, but on the waiting list for a seat")
    position: int | None = Field(description="Place on the waiting list (1 = next), if on it")
    attended: bool | None = Field(description="Marked by an organiser after the event")


def my_rsvp_out(rsvp: Any, position: int | None = None) -> MyRsvpOut | None:
    if rsvp is None:
        return None
    return MyRsvpOut(
        status=rsvp.status, waitlisted=rsvp.waitlisted, position=position, attended=rsvp.attended
    )


class OccurrenceOut(Schema):
    id: int = Field(description="The event (a series has one id for all its occurrences)")
    occurrence: str = Field(description="This occurrence's name: its rule start in UTC")
    url: str = Field(description="The event page, at this occurrence")
    community: CommunityRefOut = Field(description="The community that hosts it")
    title: str
    description: str = Field(description="Markdown")
    description_html: str = Field(description="The description rendered and sanitised")
    starts_at: datetime = Field(description="UTC")
    ends_at: datetime = Field(description="UTC")
    local: LocalTimesOut = Field(description="The same times in the event's (organiser's) zone")
    timezone: str
    format: str = Field(description="online, in_person or hybrid")
    location: str
    online_url: str
    capacity: int | None = Field(description="Seats; null for no limit")
    going: int = Field(description="People going with a seat")
    maybe: int
    waiting: int = Field(description="People on the waiting list")
    my_rsvp: MyRsvpOut | None
    recurring: bool
    rrule: str = Field(description="RFC 5545 RRULE of the series (empty for a single event)")
    cancelled: bool
    audience: str = Field(description="members, or network: also the communities listed")
    guest_communities: list[CommunityRefOut]
    organisers: list[AuthorOut]
    room: int = Field(description="The event's live room")
    can_manage: bool = Field(description="The viewer may edit, cancel and see the attendees")


def occurrence_out(view: Any, *, can_manage: bool, position: int | None = None) -> OccurrenceOut:
    """``view``: one occurrence as the events app's selectors compute it (its event loaded
    with community, organisers and guest communities)."""
    event = view.event
    return OccurrenceOut(
        id=event.pk,
        occurrence=occurrence_key(view.key),
        url=event_url(event, view.key if event.rrule else None),
        community=community_ref_out(event.community),
        title=view.title,
        description=view.description,
        description_html=view.description_html,
        starts_at=view.starts_at,
        ends_at=view.ends_at,
        local=local_times_out(view.starts_at, view.ends_at, event.timezone),
        timezone=event.timezone,
        format=view.format,
        location=view.location,
        online_url=view.online_url,
        capacity=view.capacity,
        going=view.going,
        maybe=view.maybe,
        waiting=view.waiting,
        my_rsvp=my_rsvp_out(view.my_rsvp, position),
        recurring=bool(event.rrule),
        rrule=event.rrule,
        cancelled=view.cancelled,
        audience=event.audience,
        guest_communities=[community_ref_out(c) for c in event.guest_communities.all()],
        organisers=[author_out(u) for u in event.organisers.all()],
        room=event.room_id,
        can_manage=can_manage,
    )


class MaterialLinkOut(Schema):
    title: str
    url: str


class EventDetailOut(OccurrenceOut):
    agenda: str = Field(description="Markdown; pinned in the event's room")
    notes: str = Field(description="Markdown notes, typically added after the event")
    notes_html: str
    materials: list[MaterialLinkOut] = Field(description="Shared materials (links)")
    room_opens_at: datetime = Field(description="When attendees may start posting in the room")
    room_closes_at: datetime = Field(description="When the room becomes read-only again")


def event_detail_out(
    view: Any, *, can_manage: bool, position: int | None, opens: datetime, closes: datetime
) -> EventDetailOut:
    event = view.event
    return EventDetailOut(
        **occurrence_out(view, can_manage=can_manage, position=position).model_dump(),
        agenda=event.agenda,
        notes=event.notes,
        notes_html=event.notes_html,
        materials=[MaterialLinkOut(**m) for m in event.materials],
        room_opens_at=opens,
        room_closes_at=closes,
    )


class RsvpOut(Schema):
    event: int
    occurrence: str
    status: RsvpStatus
    waitlisted: bool = Field(description="No seat yet: on the waiting list")
    position: int | None
    going: int
    maybe: int
    waiting: int
    capacity: int | None


def rsvp_out(rsvp: Any, occurrence: Any, position: int | None) -> RsvpOut:
    return RsvpOut(
        event=occurrence.event_id,
        occurrence=occurrence_key(occurrence.original_start),
        status=rsvp.status,
        waitlisted=rsvp.waitlisted,
        position=position,
        going=occurrence.going_count,
        maybe=occurrence.maybe_count,
        waiting=occurrence.waiting_count,
        capacity=occurrence.capacity,
    )


class AttendeeOut(Schema):
    user: AuthorOut
    status: RsvpStatus
    waitlisted: bool
    position: int | None
    attended: bool | None
    community: str | None = Field(description="Slug of the community they come from")
    country: str = Field(description="ISO 3166-1 code from their profile, or empty")
    school: str
    responded_at: datetime


def attendee_out(rsvp: Any, *, position: int | None, community: str | None) -> AttendeeOut:
    profile = getattr(rsvp.user, "profile", None)
    return AttendeeOut(
        user=author_out(rsvp.user),
        status=rsvp.status,
        waitlisted=rsvp.waitlisted,
        position=position,
        attended=rsvp.attended,
        community=community,
        country=str(profile.country.code or "") if profile is not None else "",
        school=profile.school if profile is not None else "",
        responded_at=rsvp.updated_at,
    )


class FeedOut(Schema):
    kind: Literal["personal", "community"]
    community: CommunityRefOut | None
    url: str = Field(description="Private subscription URL (webcal: works too); keep it secret")
    created_at: datetime


class ReminderSettingsOut(Schema):
    day_before: bool = Field(description="A reminder 24 hours before")
    soon: bool = Field(description="A reminder 15 minutes before")


class CalendarOut(Schema):
    feeds: list[FeedOut]
    reminders: ReminderSettingsOut
    timezone: str | None = Field(description="The zone times are shown in (null: the browser's)")


class ZoneTimeOut(Schema):
    country: str
    country_name: str
    timezone: str
    local: str = Field(description="The proposed start there, ISO 8601 without offset")
    utc_offset: str
    members: int = Field(description="Members of the community in that country")
    school_hours: bool = Field(description="Between 08:00 and 17:00 on a weekday there")


class SchedulingHelpOut(Schema):
    starts_at: datetime = Field(description="The proposed start in UTC")
    zones: list[ZoneTimeOut]
