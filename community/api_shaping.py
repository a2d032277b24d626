"""JSON API for running a community: its settings and logo, its rooms (create, order,
archive, restore; rename and topic are ``PATCH /api/rooms/{id}``), its network, the members
table (with CSV export), archiving (coordinators) and the announcement preview.

Endpoints parse, authorise, call one service or selector and shape the answer (shapes in
``core.protocol.stewardship``); the services check again."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from core.errors import Forbidden, Invalid
from core.protocol.api import ERRORS
from core.protocol.stewardship import (
    CommunitySettingsOut,
    MemberPageOut,
    NetworkOut,
    PreviewOut,
    RoomAdminOut,
    community_settings_out,
    member_row_out,
    network_out,
    room_admin_out,
)

from . import selectors, services
from .api import router as communities_router
from .member_table import MemberFilters, member_table, member_table_all
from .permissions import can_coordinate, can_manage_community, can_view_community
from .text import render_markdown

router = Router(tags=["running communities"])
ERRORS_WITH_TOO_LARGE = {**ERRORS, 413: ERRORS[400]}


class CommunityPatch(Schema):
    name: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=10000)
    countries: list[str] | None = Field(None, description="ISO 3166-1 alpha-2 codes")
    region: str | None = Field(None, max_length=200)
    languages: list[str] | None = Field(None, description="BCP-47 tags")
    join_policy: str | None = Field(None, description="open, request or invite")


class RoomIn(Schema):
    name: str = Field(..., max_length=200)
    topic: str = Field("", max_length=1000)


class RoomOrderIn(Schema):
    rooms: list[int] = Field(..., description="Every listed room's id, in the new order")


class ReasonIn(Schema):
    reason: str = Field("", max_length=1000)


class CircleIn(Schema):
    circle: str = Field(..., description="The cross-border circle's slug")


class PreviewIn(Schema):
    body: str = Field(..., max_length=100_000)


class MemberQuery(Schema):
    sort: str = Field("name", description="name, country, school, role, joined, last_active, "
                      "messages; a leading - sorts descending")  # fmt: skip
    role: str | None = None
    country: str | None = Field(None, description="ISO 3166-1 alpha-2")
    inactive_days: int | None = Field(
        None, description="Only members not active in the community for this many days"
    )
    state: str | None = Field("active", description="active, pending, left, banned; empty: all")


def _managed(request: HttpRequest, slug: str) -> Any:
    community = selectors.community_by_slug(slug=slug)
    if not can_manage_community.test(request.auth, community):
        raise Forbidden(_("Only this community's facilitators can do that."))
    return community


def _managed_room(request: HttpRequest, room_id: int) -> Any:
    room = selectors.room_get(room_id=room_id)
    if not can_manage_community.test(request.auth, room.community):
        raise Forbidden(_("Only this community's facilitators can do that."))
    return room


def _filters(query: MemberQuery) -> MemberFilters:
    return MemberFilters(
        role=query.role or None,
        country=query.country or None,
        inactive_days=query.inactive_days,
        state=query.state or None,
        sort=query.sort,
    )


# --- the community ------------------------------------------------------------------------------


# On the communities router, where GET /communities/{slug} is (one path, one router).
@communities_router.patch("/communities/{slug}", response={200: CommunitySettingsOut, **ERRORS})
def update_community(request: HttpRequest, slug: str, payload: CommunityPatch) -> Any:
    """Facilitators: name, description, countries, region, languages, join policy."""
    community = _managed(request, slug)
    changes = payload.dict(exclude_unset=True)
    community = services.community_update(actor=request.auth, community=community, **changes)
    return community_settings_out(community)


@router.get("/communities/{slug}/settings", response={200: CommunitySettingsOut, **ERRORS})
def community_settings(request: HttpRequest, slug: str) -> Any:
    return community_settings_out(_managed(request, slug))


@router.post(
    "/communities/{slug}/logo", response={200: CommunitySettingsOut, **ERRORS_WITH_TOO_LARGE}
)
def upload_logo(request: HttpRequest, slug: str, file: UploadedFile = File(...)) -> Any:  # noqa: B008
    """A PNG, JPEG or WebP image, at most ``KRING_LOGO_MAX_BYTES``; scaled and re-encoded."""
    community = _managed(request, slug)
    community = services.community_logo_set(actor=request.auth, community=community, upload=file)
    return community_settings_out(community)


@router.delete("/communities/{slug}/logo", response={200: CommunitySettingsOut, **ERRORS})
def remove_logo(request: HttpRequest, slug: str) -> Any:
    community = _managed(request, slug)
    return community_settings_out(
        services.community_logo_clear(actor=request.auth, community=community)
    )


@router.post("/communities/{slug}/archive", response={200: CommunitySettingsOut, **ERRORS})
def archive_community(request: HttpRequest, slug: str, payload: ReasonIn) -> Any:
    """Coordinators: read-only, out of the directory, history kept."""
    community = selectors.community_by_slug(slug=slug)
    if not can_coordinate.test(request.auth):
        raise Forbidden(_("Only programme coordinators archive communities."))
    return community_settings_out(
        services.community_archive(actor=request.auth, community=community, reason=payload.reason)
    )


@router.post("/communities/{slug}/restore", response={200: CommunitySettingsOut, **ERRORS})
def restore_community(request: HttpRequest, slug: str, payload: ReasonIn) -> Any:
    community = selectors.community_by_slug(slug=slug)
    if not can_coordinate.test(request.auth):
        raise Forbidden(_("Only programme coordinators restore communities."))
    return community_settings_out(
        services.community_restore(actor=request.auth, community=community, reason=payload.reason)
    )


# --- rooms --------------------------------------------------------------------------------------


@router.get("/communities/{slug}/rooms/manage", response={200: list[RoomAdminOut], **ERRORS})
def manage_rooms(request: HttpRequest, slug: str) -> list[RoomAdminOut]:
    """Facilitators: every discussion room in list order, then the archived ones."""
    community = _managed(request, slug)
    listed = selectors.room_list(community=community, user=request.auth)
    archived = selectors.room_list(community=community, user=request.auth, archived=True)
    return [room_admin_out(r) for r in [*listed, *archived]]


# On the communities router: GET /communities/{slug}/rooms is there (one path, one router).
@communities_router.post("/communities/{slug}/rooms", response={201: RoomAdminOut, **ERRORS})
def create_room(request: HttpRequest, slug: str, payload: RoomIn) -> Any:
    community = _managed(request, slug)
    room = services.room_add(
        actor=request.auth, community=community, name=payload.name, topic=payload.topic
    )
    return Status(201, room_admin_out(room))


@router.put("/communities/{slug}/rooms/order", response={200: list[RoomAdminOut], **ERRORS})
def reorder_rooms(request: HttpRequest, slug: str, payload: RoomOrderIn) -> Any:
    community = _managed(request, slug)
    rooms = services.rooms_reorder(actor=request.auth, community=community, room_ids=payload.rooms)
    return [room_admin_out(r) for r in rooms]


@router.post("/rooms/{room_id}/archive", response={200: RoomAdminOut, **ERRORS})
def archive_room(request: HttpRequest, room_id: int, payload: ReasonIn) -> Any:
    """Read-only and out of the list, history kept; ``general`` cannot be archived."""
    room = _managed_room(request, room_id)
    return room_admin_out(
        services.room_archive(actor=request.auth, room=room, reason=payload.reason)
    )


@router.post("/rooms/{room_id}/restore", response={200: RoomAdminOut, **ERRORS})
def restore_room(request: HttpRequest, room_id: int, payload: ReasonIn) -> Any:
    room = _managed_room(request, room_id)
    return room_admin_out(
        services.room_restore(actor=request.auth, room=room, reason=payload.reason)
    )


# --- networks -----------------------------------------------------------------------------------


def _network(community: Any) -> NetworkOut:
    return network_out(community, selectors.circles_of(community), selectors.linked_to(community))


@router.get("/communities/{slug}/network", response={200: NetworkOut, **ERRORS})
def get_network(request: HttpRequest, slug: str) -> NetworkOut:
    community = selectors.community_by_slug(slug=slug)
    if not can_view_community.test(request.auth, community):
        raise Forbidden(_("Sign in to see networks."))
    return _network(community)


@router.post("/communities/{slug}/network", response={201: NetworkOut, **ERRORS})
def link_to_circle(request: HttpRequest, slug: str, payload: CircleIn) -> Any:
    """Make this regional community or hub part of a cross-border circle."""
    community = selectors.community_by_slug(slug=slug)
    circle = selectors.community_by_slug(slug=payload.circle)
    services.network_link(actor=request.auth, community=community, circle=circle)
    return Status(201, _network(community))


@router.delete("/communities/{slug}/network/{circle}", response={200: NetworkOut, **ERRORS})
def unlink_from_circle(request: HttpRequest, slug: str, circle: str) -> Any:
    community = selectors.community_by_slug(slug=slug)
    found = selectors.community_by_slug(slug=circle)
    services.network_unlink(actor=request.auth, community=community, circle=found)
    return _network(community)


# --- the members table --------------------------------------------------------------------------


@router.get("/communities/{slug}/member-table", response={200: MemberPageOut, **ERRORS})
def member_table_page(
    request: HttpRequest,
    slug: str,
    query: Query[MemberQuery],
    page: int = Query(1, ge=1),
    page_size: int = Query(50, ge=1, le=settings.KRING_MEMBER_PAGE_MAX),
) -> MemberPageOut:
    """Facilitators: members with country, school, role, joined, last active and messages in
    the last 30 days; sorted, filtered, paged."""
    community = _managed(request, slug)
    found = member_table(
        community=community, filters=_filters(query), page=page, page_size=page_size
    )
    return MemberPageOut(
        count=found.count,
        page=found.page,
        pages=found.pages,
        page_size=found.page_size,
        results=[member_row_out(row) for row in found.rows],
    )


@router.get("/communities/{slug}/member-table.csv", response={200: str, **ERRORS})
def member_table_csv(request: HttpRequest, slug: str, query: Query[MemberQuery]) -> HttpResponse:
    """The whole (filtered, sorted) table as CSV. Times are in the reader's own time zone,
    which the time columns' headings name."""
    community = _managed(request, slug)
    zone = timezone.get_current_timezone()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["name", "handle", "country", "school", "role", "state", f"joined ({zone.key})",
                     f"last active ({zone.key})", "messages, last 30 days"])  # fmt: skip
    for row in member_table_all(community=community, filters=_filters(query)):
        writer.writerow(
            [
                _csv_safe(row.name),
                row.handle or "",
                row.country,
                _csv_safe(row.school),
                row.role,
                row.state,
                _local(row.joined_at, zone),
                _local(row.last_active_at, zone),
                row.messages_30d,
            ]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime(timezone.now(), zone).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="kring-members-{community.slug}-{stamp}.csv"'
    )
    return response


def _local(value: Any, zone: Any) -> str:
    return timezone.localtime(value, zone).strftime("%Y-%m-%d %H:%M") if value else ""


def _csv_safe(value: Any) -> str:
    """Neutralise spreadsheet formulas in what members wrote (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# --- announcements ------------------------------------------------------------------------------


@router.post("/communities/{slug}/announcements/preview", response={200: PreviewOut, **ERRORS})
def preview_announcement(request: HttpRequest, slug: str, payload: PreviewIn) -> PreviewOut:
    """The announcement as members will see it (nothing is stored or sent)."""
    _managed(request, slug)
    if len(payload.body) > settings.KRING_MAX_MESSAGE_LENGTH:
        raise Invalid(
            _("An announcement is at most %(max_message_length)s characters.")
            % {"max_message_length": settings.KRING_MAX_MESSAGE_LENGTH}
        )
    return PreviewOut(html=render_markdown(payload.body))
