"""Running communities: their settings, rooms, networks, proposals and the members table, as
the JSON API answers them, and the ``rooms`` frame that keeps open pages' room lists live."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from .base import Frame, Shape
from .materials import CommunityRefOut, community_ref_out
from .moderation import InvitationOut
from .people import AuthorOut, author_out


class RoomListItemOut(Shape):
    id: int
    name: str
    topic: str


class RoomsFrame(Frame):
    """To every active member of a community: its room list changed (a room created,
    renamed, given a topic, reordered, archived or restored), or the community was archived
    or restored. ``rooms`` is the whole list in order, without archived rooms."""

    type: Literal["rooms"] = "rooms"
    community: str
    archived: bool
    rooms: list[RoomListItemOut]


def rooms_frame(community: Any, rooms: list[Any]) -> RoomsFrame:
    """``rooms``: the community's discussion rooms in list order (archived ones left out)."""
    return RoomsFrame(
        community=community.slug,
        archived=community.archived_at is not None,
        rooms=[RoomListItemOut(id=r.pk, name=r.name, topic=r.topic) for r in rooms],
    )


class RoomAdminOut(Schema):
    id: int
    name: str
    topic: str
    position: int
    archived: bool
    archived_at: datetime | None
    is_locked: bool
    slow_mode_seconds: int


def room_admin_out(room: Any) -> RoomAdminOut:
    return RoomAdminOut(
        id=room.pk,
        name=room.name,
        topic=room.topic,
        position=room.position,
        archived=room.archived_at is not None,
        archived_at=room.archived_at,
        is_locked=room.is_locked,
        slow_mode_seconds=room.slow_mode_seconds,
    )


class CommunitySettingsOut(Schema):
    id: int
    slug: str
    name: str
    kind: str
    countries: list[str]
    region: str
    languages: list[str]
    join_policy: str
    description: str
    logo_url: str | None = Field(description="The logo's address; null without a logo")
    archived: bool
    archived_at: datetime | None


def community_settings_out(community: Any) -> CommunitySettingsOut:
    return CommunitySettingsOut(
        id=community.pk,
        slug=community.slug,
        name=community.name,
        kind=community.kind,
        countries=[c.code for c in community.countries],
        region=community.region,
        languages=community.languages,
        join_policy=community.join_policy,
        description=community.description,
        logo_url=logo_url(community),
        archived=community.archived_at is not None,
        archived_at=community.archived_at,
    )


def logo_url(community: Any) -> str | None:
    """Where pages load a community's logo (a view with safe headers, never MEDIA_URL); the
    file's generated name in the query string lets browsers cache each logo for good."""
    if not community.logo:
        return None
    version = str(community.logo.name).rsplit("/", 1)[-1].split(".", 1)[0][:12]
    return f"/c/{community.slug}/logo?v={version}"


class FoundedOut(Schema):
    community: CommunitySettingsOut
    facilitator: AuthorOut | None = Field(
        description="The first facilitator, when the email belongs to an account"
    )
    invitation: InvitationOut | None = Field(
        description="Otherwise the invitation sent to the email address"
    )


class NetworkOut(Schema):
    community: CommunityRefOut
    kind: str
    circles: list[CommunityRefOut] = Field(description="Cross-border circles it is part of")
    linked: list[CommunityRefOut] = Field(description="For a circle: communities linked to it")


def network_out(community: Any, circles: list[Any], linked: list[Any]) -> NetworkOut:
    return NetworkOut(
        community=community_ref_out(community),
        kind=community.kind,
        circles=[community_ref_out(c) for c in circles],
        linked=[community_ref_out(c) for c in linked],
    )


class ProposalOut(Schema):
    id: int
    name: str
    kind: str
    countries: list[str]
    region: str
    languages: list[str]
    reason: str
    state: str
    proposer: AuthorOut
    created_at: datetime
    decided_by: AuthorOut | None
    decided_at: datetime | None
    decision_reason: str
    community: CommunityRefOut | None = Field(description="The community, once approved")


def proposal_out(proposal: Any) -> ProposalOut:
    """A ``CommunityProposal`` with proposer, decided_by and community loaded."""
    return ProposalOut(
        id=proposal.pk,
        name=proposal.name,
        kind=proposal.kind,
        countries=proposal.countries,
        region=proposal.region,
        languages=proposal.languages,
        reason=proposal.reason,
        state=proposal.state,
        proposer=author_out(proposal.proposer),
        created_at=proposal.created_at,
        decided_by=author_out(proposal.decided_by) if proposal.decided_by_id else None,
        decided_at=proposal.decided_at,
        decision_reason=proposal.decision_reason,
        community=community_ref_out(proposal.community) if proposal.community_id else None,
    )


class MemberRowOut(Schema):
    user: AuthorOut
    country: str = Field(description="ISO 3166-1 code; empty if not given")
    school: str
    role: str
    state: str
    joined_at: datetime
    last_active_at: datetime | None = Field(
        description="Last read or written in one of the community's rooms"
    )
    messages_30d: int = Field(description="Messages in the community's rooms, last 30 days")


class MemberPageOut(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    results: list[MemberRowOut]


def member_row_out(row: Any) -> MemberRowOut:
    """A row of ``member_table`` (a ``MemberRow``)."""
    return MemberRowOut(
        user=AuthorOut(id=row.user_id, name=row.name, handle=row.handle),
        country=row.country,
        school=row.school,
        role=row.role,
        state=row.state,
        joined_at=row.joined_at,
        last_active_at=row.last_active_at,
        messages_30d=row.messages_30d,
    )


class PreviewOut(Schema):
    html: str = Field(description="The Markdown as members will see it (sanitised HTML)")
