"""The search page: messages the reader may see, with filters, each linking to its place in
its room."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from community.models import Room
from core.errors import KringError

from . import search

PAGE = 20


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    room = _int(request.GET.get("room", ""))
    person = request.GET.get("person", "").strip()[:60]
    since, until = _date(request.GET.get("since", "")), _date(request.GET.get("until", ""))
    has_file = request.GET.get("has_file") == "1"
    page = max(1, min(_int(request.GET.get("page", "")) or 1, 50))
    results, more, error = None, False, ""
    if q:
        try:
            filters = search.filters_for(
                user=request.user,
                room=room,
                person=person or None,
                since=since,
                until=until,
                has_file=has_file,
            )
            found = search.search_out(
                request.user, q, filters, limit=PAGE, offset=(page - 1) * PAGE
            )
            results, more = found.results, found.more
        except KringError as exc:
            error = exc.detail
    rooms = Room.objects.filter(pk__in=search.readable_room_ids(user=request.user)).select_related(
        "community"
    )
    places = search.room_places(list(rooms), reader=request.user)
    return render(
        request,
        "chat/search.html",
        {
            "q": q,
            "room": room,
            "person": person,
            "since": since,
            "until": until,
            "has_file": has_file,
            "results": results,
            "more": more,
            "page": page,
            "error": error,
            "room_choices": sorted(
                ((pk, label) for pk, (label, _url) in places.items()), key=lambda c: c[1].lower()
            ),
        },
    )
