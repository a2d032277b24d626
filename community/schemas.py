"""What the community API accepts (what it answers is in ``core.protocol``)."""

from __future__ import annotations

from ninja import Schema


class ProfilePatch(Schema):
    display_name: str | None = None
    handle: str | None = None
    language: str | None = None
    timezone: str | None = None
    country: str | None = None
    school: str | None = None
    subjects: list[str] | None = None
    age_groups: list[str] | None = None
    languages: list[str] | None = None
    interests: list[str] | None = None
    bio: str | None = None
    # Suggested to (and found by) teachers outside your communities; off by default.
    discoverable: bool | None = None
    # Who sees each field: {"school": "nobody", "bio": "members", ...}; levels are
    # "everyone" (every signed-in teacher, when discoverable), "members", "nobody".
    visibility: dict[str, str] | None = None
