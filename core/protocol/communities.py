"""Communities, rooms, memberships and profiles as the JSON API answers them."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import Field


class CommunityOut(Schema):
    id: int
    slug: str
    name: str
    kind: str
    countries: list[str]
    region: str
    languages: list[str]
    join_policy: str
    member_count: int
    is_member: bool
    role: str | None
    state: str | None = Field(description="The viewer's membership state, if any")


class CommunityDetailOut(CommunityOut):
    description: str


def community_out(community: Any) -> CommunityDetailOut:
    """A community from the directory selectors (annotated with ``member_count``,
    ``viewer_role`` and ``viewer_state``)."""
    state = community.viewer_state
    return CommunityDetailOut(
        id=community.pk,
        slug=community.slug,
        name=community.name,
        kind=community.kind,
        countries=[c.code for c in community.countries],
        region=community.region,
        languages=community.languages,
        join_policy=community.join_policy,
        member_count=community.member_count,
        is_member=state == "active",
        role=community.viewer_role if state else None,
        state=state,
        description=community.description,
    )


class MembershipOut(Schema):
    state: str
    role: str


class RoomOut(Schema):
    id: int
    name: str
    topic: str
    last_seq: int
    unread: int


class UnreadRoomOut(Schema):
    room: int
    name: str
    topic: str
    community: str
    community_name: str
    unread: int


def unread_room_out(room: Any) -> UnreadRoomOut:
    """A room from ``unread_by_room`` (annotated with ``unread``, community loaded)."""
    return UnreadRoomOut(
        room=room.pk,
        name=room.name,
        topic=room.topic,
        community=room.community.slug,
        community_name=room.community.name,
        unread=room.unread,
    )


class ProfileOut(Schema):
    id: int
    email: str
    display_name: str
    handle: str | None = Field(description="How others @mention them")
    language: str = Field(description="Kring's language for them; empty: their browser's")
    timezone: str = Field(description="IANA time zone; empty: the deployment's default")
    country: str
    school: str
    subjects: list[str]
    age_groups: list[str]
    languages: list[str]
    interests: list[str]
    bio: str
    discoverable: bool = False
    # Every field's level: "everyone" (signed-in teachers, when discoverable), "members",
    # "nobody".
    visibility: dict[str, str] = {}


def profile_out(user: Any, profile: Any, visibility: dict[str, str] | None = None) -> ProfileOut:
    """The signed-in teacher's own account and profile (``visibility``: every field's level,
    defaults filled in, from ``community.visibility.levels``)."""
    return ProfileOut(
        id=user.pk,
        email=user.email,
        display_name=user.display_name,
        handle=user.handle,
        language=user.language,
        timezone=user.timezone,
        country=profile.country.code or "",
        school=profile.school,
        subjects=profile.subjects,
        age_groups=profile.age_groups,
        languages=profile.languages,
        interests=profile.interests,
        bio=profile.bio,
        discoverable=profile.discoverable,
        visibility=visibility or {},
    )
