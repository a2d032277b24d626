"""JSON API of events: a community's calendar, one's own events, scheduling and changing
(``scope``: this / following / series), RSVPs, attendees and their export, attendance,
iCalendar files and private feeds, the scheduling helper, who may organise."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from community.models import User
from community.permissions import can_read_rooms
from community.selectors import community_by_slug
from core.errors import Forbidden, NotFound
from core.protocol.api import ERRORS, ErrorOut
from core.protocol.events import (
    AttendeeOut,
    CalendarOut,
    EventDetailOut,
    FeedOut,
    OccurrenceOut,
    ReminderSettingsOut,
    RsvpOut,
    SchedulingHelpOut,
    attendee_out,
    event_detail_out,
    occurrence_key,
    occurrence_out,
    rsvp_out,
)
from core.protocol.materials import community_ref_out

from . import ical, selectors, services
from .permissions import can_manage_event
from .room_rules import window_of
from .schemas import (
    AttendanceIn,
    EventEditIn,
    EventIn,
    FeedIn,
    HelperQuery,
    MyEventsQuery,
    OccurrenceQuery,
    ReminderSettingsIn,
    RevokeIn,
    RsvpIn,
    ScopeQuery,
    WindowQuery,
)

router = Router(tags=["events"])
ICS = {
    "responses": {
        200: {
            "description": "An iCalendar file (RFC 5545)",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        }
    }
}
CSV = {
    "responses": {
        200: {
            "description": "Attendees as CSV (UTF-8, a header row; times in the event's zone)",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


def detail_out(view: Any, viewer: Any) -> EventDetailOut:
    view.my_rsvp = selectors.rsvp_of(user=viewer, view=view)
    opens, closes = window_of(view)
    return event_detail_out(
        view,
        can_manage=can_manage_event(viewer, view.event),
        position=selectors.waiting_position(view.my_rsvp),
        opens=opens,
        closes=closes,
    )


def _list_out(views: list[Any], viewer: Any) -> list[OccurrenceOut]:
    managed: dict[int, bool] = {}
    out = []
    for view in views:
        if view.event.pk not in managed:
            managed[view.event.pk] = can_manage_event(viewer, view.event)
        position = selectors.waiting_position(view.my_rsvp)
        out.append(occurrence_out(view, can_manage=managed[view.event.pk], position=position))
    return out


def _readable_community(request: HttpRequest, slug: str) -> Any:
    community = community_by_slug(slug=slug)
    if not can_read_rooms.test(request.auth, community):
        raise Forbidden(_("Only members of this community see its calendar."))
    return community


@router.get("/communities/{slug}/events", response={200: list[OccurrenceOut], **ERRORS})
def community_events(request: HttpRequest, slug: str, window: Query[WindowQuery]) -> Any:
    """Occurrences of the community's events and of events open to it, between ``from`` and
    ``to`` (default: the next 62 days), cancelled ones flagged."""
    community = _readable_community(request, slug)
    after, before = selectors.window(window.from_, window.to)
    views = selectors.community_occurrences(
        community=community, viewer=request.auth, after=after, before=before
    )
    return _list_out(views, request.auth)


@router.post("/communities/{slug}/events", response={201: EventDetailOut, **ERRORS})
def create_event(request: HttpRequest, slug: str, payload: EventIn) -> Any:
    """Schedule an event, or a series with ``rrule``; times are local to ``timezone``."""
    community = community_by_slug(slug=slug)
    data = payload.dict()
    if data["format"] is None:
        data.pop("format")
    event = services.event_create(actor=request.auth, community=community, **data)
    view = selectors.occurrence_view(
        event=selectors.event_get(event_id=event.pk), key=event.starts_at
    )
    return Status(201, detail_out(view, request.auth))


@router.get("/communities/{slug}/events/helper", response={200: SchedulingHelpOut, **ERRORS})
def scheduling_helper(request: HttpRequest, slug: str, query: Query[HelperQuery]) -> Any:
    """A proposed start in each zone the community's members live in (from their profiles'
    countries and the community's)."""
    community = _readable_community(request, slug)
    return selectors.scheduling_help(
        community=community, starts_at=query.starts_at, timezone_name=query.timezone
    )


@router.put("/communities/{slug}/organisers/{user_id}", response={200: dict, **ERRORS})
def allow_organiser(request: HttpRequest, slug: str, user_id: int) -> Any:
    """Allow a member to schedule events here (facilitators)."""
    community = community_by_slug(slug=slug)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("No user %(user_id)s.") % {"user_id": user_id})
    services.organiser_allow(actor=request.auth, community=community, user=user)
    return {"community": community.slug, "user": user.pk, "organiser": True}


@router.delete("/communities/{slug}/organisers/{user_id}", response={200: dict, **ERRORS})
def disallow_organiser(request: HttpRequest, slug: str, user_id: int) -> Any:
    community = community_by_slug(slug=slug)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("No user %(user_id)s.") % {"user_id": user_id})
    services.organiser_disallow(actor=request.auth, community=community, user=user)
    return {"community": community.slug, "user": user.pk, "organiser": False}


@router.get("/me/events", response={200: list[OccurrenceOut], **ERRORS})
def my_events(request: HttpRequest, query: Query[MyEventsQuery]) -> Any:
    """Occurrences of every event I may come to (``mine``: only those I said going or maybe
    to), with my answer."""
    after, before = selectors.window(query.from_, query.to)
    views = selectors.my_occurrences(user=request.auth, after=after, before=before, mine=query.mine)
    return _list_out(views, request.auth)


@router.get("/events/{int:event_id}", response={200: EventDetailOut, **ERRORS})
def get_event(request: HttpRequest, event_id: int, query: Query[OccurrenceQuery]) -> Any:
    event = selectors.event_for_viewer(user=request.auth, event_id=event_id)
    view = selectors.occurrence_view(event=event, key=selectors.parse_key(query.occurrence))
    return detail_out(view, request.auth)


@router.patch("/events/{int:event_id}", response={200: EventDetailOut, **ERRORS})
def edit_event(
    request: HttpRequest, event_id: int, payload: EventEditIn, query: Query[ScopeQuery]
) -> Any:
    """Change an event; for a series, ``scope`` says which part. The answer is the changed
    occurrence (for ``following``, of the new event that now holds it)."""
    event = selectors.event_for_viewer(user=request.auth, event_id=event_id)
    key = selectors.parse_key(query.occurrence)
    data = payload.dict(exclude_unset=True)
    holder = services.event_update(
        actor=request.auth, event=event, scope=query.scope, occurrence=key, **data
    )
    if holder.pk != event.pk or key is None or query.scope == "series":
        key = None if query.scope == "series" else holder.starts_at
    view = selectors.occurrence_view(event=selectors.event_get(event_id=holder.pk), key=key)
    return detail_out(view, request.auth)


@router.delete("/events/{int:event_id}", response={200: EventDetailOut, **ERRORS})
def cancel_event(request: HttpRequest, event_id: int, query: Query[ScopeQuery]) -> Any:
    """Cancel an event, or part of a series (``scope``). Calendars show it as cancelled;
    those going or maybe are told."""
    event = selectors.event_for_viewer(user=request.auth, event_id=event_id)
    key = selectors.parse_key(query.occurrence)
    services.event_cancel(
        actor=request.auth, event=event, scope=query.scope, occurrence=key, reason=query.reason
    )
    fresh = selectors.event_get(event_id=event.pk)
    view = selectors.occurrence_view(event=fresh, key=key if query.scope != "series" else None)
    return detail_out(view, request.auth)


@router.post("/events/{int:event_id}/rsvp", response={200: RsvpOut, **ERRORS})
def rsvp(request: HttpRequest, event_id: int, payload: RsvpIn) -> Any:
    """Going, maybe or no, for one occurrence (default: the next). Going when no seat is
    left puts you on the waiting list (``waitlisted``); you are told when a seat is yours."""
    event = selectors.event_for_viewer(user=request.auth, event_id=event_id)
    answer, row = services.rsvp_set(
        actor=request.auth,
        event=event,
        status=payload.status,
        occurrence=selectors.parse_key(payload.occurrence),
    )
    return rsvp_out(answer, row, selectors.waiting_position(answer))


def _managed_view(request: HttpRequest, event_id: int, occurrence: Any) -> Any:
    event = selectors.event_for_viewer(user=request.auth, event_id=event_id)
    if not can_manage_event(request.auth, event):
        raise Forbidden(_("Only its organisers and the community's facilitators see who comes."))
    return selectors.occurrence_view(event=event, key=selectors.parse_key(occurrence))


@router.get("/events/{int:event_id}/attendees", response={200: list[AttendeeOut], **ERRORS})
def attendees(request: HttpRequest, event_id: int, query: Query[OccurrenceQuery]) -> Any:
    view = _managed_view(request, event_id, query.occurrence)
    return [attendee_out(r, position=p, community=c) for r, p, c in selectors.attendees(view=view)]


@router.get(
    "/events/{int:event_id}/attendees.csv", response={200: str, **ERRORS}, openapi_extra=CSV
)
def attendees_csv(request: HttpRequest, event_id: int, query: Query[OccurrenceQuery]) -> Any:
    """The attendee list to keep (e.g. for an Erasmus+ report); times in the event's zone,
    named in the header."""
    view = _managed_view(request, event_id, query.occurrence)
    return attendee_csv_response(view)


def attendee_csv_response(view: Any) -> HttpResponse:
    from zoneinfo import ZoneInfo

    zone = view.event.timezone
    tz = ZoneInfo(zone)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "event",
            f"occurrence start ({zone})",
            "occurrence start (UTC)",
            "name",
            "handle",
            "community",
            "country",
            "school",
            "answer",
            "waiting list place",
            f"answered at ({zone})",
            "attended",
        ]
    )
    for rsvp, place, community in selectors.attendees(view=view):
        out = attendee_out(rsvp, position=place, community=community)
        writer.writerow(
            [
                view.title,
                view.starts_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                view.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                _cell(out.user.name),
                out.user.handle or "",
                community or "",
                out.country,
                _cell(out.school),
                "going" if rsvp.has_seat else "waiting" if rsvp.waitlisted else rsvp.status,
                place or "",
                rsvp.updated_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                "" if rsvp.attended is None else "yes" if rsvp.attended else "no",
            ]
        )
    name = slugify(view.title)[:60] or "event"
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-{view.starts_at.astimezone(tz):%Y-%m-%d}-attendees.csv"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _cell(value: str) -> str:
    """No spreadsheet formulas from people's names (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@router.post("/events/{int:event_id}/attendance", response={200: AttendeeOut, **ERRORS})
def mark_attendance(request: HttpRequest, event_id: int, payload: AttendanceIn) -> Any:
    """Who came (after the start; organisers and facilitators). ``attended`` null unmarks."""
    event = selectors.event_for_viewer(user=request.auth, event_id=event_id)
    answer = services.attendance_mark(
        actor=request.auth,
        event=event,
        occurrence=selectors.parse_key(payload.occurrence),
        user_id=payload.user,
        attended=payload.attended,
    )
    return attendee_out(answer, position=None, community=None)


def ics_response(body: bytes, name: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = (
        f'{disposition}; filename="{slugify(name)[:60] or "calendar"}.ics"'
    )
    response["Cache-Control"] = "private, max-age=300"
    return response


@router.get("/events/{int:event_id}.ics", response={200: str, **ERRORS}, openapi_extra=ICS)
def event_ics(request: HttpRequest, event_id: int) -> Any:
    """The event (a whole series) as an iCalendar file to add to any calendar app."""
    event = selectors.event_for_viewer(user=request.auth, event_id=event_id)
    return ics_response(ical.event_calendar(event), event.title, attachment=True)


def _calendar_out(request: HttpRequest) -> CalendarOut:
    user = request.auth
    reminders = selectors.reminder_settings_of(user=user)
    return CalendarOut(
        feeds=[feed_out(request, f) for f in selectors.feeds_of(user=user)],
        reminders=ReminderSettingsOut(day_before=reminders.day_before, soon=reminders.soon),
        timezone=selectors.viewer_zone(user),
    )


def feed_out(request: HttpRequest, feed: Any) -> FeedOut:
    path = reverse("api:calendar_feed", args=[feed.token])
    return FeedOut(
        kind="community" if feed.community else "personal",
        community=community_ref_out(feed.community) if feed.community else None,
        url=request.build_absolute_uri(path),
        created_at=feed.created_at,
    )


@router.get("/me/calendar", response={200: CalendarOut, **ERRORS})
def my_calendar(request: HttpRequest) -> Any:
    """My private calendar feed URLs and reminder settings."""
    return _calendar_out(request)


@router.patch("/me/calendar", response={200: CalendarOut, **ERRORS})
def edit_my_calendar(request: HttpRequest, payload: ReminderSettingsIn) -> Any:
    """Reminders 24 hours (``day_before``) and 15 minutes (``soon``) before events I go to."""
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    services.reminder_settings_update(user=request.auth, **changes)
    return _calendar_out(request)


@router.post("/me/calendar/feeds", response={201: FeedOut, **ERRORS})
def create_feed(request: HttpRequest, payload: FeedIn) -> Any:
    """A private subscription URL: my events, or a community's calendar."""
    community = community_by_slug(slug=payload.community) if payload.community else None
    feed = services.feed_create(user=request.auth, community=community)
    return Status(201, feed_out(request, feed))


@router.post("/me/calendar/feeds/{feed_id}/revoke", response={200: FeedOut, 204: None, **ERRORS})
def revoke_feed(request: HttpRequest, feed_id: int, payload: RevokeIn) -> Any:
    """The URL stops working (someone saw it?); with ``renew`` (the default), the answer is
    a new one, else 204."""
    feed = services.feed_revoke(user=request.auth, feed_id=feed_id, renew=payload.renew)
    return feed_out(request, feed) if feed is not None else Status(204, None)


@router.get(
    "/calendar/{token}.ics",
    auth=None,
    response={200: str, 404: ErrorOut},
    openapi_extra=ICS,
    url_name="calendar_feed",
)
def calendar_feed(request: HttpRequest, token: str) -> Any:
    """A private feed for calendar apps (no sign-in: the token is the key). Permissions are
    checked at every fetch: leaving a community empties what its feed shows you."""
    feed = selectors.feed_by_token(token=token)
    if feed.community is None:
        body = ical.personal_calendar("Kring", selectors.feed_rsvps(user=feed.user))
        return ics_response(body, "kring", attachment=False)
    if not can_read_rooms.test(feed.user, feed.community):
        raise NotFound(_("No such calendar."))
    body = ical.community_calendar(
        feed.community.name, selectors.feed_events(community=feed.community)
    )
    return ics_response(body, feed.community.slug, attachment=False)


__all__ = ["attendee_csv_response", "detail_out", "ics_response", "occurrence_key", "router"]
