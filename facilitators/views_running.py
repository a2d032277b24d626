"""Pages that run a community: its settings (details, logo, rooms, network) and the members
table. Views parse, authorise, call one service or selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from community import selectors, services
from community.forms_shaping import CommunitySettingsForm, LogoForm, RoomForm
from community.member_table import ACTIVITY_DAYS, SORTS, MemberFilters, member_table
from community.models import Community, CommunityKind, MembershipState
from community.permissions import can_manage_community
from core.errors import KringError, NotFound
from core.protocol.stewardship import logo_url
from core.roles import Role

from .services import room_settings_update


def _managed_or_redirect(request: HttpRequest, slug: str) -> Community | HttpResponse:
    community = selectors.community_by_slug(slug=slug) if slug else None
    if community is None or not can_manage_community.test(request.user, community):
        messages.error(request, _("Only this community's facilitators can change it."))
        return redirect("community:detail", slug=slug)
    return community


def _community(slug: str) -> Community:
    try:
        return selectors.community_by_slug(slug=slug)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def community_settings(request: HttpRequest, slug: str) -> HttpResponse:
    found = _community(slug)
    managed = _managed_or_redirect(request, found.slug)
    if isinstance(managed, HttpResponse):
        return managed
    community = managed
    settings_form = CommunitySettingsForm(
        initial={
            "name": community.name,
            "description": community.description,
            "countries": ", ".join(c.code for c in community.countries),
            "region": community.region,
            "languages": ", ".join(community.languages),
            "join_policy": community.join_policy,
        }
    )
    logo_form = LogoForm()
    room_form = RoomForm(prefix="new")
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "settings":
            settings_form = CommunitySettingsForm(request.POST)
            if settings_form.is_valid():
                try:
                    services.community_update(
                        actor=request.user,
                        community=community,
                        **settings_form.fields_for_service(),
                    )
                except KringError as exc:
                    settings_form.show_error(exc)
                else:
                    messages.success(request, _("The community's settings were saved."))
                    return redirect("facilitators:settings", slug=slug)
        elif action == "logo":
            logo_form = LogoForm(request.POST, request.FILES)
            if logo_form.is_valid():
                try:
                    services.community_logo_set(
                        actor=request.user,
                        community=community,
                        upload=logo_form.cleaned_data["logo"],
                    )
                except KringError as exc:
                    logo_form.show_error(exc)
                else:
                    messages.success(request, _("The logo was changed."))
                    return redirect("facilitators:settings", slug=slug)
        elif action == "room_add":
            room_form = RoomForm(request.POST, prefix="new")
            if room_form.is_valid():
                try:
                    room = services.room_add(
                        actor=request.user, community=community, **room_form.cleaned_data
                    )
                except KringError as exc:
                    room_form.show_error(exc)
                else:
                    messages.success(
                        request, _("Room #%(name)s was created.") % {"name": room.name}
                    )
                    return redirect("facilitators:settings", slug=slug)
        else:
            _act(request, community, action)
            return redirect(f"{request.path}#h-{_ANCHORS.get(action, 'rooms')}")
    circles = selectors.circles_of(community)
    return render(
        request,
        "facilitators/settings.html",
        {
            "community": community,
            "logo_url": logo_url(community),
            "settings_form": settings_form,
            "logo_form": logo_form,
            "room_form": room_form,
            "rooms": list(selectors.room_list(community=community, user=request.user)),
            "archived_rooms": list(
                selectors.room_list(community=community, user=request.user, archived=True)
            ),
            "circles": circles,
            "linked": selectors.linked_to(community),
            "available_circles": [
                c
                for c in selectors.community_list(
                    user=request.user, kind=CommunityKind.CROSS_BORDER
                )
                if c.pk != community.pk and c not in circles
            ]
            if community.kind != CommunityKind.CROSS_BORDER
            else [],
        },
    )


def _available_circles(user: Any, community: Community, circles: list[Any]) -> list[Any]:
    """Cross-border circles this regional community or hub could join."""
    if community.kind == CommunityKind.CROSS_BORDER:
        return []
    found = selectors.community_list(user=user, kind=CommunityKind.CROSS_BORDER)
    return [c for c in found if c.pk != community.pk and c not in circles]


_ANCHORS = {
    "link": "network",
    "unlink": "network",
    "unlink_linked": "network",
    "logo_clear": "logo",
}


def _act(request: HttpRequest, community: Community, action: str) -> None:
    """The settings page's small actions; each one service call, its error shown on top."""
    data = request.POST
    room = None
    if action.startswith("room_"):
        room = community.rooms.filter(pk=_int(data.get("room"))).first()
        if room is None:
            messages.error(request, _("No such room."))
            return
    try:
        if action == "logo_clear":
            services.community_logo_clear(actor=request.user, community=community)
        elif action == "room_update" and room is not None:
            room_settings_update(
                actor=request.user,
                room=room,
                name=data.get("name", room.name),
                topic=data.get("topic", room.topic),
            )
        elif action in ("room_up", "room_down") and room is not None:
            ids = [r.pk for r in selectors.room_list(community=community, user=request.user)]
            index = ids.index(room.pk)
            target = index - 1 if action == "room_up" else index + 1
            if 0 <= target < len(ids):
                ids[index], ids[target] = ids[target], ids[index]
                services.rooms_reorder(actor=request.user, community=community, room_ids=ids)
        elif action == "room_archive" and room is not None:
            services.room_archive(actor=request.user, room=room, reason=data.get("reason", ""))
        elif action == "room_restore" and room is not None:
            services.room_restore(actor=request.user, room=room)
        elif action == "link":
            circle = selectors.community_by_slug(slug=data.get("circle", ""))
            services.network_link(actor=request.user, community=community, circle=circle)
        elif action == "unlink":
            circle = selectors.community_by_slug(slug=data.get("circle", ""))
            services.network_unlink(actor=request.user, community=community, circle=circle)
        elif action == "unlink_linked":
            linked = selectors.community_by_slug(slug=data.get("community", ""))
            services.network_unlink(actor=request.user, community=linked, circle=community)
        else:
            messages.error(request, _("Unknown action."))
            return
    except KringError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Done."))


@login_required
def members_table(request: HttpRequest, slug: str) -> HttpResponse:
    found = _community(slug)
    managed = _managed_or_redirect(request, found.slug)
    if isinstance(managed, HttpResponse):
        return managed
    community = managed
    get = request.GET
    sort = get.get("sort", "name")
    if sort.lstrip("-") not in SORTS:
        sort = "name"
    filters = MemberFilters(
        role=get.get("role") if get.get("role") in Role.values else None,
        country=(get.get("country") or "").strip().upper()[:2] or None,
        inactive_days=_int(get.get("inactive_days")) if get.get("inactive_days") else None,
        state=get.get("state") if get.get("state") in MembershipState.values else "active",
        sort=sort,
    )
    problem = None
    try:
        page = member_table(
            community=community, filters=filters, page=_int(get.get("page")) or 1, page_size=50
        )
    except KringError as exc:
        problem = exc.detail
        filters = MemberFilters(state="active", sort=sort)
        page = member_table(community=community, filters=filters, page=1, page_size=50)
    query = get.copy()
    query.pop("page", None)
    without_sort = query.copy()
    without_sort.pop("sort", None)
    return render(
        request,
        "facilitators/members.html",
        {
            "community": community,
            "page": page,
            "rows": [
                {
                    "row": row,
                    "role": dict(Role.choices).get(row.role, row.role),
                    "state": dict(MembershipState.choices).get(row.state, row.state),
                }
                for row in page.rows
            ],
            "filters": filters,
            "problem": problem,
            "roles": Role.choices,
            "states": MembershipState.choices,
            "sort": sort,
            "columns": _columns(sort),
            "query": query.urlencode(),
            "without_sort": without_sort.urlencode(),
            "zone": timezone.get_current_timezone_name(),
            "activity_days": ACTIVITY_DAYS,
        },
    )


def _columns(sort: str) -> list[dict[str, Any]]:
    """The table's sortable headings: label, the sort a click asks for, aria-sort."""
    labels = {
        "name": _("Name"),
        "country": _("Country"),
        "school": _("School"),
        "role": _("Role"),
        "joined": _("Joined"),
        "last_active": _("Last active"),
        "messages": _("Messages, 30 days"),
    }
    columns = []
    for key, label in labels.items():
        current = sort.lstrip("-") == key
        descending = sort.startswith("-")
        columns.append(
            {
                "key": key,
                "label": label,
                "next": f"-{key}" if current and not descending else key,
                "aria_sort": ("descending" if descending else "ascending") if current else "none",
            }
        )
    return columns
