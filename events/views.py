"""Pages of events: a community's calendar (a list, and a month), one event with its RSVP
buttons, live counts and live room, the forms to schedule, change and cancel, and "your
events" (feeds, reminders). Each view parses, authorises, calls a service or selector.

Times: on the server in the viewer's zone (their delivery settings, else the zone their
browser reported in the ``kring_tz`` cookie, else the event's); in the browser ``events.js``
shows the same instants with ``Intl`` (the chosen zone, or the browser's), the organiser's time
beside them.
"""

from __future__ import annotations

import calendar as calendar_module
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.models import Community, User
from community.permissions import can_read_rooms, post_refusal
from community.selectors import community_by_slug
from community.views import live_room_context
from core.errors import Forbidden, KringError, NotFound
from core.protocol.events import occurrence_key

from . import selectors, services, texts
from .api import attendee_csv_response, detail_out, ics_response
from .forms import CancelForm, EventForm, NotesForm, OccurrenceForm, repeat_of
from .ical import event_calendar
from .models import Audience, EventFormat, RsvpStatus
from .permissions import can_allow_organisers, can_manage_event, organise_refusal
from .recurrence import local_of, zone
from .zones import zones_of

ZONE_COOKIE = "kring_tz"
DEFAULT_ZONE = settings.KRING_DEFAULT_TIMEZONE


def page_zone(request: HttpRequest, fallback: str | None = None) -> str:
    """The zone times are shown in on the server (see the module's docstring)."""
    return selectors.viewer_zone(request.user, browser_zone(request)) or fallback or DEFAULT_ZONE


def browser_zone(request: HttpRequest) -> str:
    """The zone the reader's browser reported (``events.js`` sets the cookie, URL-encoded)."""
    return unquote(request.COOKIES.get(ZONE_COOKIE, ""))[:64]


def _community_or_404(slug: str) -> Community:
    try:
        return community_by_slug(slug=slug)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


def _event_for(request: HttpRequest, event_id: int) -> Any:
    """For the pages: an event the viewer may not see is not there (404)."""
    try:
        return selectors.event_for_viewer(user=request.user, event_id=event_id)
    except (NotFound, Forbidden) as exc:
        raise Http404(exc.detail) from exc


def _key(request: HttpRequest) -> datetime | None:
    try:
        return selectors.parse_key(request.GET.get("occurrence") or request.POST.get("occurrence"))
    except KringError as exc:
        raise Http404(exc.detail) from exc


def _view(event: Any, key: datetime | None) -> Any:
    try:
        return selectors.occurrence_view(event=event, key=key)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


def _shown(view: Any, zone_name: str) -> dict[str, Any]:
    """An occurrence for a template: its times in the page's zone and the organiser's."""
    event_zone = view.event.timezone
    local = view.starts_at.astimezone(ZoneInfo(zone_name))
    theirs = view.starts_at.astimezone(ZoneInfo(event_zone))
    same = local.utcoffset() == theirs.utcoffset()
    same_day = local.date() == theirs.date()
    return {
        "view": view,
        "key": occurrence_key(view.key),
        "url": reverse("events:detail", args=[view.event.pk])
        + f"?occurrence={occurrence_key(view.key)}",
        "day": local.date(),
        "start": formats.date_format(local, "H:i"),
        "end": formats.date_format(view.ends_at.astimezone(ZoneInfo(zone_name)), "H:i"),
        "when": texts.when(view.starts_at, zone_name),
        "organiser_when": None
        if same
        else formats.date_format(theirs, "H:i" if same_day else "D j M, H:i"),
        "organiser_when_full": None if same else texts.when(view.starts_at, event_zone),
        "organiser_city": texts.city(event_zone),
        "hosted_elsewhere": None,
    }


@login_required
def calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """A community's calendar: upcoming as a list (phone first), or a month (``?view=month``)."""
    community = _community_or_404(slug)
    if not can_read_rooms.test(request.user, community):
        messages.info(request, _("Join this community to see its events."))
        return redirect("community:detail", slug=slug)
    zone_name = page_zone(request)
    tz = ZoneInfo(zone_name)
    today = timezone.now().astimezone(tz).date()
    month_view = request.GET.get("view") == "month"
    if month_view:
        try:
            first = datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
        except ValueError:
            first = today.replace(day=1)
        weeks = calendar_module.Calendar().monthdatescalendar(first.year, first.month)
        start, end = weeks[0][0], weeks[-1][-1] + timedelta(days=1)
    else:
        try:
            start = date.fromisoformat(request.GET.get("from", ""))
        except ValueError:
            start = today
        end = start + timedelta(days=selectors.DEFAULT_DAYS)
    after = datetime.combine(start, datetime.min.time()).replace(tzinfo=tz).astimezone(UTC)
    before = datetime.combine(end, datetime.min.time()).replace(tzinfo=tz).astimezone(UTC)
    views = selectors.community_occurrences(
        community=community, viewer=request.user, after=after, before=before
    )
    shown = []
    for view in views:
        item = _shown(view, zone_name)
        if view.event.community_id != community.pk:
            item["hosted_elsewhere"] = view.event.community
        shown.append(item)
    by_day: dict[date, list[dict[str, Any]]] = {}
    for item in shown:
        by_day.setdefault(item["day"], []).append(item)
    context: dict[str, Any] = {
        "community": community,
        "zone": zone_name,
        "chosen_zone": selectors.viewer_zone(request.user),
        "today": today,
        "days": sorted(by_day.items()),
        "can_schedule": organise_refusal(request.user, community) is None,
        **_organiser_context(request, community),
        "month_view": month_view,
        "list_from": start,
        "next_from": end,
        "prev_from": start - timedelta(days=selectors.DEFAULT_DAYS),
    }
    if month_view:
        context.update(
            {
                "month": first,
                "weeks": [
                    [
                        {"day": d, "items": by_day.get(d, []), "in_month": d.month == first.month}
                        for d in week
                    ]
                    for week in weeks
                ],
                "prev_month": (first - timedelta(days=1)).replace(day=1),
                "next_month": (weeks[-1][-1] + timedelta(days=1)).replace(day=1)
                if weeks[-1][-1].month != first.month
                else (first + timedelta(days=32)).replace(day=1),
                "weekdays": [formats.date_format(weeks[0][i], "D") for i in range(7)],
            }
        )
    return render(request, "events/calendar.html", context)


def _organiser_context(request: HttpRequest, community: Community) -> dict[str, Any]:
    """For facilitators: the members allowed to organise, and those who could be."""
    if not can_allow_organisers(request.user, community):
        return {}
    return {
        "can_allow": True,
        "organisers": selectors.organisers_of(community=community),
        "could_organise": selectors.could_organise(community=community),
    }


@login_required
@require_POST
def organisers(request: HttpRequest, slug: str) -> HttpResponse:
    """A facilitator allows a member to schedule events, or stops allowing it."""
    community = _community_or_404(slug)
    try:
        user = User.objects.get(pk=int(request.POST.get("user", "0")))
        if request.POST.get("action") == "disallow":
            services.organiser_disallow(actor=request.user, community=community, user=user)
            messages.success(
                request, _("%(name)s no longer schedules events here.") % {"name": user.public_name}
            )
        else:
            services.organiser_allow(actor=request.user, community=community, user=user)
            messages.success(
                request, _("%(name)s may now schedule events here.") % {"name": user.public_name}
            )
    except (KringError, ValueError, User.DoesNotExist) as exc:
        messages.error(request, getattr(exc, "detail", _("Choose a member.")))
    return redirect("events:calendar", slug=slug)


@login_required
def detail(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event_for(request, event_id)
    view = _view(event, _key(request))
    zone_name = page_zone(request, event.timezone)
    out = detail_out(view, request.user)
    manages = out.can_manage
    upcoming = selectors.expand(
        [event], timezone.now(), timezone.now() + timedelta(days=selectors.MAX_DAYS)
    )
    room_context = live_room_context(request, event.community, event.room)
    refusal = post_refusal(request.user, event.room)
    room_context["can_post"] = refusal is None
    names = {c.slug: c.name for c in [event.community, *event.guest_communities.all()]}
    attendees = (
        [(r, place, names.get(slug, "")) for r, place, slug in selectors.attendees(view=view)]
        if manages
        else []
    )
    return render(
        request,
        "events/detail.html",
        {
            **room_context,
            "event": event,
            "out": out,
            "shown": _shown(view, zone_name),
            "zone": zone_name,
            "chosen_zone": selectors.viewer_zone(request.user),
            "other_dates": [_shown(v, zone_name) for v in upcoming if v.key != view.key][:8],
            "room_refusal": refusal,
            "room_opens_at": out.room_opens_at,
            "attendees": attendees,
            "attendance_open": view.starts_at <= timezone.now(),
            "statuses": RsvpStatus.choices,
            "notes_form": NotesForm(
                initial={
                    "notes": event.notes,
                    "materials": "\n".join(f"{m['title']} {m['url']}" for m in event.materials),
                }
            )
            if manages
            else None,
            "cancel_form": CancelForm() if manages else None,
            "is_series": bool(event.rrule),
        },
    )


@login_required
@require_POST
def rsvp(request: HttpRequest, event_id: int) -> HttpResponse:
    """The RSVP buttons without JavaScript (with it, ``events.js`` calls the API)."""
    event = _event_for(request, event_id)
    key = _key(request)
    try:
        answer, _row = services.rsvp_set(
            actor=request.user, event=event, status=request.POST.get("status", ""), occurrence=key
        )
    except KringError as exc:
        messages.error(request, exc.detail)
    else:
        if answer.waitlisted:
            messages.info(
                request,
                _("It is full: you are on the waiting list. We tell you when a seat is yours."),
            )
        else:
            messages.success(request, _("Saved."))
    return _back(event, key)


def _back(event: Any, key: datetime | None) -> HttpResponse:
    url = reverse("events:detail", args=[event.pk])
    return redirect(url + (f"?occurrence={occurrence_key(key)}" if key else ""))


@login_required
def ics(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event_for(request, event_id)
    return ics_response(event_calendar(event), event.title, attachment=True)


@login_required
def attendees_csv(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event_for(request, event_id)
    if not can_manage_event(request.user, event):
        raise Http404("No such list.")
    return attendee_csv_response(_view(event, _key(request)))


@login_required
@require_POST
def attendance(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event_for(request, event_id)
    key = _key(request)
    value = request.POST.get("attended")
    try:
        services.attendance_mark(
            actor=request.user,
            event=event,
            occurrence=key,
            user_id=int(request.POST.get("user", "0")),
            attended=None if value == "" else value == "1",
        )
    except (KringError, ValueError) as exc:
        messages.error(request, getattr(exc, "detail", _("Choose someone on the list.")))
    return _back(event, key)


def _guests_for(request: HttpRequest, community: Community) -> list[Any]:
    return selectors.communities_to_open_to(user=request.user, host=community)


def _default_zone(request: HttpRequest, community: Community) -> str:
    chosen = selectors.viewer_zone(request.user, browser_zone(request))
    if chosen:
        return chosen
    countries = [c.code for c in community.countries]
    return (zones_of(countries[0]) or (DEFAULT_ZONE,))[0] if countries else DEFAULT_ZONE


@login_required
def create(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community_or_404(slug)
    refusal = organise_refusal(request.user, community)
    if refusal:
        messages.error(request, refusal)
        return redirect("events:calendar", slug=slug)
    form = EventForm(request.POST or None, guests=_guests_for(request, community))
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(actor=request.user, community=community, **form.changes())
        except KringError as exc:
            form.show(exc)
        else:
            messages.success(request, _("Scheduled. Your community can see it now."))
            return redirect("events:detail", event_id=event.pk)
    elif request.method == "GET":
        start = (timezone.now() + timedelta(days=7)).astimezone(
            ZoneInfo(_default_zone(request, community))
        )
        start = start.replace(hour=15, minute=30, second=0, microsecond=0)
        form.initial.update(
            {
                "timezone": _default_zone(request, community),
                "starts_at": start.replace(tzinfo=None),
                "ends_at": (start + timedelta(hours=1, minutes=30)).replace(tzinfo=None),
                "format": EventFormat.ONLINE,
                "audience": Audience.MEMBERS,
            }
        )
    return render(
        request,
        "events/form.html",
        {
            "form": form,
            "community": community,
            "heading": _("Schedule an event"),
            "helper_url": reverse("api:scheduling_helper", args=[community.slug]),
            "submit": _("Schedule"),
        },
    )


@login_required
def edit(request: HttpRequest, event_id: int) -> HttpResponse:
    """Change the whole event, one occurrence (``scope=this``) or the rest of a series
    (``scope=following``)."""
    event = _event_for(request, event_id)
    if not can_manage_event(request.user, event) or event.cancelled_at:
        messages.error(
            request, _("Only its organisers and the community's facilitators change an event.")
        )
        return redirect("events:detail", event_id=event.pk)
    scope = request.GET.get("scope") if event.rrule else "series"
    scope = scope if scope in ("this", "following", "series") else "series"
    key = _key(request)
    view = _view(event, key)
    tz = zone(event.timezone)
    one = scope == "this"
    form_class = OccurrenceForm if one else EventForm
    kwargs = {} if one else {"guests": _guests_for(request, event.community)}
    form = form_class(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        try:
            holder = services.event_update(
                actor=request.user,
                event=event,
                scope=scope,
                occurrence=view.key if scope != "series" else None,
                **changes,
            )
        except KringError as exc:
            form.show(exc)
        else:
            messages.success(request, _("Saved. Those going were told."))
            return _back(holder, view.key if scope == "this" else None)
    elif request.method == "GET":
        source = view if scope != "series" else selectors.view_of(event, event.starts_at, None)
        initial = {
            "title": source.title,
            "description": source.description,
            "starts_at": local_of(source.starts_at, tz),
            "ends_at": local_of(source.ends_at, tz),
            "format": source.format,
            "location": source.location,
            "online_url": source.online_url,
            "capacity": source.capacity,
        }
        if not one:
            choice, extra = repeat_of(event.rrule)
            initial.update(
                {
                    "timezone": event.timezone,
                    "agenda": event.agenda,
                    "audience": event.audience,
                    "guest_communities": [c.slug for c in event.guest_communities.all()],
                    "repeat": choice,
                    **extra,
                }
            )
        form.initial.update(initial)
    headings = {
        "this": _("Change this session only"),
        "following": _("Change this session and the following ones"),
        "series": _("Change the whole series") if event.rrule else _("Change the event"),
    }
    return render(
        request,
        "events/form.html",
        {
            "form": form,
            "community": event.community,
            "event": event,
            "heading": headings[scope],
            "scope": scope,
            "occurrence": occurrence_key(view.key),
            "shown": _shown(view, page_zone(request, event.timezone)),
            "helper_url": reverse("api:scheduling_helper", args=[event.community.slug]),
            "submit": _("Save"),
        },
    )


@login_required
@require_POST
def cancel(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event_for(request, event_id)
    key = _key(request)
    scope = request.POST.get("scope", "series")
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.event_cancel(
            actor=request.user, event=event, scope=scope, occurrence=key, reason=reason
        )
    except KringError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Cancelled. Those going were told, and calendars show it."))
    return _back(event, key if scope == "this" else None)


@login_required
@require_POST
def notes(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event_for(request, event_id)
    form = NotesForm(request.POST)
    if form.is_valid():
        try:
            services.event_update(actor=request.user, event=event, scope="series", **form.changes())
        except KringError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("Notes and materials saved."))
    return _back(event, _key(request))


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """Your events: what you go to, what else is coming in your communities, your private
    calendar links and reminders."""
    user = request.user
    if request.method == "POST":
        return _mine_post(request)
    zone_name = page_zone(request)
    now = timezone.now()
    later = now + timedelta(days=selectors.DEFAULT_DAYS)
    going = selectors.my_occurrences(user=user, after=now, before=later, mine=True)
    going_keys = {(v.event.pk, v.key) for v in going}
    others = [
        v
        for v in selectors.my_occurrences(user=user, after=now, before=later)
        if (v.event.pk, v.key) not in going_keys and not v.cancelled
    ][:20]
    feeds = selectors.feeds_of(user=user)
    communities = list(
        Community.objects.filter(memberships__user=user, memberships__state="active").order_by(
            "name"
        )
    )
    with_feed = {f.community_id for f in feeds}
    return render(
        request,
        "events/mine.html",
        {
            "going": [_shown(v, zone_name) for v in going],
            "others": [_shown(v, zone_name) for v in others],
            "feeds": [
                (f, request.build_absolute_uri(reverse("api:calendar_feed", args=[f.token])))
                for f in feeds
            ],
            "has_personal": None in with_feed,
            "feedless": [c for c in communities if c.pk not in with_feed],
            "reminders": selectors.reminder_settings_of(user=user),
            "zone": zone_name,
            "chosen_zone": selectors.viewer_zone(user),
        },
    )


def _mine_post(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action")
    try:
        if action == "reminders":
            services.reminder_settings_update(
                user=request.user,
                day_before=request.POST.get("day_before") == "on",
                soon=request.POST.get("soon") == "on",
            )
            messages.success(request, _("Reminders saved."))
        elif action == "feed":
            slug = request.POST.get("community") or None
            community = _community_or_404(slug) if slug else None
            services.feed_create(user=request.user, community=community)
            messages.success(
                request, _("Your private calendar link is ready: copy it into your calendar app.")
            )
        elif action == "revoke":
            services.feed_revoke(user=request.user, feed_id=int(request.POST.get("feed", "0")))
            messages.success(request, _("The old link no longer works; here is a new one."))
    except (KringError, ValueError) as exc:
        messages.error(request, getattr(exc, "detail", _("Something was wrong with that.")))
    return redirect("events:mine")


def home_panel(user: Any) -> dict[str, Any] | None:
    """ "Your next events" on the home page (registered in ``community.registry.home_panels``)."""
    now = timezone.now()
    going = selectors.my_occurrences(
        user=user, after=now, before=now + timedelta(days=31), mine=True
    )
    coming = [v for v in going if not v.cancelled][:4]
    zone_name = selectors.viewer_zone(user) or (
        coming[0].event.timezone if coming else DEFAULT_ZONE
    )
    return {
        "template": "events/_home_panel.html",
        "occurrences": [_shown(v, zone_name) for v in coming],
    }
