"""JSON API shapes of the community app (room events reuse realtime.envelopes)."""

from __future__ import annotations

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


class MembershipOut(Schema):
    state: str
    role: str


class RoomOut(Schema):
    id: int
    name: str
    topic: str
    last_seq: int
    unread: int


class ProfileOut(Schema):
    id: int
    email: str
    display_name: str
    country: str
    school: str
    subjects: list[str]
    age_groups: list[str]
    languages: list[str]
    interests: list[str]
    bio: str


class ProfilePatch(Schema):
    display_name: str | None = None
    country: str | None = None
    school: str | None = None
    subjects: list[str] | None = None
    age_groups: list[str] | None = None
    languages: list[str] | None = None
    interests: list[str] | None = None
    bio: str | None = None


class ErrorOut(Schema):
    error: str
    detail: str
