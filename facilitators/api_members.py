"""JSON API for facilitators: join requests, invitations and members (roles, mutes, removals,
bans). Every endpoint authorises, then calls one service or selector; the services check
again. Moderation of messages and rooms, reports and the audit log are in ``api.py``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from community import selectors as community_selectors
from community.models import Community, Membership, Room
from community.permissions import can_moderate, can_read_rooms
from core.errors import Forbidden, Invalid, NotFound
from core.protocol.api import ERRORS
from core.protocol.communities import MembershipOut
from core.protocol.moderation import InvitationOut, MemberOut, invitation_out, member_out

from . import selectors, services
from .api import ReasonIn, _moderated_community

# Registered in ``config/api.py`` just before ``api.py``'s router, under the same tag. The
# operation ids are the ones these endpoints had when they were in ``api.py`` (ninja names an
# operation after its module): clients generated from the OpenAPI schema keep their names.
router = Router(tags=["facilitators"])


# --- what the endpoints accept ---


class MessageIn(Schema):
    message: str = Field("", max_length=1000)


class RoleIn(Schema):
    role: str
    reason: str = Field("", max_length=1000)


class MuteIn(Schema):
    room: int | None = Field(
        None, description="Mute in this room only; omit for the whole community"
    )
    minutes: int | None = Field(None, ge=1, le=60 * 24 * 365, description="Omit for until unmuted")
    reason: str = Field("", max_length=300)


class UnmuteIn(Schema):
    room: int | None = None


class InvitationIn(Schema):
    email: str = Field("", max_length=254)
    days_valid: int | None = Field(
        None, ge=1, description="Days the link works (default KRING_INVITATION_DAYS)"
    )


# --- helpers ---


def _member(request: HttpRequest, slug: str, user_id: int) -> Membership:
    community = _moderated_community(request, slug)
    return selectors.membership_in(community=community, user_id=user_id)


def _invitation_out(request: HttpRequest, invitation: Any) -> InvitationOut:
    url = request.build_absolute_uri(reverse("facilitators:invitation", args=[invitation.token]))
    return invitation_out(invitation, url=url)


# --- join requests and invitations ---


@router.get(
    "/communities/{slug}/requests",
    response={200: list[MemberOut], **ERRORS},
    operation_id="facilitators_api_list_join_requests",
)
def list_join_requests(request: HttpRequest, slug: str) -> list[MemberOut]:
    community = _moderated_community(request, slug)
    return [member_out(m) for m in selectors.member_list(community=community, state="pending")]


@router.post(
    "/communities/{slug}/requests/{user_id}/approve",
    response={200: MembershipOut, **ERRORS},
    operation_id="facilitators_api_approve_join_request",
)
def approve_join_request(request: HttpRequest, slug: str, user_id: int, payload: MessageIn) -> Any:
    membership = _member(request, slug, user_id)
    return services.join_request_approve(
        actor=request.auth, membership=membership, message=payload.message
    )


@router.post(
    "/communities/{slug}/requests/{user_id}/decline",
    response={200: MembershipOut, **ERRORS},
    operation_id="facilitators_api_decline_join_request",
)
def decline_join_request(request: HttpRequest, slug: str, user_id: int, payload: MessageIn) -> Any:
    membership = _member(request, slug, user_id)
    return services.join_request_decline(
        actor=request.auth, membership=membership, message=payload.message
    )


@router.get(
    "/communities/{slug}/invitations",
    response={200: list[InvitationOut], **ERRORS},
    operation_id="facilitators_api_list_invitations",
)
def list_invitations(request: HttpRequest, slug: str) -> list[InvitationOut]:
    community = _moderated_community(request, slug)
    return [_invitation_out(request, i) for i in selectors.invitation_list(community=community)]


@router.post(
    "/communities/{slug}/invitations",
    response={201: InvitationOut, **ERRORS},
    operation_id="facilitators_api_create_invitation",
)
def create_invitation(request: HttpRequest, slug: str, payload: InvitationIn) -> Any:
    community = _moderated_community(request, slug)
    invitation = services.invitation_create(
        actor=request.auth,
        community=community,
        email=payload.email,
        days_valid=payload.days_valid,
        base_url=request.build_absolute_uri("/").rstrip("/"),
    )
    return Status(201, _invitation_out(request, invitation))


@router.delete(
    "/communities/{slug}/invitations/{invitation_id}",
    response={200: InvitationOut, **ERRORS},
    operation_id="facilitators_api_revoke_invitation",
)
def revoke_invitation(request: HttpRequest, slug: str, invitation_id: int) -> Any:
    community = _moderated_community(request, slug)
    invitation = selectors.invitation_list(community=community).filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFound(
            _("No invitation %(invitation_id)s in %(slug)s.")
            % {"invitation_id": invitation_id, "slug": slug}
        )
    return _invitation_out(
        request, services.invitation_revoke(actor=request.auth, invitation=invitation)
    )


@router.post(
    "/invitations/{token}/accept",
    response={200: MembershipOut, **ERRORS},
    operation_id="facilitators_api_accept_invitation",
)
def accept_invitation(request: HttpRequest, token: str) -> Any:
    return services.invitation_accept(user=request.auth, token=token)


# --- members ---


@router.get(
    "/communities/{slug}/members",
    response={200: list[MemberOut], **ERRORS},
    operation_id="facilitators_api_list_members",
)
def list_members(
    request: HttpRequest,
    slug: str,
    state: str | None = Query(
        "active", description="active, pending, left or banned; empty for all"
    ),
    role: str | None = None,
    q: str | None = Query(None, max_length=100),
) -> list[MemberOut]:
    """Members read the active member list; facilitators also see pending, left and banned."""
    community = community_selectors.community_by_slug(slug=slug)
    if not can_moderate.test(request.auth, community):
        if not can_read_rooms.test(request.auth, community):
            raise Forbidden(_("Only members can see who else is in this community."))
        state = "active"
    members = selectors.member_list(community=community, state=state or None, role=role, q=q)
    return [member_out(m) for m in members[:500]]


@router.post(
    "/communities/{slug}/members/{user_id}/role",
    response={200: MembershipOut, **ERRORS},
    operation_id="facilitators_api_change_role",
)
def change_role(request: HttpRequest, slug: str, user_id: int, payload: RoleIn) -> Any:
    membership = _member(request, slug, user_id)
    return services.member_role_change(
        actor=request.auth, membership=membership, role=payload.role, reason=payload.reason
    )


@router.post(
    "/communities/{slug}/members/{user_id}/mute",
    response={200: MembershipOut, **ERRORS},
    operation_id="facilitators_api_mute_member",
)
def mute_member(request: HttpRequest, slug: str, user_id: int, payload: MuteIn) -> Any:
    membership = _member(request, slug, user_id)
    room = _room_in(membership.community, payload.room) if payload.room else None
    until = timezone.now() + timedelta(minutes=payload.minutes) if payload.minutes else None
    services.member_mute(
        actor=request.auth, membership=membership, room=room, until=until, reason=payload.reason
    )
    return membership


@router.post(
    "/communities/{slug}/members/{user_id}/unmute",
    response={200: MembershipOut, **ERRORS},
    operation_id="facilitators_api_unmute_member",
)
def unmute_member(request: HttpRequest, slug: str, user_id: int, payload: UnmuteIn) -> Any:
    membership = _member(request, slug, user_id)
    room = _room_in(membership.community, payload.room) if payload.room else None
    services.member_unmute(actor=request.auth, membership=membership, room=room)
    return membership


@router.post(
    "/communities/{slug}/members/{user_id}/remove",
    response={200: MembershipOut, **ERRORS},
    operation_id="facilitators_api_remove_member",
)
def remove_member(request: HttpRequest, slug: str, user_id: int, payload: ReasonIn) -> Any:
    membership = _member(request, slug, user_id)
    return services.member_remove(actor=request.auth, membership=membership, reason=payload.reason)


@router.post(
    "/communities/{slug}/members/{user_id}/ban",
    response={200: MembershipOut, **ERRORS},
    operation_id="facilitators_api_ban_member",
)
def ban_member(request: HttpRequest, slug: str, user_id: int, payload: ReasonIn) -> Any:
    membership = _member(request, slug, user_id)
    return services.member_ban(actor=request.auth, membership=membership, reason=payload.reason)


@router.post(
    "/communities/{slug}/members/{user_id}/unban",
    response={200: MembershipOut, **ERRORS},
    operation_id="facilitators_api_unban_member",
)
def unban_member(request: HttpRequest, slug: str, user_id: int, payload: ReasonIn) -> Any:
    membership = _member(request, slug, user_id)
    return services.member_unban(actor=request.auth, membership=membership, reason=payload.reason)


def _room_in(community: Community, room_id: int) -> Room:
    room = community_selectors.room_get(room_id=room_id)
    if room.community_id != community.pk:
        raise Invalid(_("That room belongs to another community."))
    return room
