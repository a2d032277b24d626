"""What the events API accepts (what it answers is in ``core.protocol.events``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from .models import Audience, EventFormat

LOCAL_TIME = (
    "ISO 8601 wall-clock time in `timezone`, e.g. 2026-03-03T19:00 (an offset is converted)"
)


class MaterialIn(Schema):
    title: str = Field("", max_length=200)
    url: str = Field(..., max_length=1000)


class EventIn(Schema):
    title: str = Field(..., max_length=200)
    description: str = Field("", max_length=10_000, description="Markdown")
    starts_at: str = Field(..., max_length=40, description=LOCAL_TIME)
    ends_at: str = Field(..., max_length=40, description=LOCAL_TIME)
    timezone: str = Field(..., max_length=64, description="IANA zone, e.g. Europe/Amsterdam")
    rrule: str = Field(
        "", max_length=500, description="RFC 5545 RRULE for a series, e.g. FREQ=MONTHLY;BYDAY=1TU"
    )
    location: str = Field("", max_length=300, description="Address, for in person or hybrid")
    online_url: str = Field("", max_length=500, description="Video link, for online or hybrid")
    format: EventFormat | None = Field(None, description="Default: from location and online_url")
    capacity: int | None = Field(None, ge=1, description="Seats per occurrence; null: no limit")
    audience: Audience = Audience.MEMBERS
    guest_communities: list[str] = Field(
        default_factory=list, description="With audience=network: slugs of the other communities"
    )
    organisers: list[int] = Field(default_factory=list, description="User ids besides you")
    agenda: str = Field("", max_length=5000, description="Markdown; pinned in the event's room")


class EventEditIn(Schema):
    """Only the fields sent change. For one occurrence (scope=this) only title, description,
    times, place, format and capacity."""

    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=10_000)
    starts_at: str | None = Field(None, max_length=40, description=LOCAL_TIME)
    ends_at: str | None = Field(None, max_length=40, description=LOCAL_TIME)
    timezone: str | None = Field(None, max_length=64)
    rrule: str | None = Field(None, max_length=500)
    location: str | None = Field(None, max_length=300)
    online_url: str | None = Field(None, max_length=500)
    format: EventFormat | None = None
    capacity: int | None = Field(None, ge=1)
    audience: Audience | None = None
    guest_communities: list[str] | None = None
    organisers: list[int] | None = None
    agenda: str | None = Field(None, max_length=5000)
    notes: str | None = Field(None, max_length=10_000, description="Markdown")
    materials: list[MaterialIn] | None = Field(None, max_length=20)


Scope = Literal["this", "following", "series"]


class ScopeQuery(Schema):
    scope: Scope = Field(
        "series", description="For a series: this occurrence, it and the following, or all"
    )
    occurrence: datetime | None = Field(
        None, description="Which occurrence (its UTC start), for this/following"
    )
    reason: str = Field("", max_length=500, description="Cancelling: said to those going")


class OccurrenceQuery(Schema):
    occurrence: datetime | None = Field(
        None, description="An occurrence's UTC start; default: the next one"
    )


class WindowQuery(Schema):
    from_: datetime | None = Field(None, alias="from", description="UTC; default now")
    to: datetime | None = Field(None, description="UTC; default 62 days after from (at most 400)")


class MyEventsQuery(WindowQuery):
    mine: bool = Field(False, description="Only occurrences I said going (or maybe) to")


class RsvpIn(Schema):
    status: Literal["going", "maybe", "no"]
    occurrence: datetime | None = Field(None, description="Default: the next occurrence")


class AttendanceIn(Schema):
    user: int
    attended: bool | None
    occurrence: datetime | None = None


class ReminderSettingsIn(Schema):
    day_before: bool | None = None
    soon: bool | None = None


class FeedIn(Schema):
    community: str | None = Field(
        None, max_length=80, description="A community's slug; none: your own events"
    )


class RevokeIn(Schema):
    renew: bool = Field(True, description="Issue a new URL for the same calendar")


class HelperQuery(Schema):
    starts_at: str = Field(..., max_length=40, description=LOCAL_TIME)
    timezone: str = Field(..., max_length=64)
