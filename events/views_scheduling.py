"""The forms to schedule an event (times proposed in the organiser's zone) and to change it:
all of it, one occurrence (``scope=this``) or the rest of a series (``scope=following``).
Each view parses, authorises, calls a service."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Community
from core.errors import KringError
from core.protocol.events import occurrence_key

from . import selectors, services
from .forms import EventForm, OccurrenceForm, repeat_of
from .models import Audience, EventFormat
from .permissions import can_manage_event, organise_refusal
from .recurrence import local_of, zone
from .views import (
    DEFAULT_ZONE,
    _back,
    _community_or_404,
    _event_for,
    _key,
    _shown,
    _view,
    browser_zone,
    page_zone,
)
from .zones import zones_of


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
