"""JSON API of communities, rooms, history and the teacher's own profile.

Endpoints parse, authorise, call one service or selector and shape the answer; domain
errors become ``{"error", "detail"}`` responses in config/api.py.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from core.errors import Forbidden, Invalid
from core.protocol.api import ERRORS
from core.protocol.base import encode
from core.protocol.communities import (
    CommunityDetailOut,
    CommunityOut,
    MembershipOut,
    ProfileOut,
    RoomOut,
    UnreadRoomOut,
    community_out,
    profile_out,
    unread_room_out,
)
from core.protocol.people import AuthorOut, author_out
from core.protocol.room_events import EventFrame, event_frame

from . import selectors, services, visibility
from .models import CommunityKind
from .permissions import can_moderate, can_read_rooms
from .schemas import ProfilePatch

router = Router(tags=["communities"])


@router.get("/communities", response={200: list[CommunityOut], **ERRORS})
def list_communities(
    request: HttpRequest,
    kind: CommunityKind | None = None,
    country: str | None = Query(None, max_length=2, min_length=2),
    q: str | None = Query(None, max_length=100),
) -> list[CommunityDetailOut]:
    communities = selectors.community_list(user=request.auth, kind=kind, country=country, q=q)
    return [community_out(c) for c in communities]


@router.get("/communities/{slug}", response={200: CommunityDetailOut, **ERRORS})
def get_community(request: HttpRequest, slug: str) -> CommunityDetailOut:
    return community_out(selectors.community_get(slug=slug, user=request.auth))


@router.post("/communities/{slug}/join", response={200: MembershipOut, **ERRORS})
def join_community(request: HttpRequest, slug: str) -> Any:
    community = selectors.community_by_slug(slug=slug)
    return services.membership_join(user=request.auth, community=community)


@router.post("/communities/{slug}/leave", response={200: MembershipOut, **ERRORS})
def leave_community(request: HttpRequest, slug: str) -> Any:
    community = selectors.community_by_slug(slug=slug)
    return services.membership_leave(user=request.auth, community=community)


@router.get("/communities/{slug}/rooms", response={200: list[RoomOut], **ERRORS})
def list_rooms(request: HttpRequest, slug: str) -> Any:
    community = selectors.community_by_slug(slug=slug)
    return list(selectors.room_list(community=community, user=request.auth))


@router.get("/rooms/{room_id}/events", response={200: list[EventFrame], **ERRORS})
def room_history(
    request: HttpRequest,
    room_id: int,
    after: int | None = Query(None, ge=0),
    before: int | None = Query(None, ge=1),
    limit: int = Query(
        settings.KRING_HISTORY_PAGE_DEFAULT, ge=1, le=settings.KRING_HISTORY_PAGE_MAX
    ),
) -> HttpResponse:
    """Room events in seq order, each exactly the frame a subscribed socket receives."""
    room = selectors.room_for_reader(user=request.auth, room_id=room_id)
    events = selectors.room_events(room_id=room.pk, after=after, before=before, limit=limit)
    # Facilitators see the text of hidden messages; members a placeholder.
    reveal = can_moderate.test(request.auth, room)
    # The socket's own encoder, byte for byte (the schema above documents the shape).
    body = "[" + ",".join(encode(event_frame(e, reveal_hidden=reveal)) for e in events) + "]"
    return HttpResponse(body, content_type="application/json")


router_me = Router(tags=["me"])


class AccountDeleteIn(Schema):
    confirm: str = Field(..., description="The account's email address, typed again")
    erase_messages: bool = Field(
        False, description="Also empty every message written (otherwise kept as 'Deleted user')"
    )


@router_me.get("/me/export", response={200: dict, **ERRORS})
def export_me(request: HttpRequest) -> HttpResponse:
    """Everything Kring holds about the signed-in teacher, as a JSON download."""
    response = HttpResponse(
        json.dumps(services.account_export(user=request.auth), ensure_ascii=False, indent=2),
        content_type="application/json",
    )
    response["Content-Disposition"] = 'attachment; filename="kring-my-data.json"'
    return response


@router_me.post("/me/delete", response={204: None, **ERRORS})
def delete_me(request: HttpRequest, payload: AccountDeleteIn) -> Any:
    """Erase the signed-in account for good (see docs: what is kept, as 'Deleted user')."""
    if payload.confirm.strip().lower() != request.auth.email.lower():
        raise Invalid(_("Type your email address to confirm."))
    services.account_delete(user=request.auth, erase_messages=payload.erase_messages)
    return Status(204, None)


@router_me.get("/me", response={200: ProfileOut, **ERRORS})
def get_me(request: HttpRequest) -> ProfileOut:
    profile = selectors.profile_of(user=request.auth)
    return profile_out(request.auth, profile, visibility.levels(profile))


@router_me.patch("/me", response={200: ProfileOut, **ERRORS})
def patch_me(request: HttpRequest, payload: ProfilePatch) -> ProfileOut:
    profile = services.profile_update(user=request.auth, **payload.dict(exclude_unset=True))
    return profile_out(request.auth, profile, visibility.levels(profile))


@router.get("/communities/{slug}/mentionable", response={200: list[AuthorOut], **ERRORS})
def mentionable(
    request: HttpRequest, slug: str, q: str = Query("", max_length=40)
) -> list[AuthorOut]:
    """Members one can @-mention in this community, for autocomplete: handles starting with
    ``q`` or names containing it (at most 8). Members of the community only."""
    community = selectors.community_by_slug(slug=slug)
    if not can_read_rooms.test(request.auth, community):
        raise Forbidden(_("Only active members of this community can look up its members."))
    return [author_out(u) for u in selectors.mentionable_members(community=community, q=q)]


@router_me.get("/me/unread", response={200: list[UnreadRoomOut], **ERRORS})
def my_unread(request: HttpRequest) -> list[UnreadRoomOut]:
    """Every room of my communities with my unread count (the live badges of the pages)."""
    return [unread_room_out(room) for room in selectors.unread_by_room(user=request.auth)]
