"""One event's page: the event or occurrence with its RSVP buttons, live counts and live
room, its other dates and (for its organisers) the attendee list; and what is done from it:
answering, marking attendance, notes and materials, cancelling, the .ics and the CSV of who
answered. Each view parses, authorises, calls a service or selector."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.permissions import post_refusal
from community.views import live_room_context
from core.errors import KringError

from . import selectors, services
from .api import attendee_csv_response, detail_out, ics_response
from .forms import CancelForm, NotesForm
from .ical import event_calendar
from .models import RsvpStatus
from .permissions import can_manage_event
from .views import _back, _event_for, _key, _shown, _view, page_zone


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
