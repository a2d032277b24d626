"""JSON API shapes of teaching materials."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from .models import IscedLevel, ReactionKind, ResourceType


class PersonOut(Schema):
    id: int | None
    name: str


class CommunityRefOut(Schema):
    slug: str
    name: str


class LicenceOut(Schema):
    id: str = Field(description="SPDX identifier, e.g. CC-BY-SA-4.0")
    name: str
    url: str = Field(description="Canonical licence text; empty for all rights reserved")


class SourceOut(Schema):
    resource: int
    title: str
    version: int
    withdrawn: bool
    community: CommunityRefOut | None = Field(
        description="Absent when the source's community is not one of the viewer's"
    )


class WithdrawnOut(Schema):
    at: datetime
    by: PersonOut
    reason: str


class ResourceOut(Schema):
    id: int
    url: str = Field(description="The material's page")
    community: CommunityRefOut
    title: str
    description: str
    resource_type: ResourceType
    subjects: list[str]
    tags: list[str]
    age_min: int | None
    age_max: int | None
    isced_level: IscedLevel | None
    language: str = Field(description="BCP-47 language tag")
    licence: LicenceOut
    attribution: str = Field(description="The credit line to show with the material")
    author: PersonOut
    thread_room: int = Field(description="Room id of the material's discussion thread")
    adapted_from: SourceOut | None
    version_count: int
    used_count: int
    useful_count: int
    withdrawn: WithdrawnOut | None = Field(
        description="Set when the author or a facilitator took the material out of the library"
    )
    created_at: datetime
    updated_at: datetime


class VersionOut(Schema):
    number: int
    kind: str = Field(description="'file' or 'link'")
    link: str | None = Field(description="The address, for a link")
    download: str | None = Field(description="Download address, for a file")
    content_type: str | None
    size: int | None
    sha256: str | None
    change_note: str
    created_by: PersonOut
    created_at: datetime


class AdaptationOut(Schema):
    id: int
    title: str
    language: str
    community: CommunityRefOut
    author: PersonOut
    source_version: int


class ReactionsOut(Schema):
    counts: dict[str, int]
    mine: list[ReactionKind]


class ResourceDetailOut(ResourceOut):
    versions: list[VersionOut] = Field(
        description="Empty for a withdrawn material, except for its author and facilitators"
    )
    adaptations: list[AdaptationOut] = Field(
        description="Adaptations in communities the viewer belongs to"
    )
    reactions: ReactionsOut
    can_manage: bool = Field(description="The viewer may edit it and add versions")
    can_withdraw: bool
    can_restore: bool


class _OptionalDescriptionIn(Schema):
    """The describing fields, each optional."""

    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=5000)
    resource_type: ResourceType | None = None
    subjects: list[str] | None = None
    tags: list[str] | None = None
    age_min: int | None = Field(None, ge=0, le=99)
    age_max: int | None = Field(None, ge=0, le=99)
    isced_level: IscedLevel | None = None
    language: str | None = Field(None, max_length=35)
    licence: str | None = Field(None, max_length=40)


class ResourceEditIn(_OptionalDescriptionIn):
    """JSON: only the fields given change. The licence cannot change once shared."""


class ReasonIn(Schema):
    reason: str = Field("", max_length=500)


class ResourceIn(Schema):
    """Form fields (multipart) describing a material; send ``file`` or ``link``."""

    title: str = Field(..., max_length=200)
    description: str = Field("", max_length=5000)
    resource_type: ResourceType = ResourceType.OTHER
    subjects: list[str] = Field(default_factory=list, description="Repeat the field for each")
    tags: list[str] = Field(default_factory=list, description="Repeat the field for each")
    age_min: int | None = Field(None, ge=0, le=99)
    age_max: int | None = Field(None, ge=0, le=99)
    isced_level: IscedLevel | None = None
    language: str = Field(..., max_length=35, description="BCP-47, e.g. nl, pl, sv, en-GB")
    licence: str = Field(..., max_length=40, description="SPDX id")
    link: str = Field("", max_length=1000, description="An http(s) address instead of a file")


class AdaptIn(_OptionalDescriptionIn):
    """Form fields of an adaptation; anything left out is taken from the source."""

    community: str = Field(..., description="Slug of the community the adaptation goes to")
    version: int | None = Field(None, ge=1, description="Source version (default: the latest)")
    link: str = Field("", max_length=1000)


class VersionIn(Schema):
    change_note: str = Field("", max_length=500)
    link: str = Field("", max_length=1000)
