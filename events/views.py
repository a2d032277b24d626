"""Pages of events: a community's calendar (a list, and a month) with the organisers a
facilitator allows, and "your events" (feeds, reminders); the home page's panel; and what
every events page shares (the zone, the event or occurrence asked for, an occurrence as
shown). One event's page is in ``views_event.py``, the forms to schedule and change in
``views_scheduling.py``. Each view parses, authorises, calls a service or selector.

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
from community.permissions import can_read_rooms
from community.selectors import community_by_slug
from core.errors import Forbidden, KringError, NotFound
from core.protocol.events import occurrence_key

from . import selectors, services, texts
from .permissions import can_allow_organisers, organise_refusal

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


def _back(event: Any, key: datetime | None) -> HttpResponse:
    url = reverse("events:detail", args=[event.pk])
    return redirect(url + (f"?occurrence={occurrence_key(key)}" if key else ""))


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
