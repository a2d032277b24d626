"""What the teaching materials API accepts (what it answers is in ``core.protocol``)."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field

from .models import IscedLevel, ResourceType

AREA_HELP = (
    "The self-assessment area the material serves (GET /api/schools/instrument lists them), "
    "or empty"
)


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
    area: str | None = Field(None, max_length=40, description=AREA_HELP)


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
    area: str = Field("", max_length=40, description=AREA_HELP)
    link: str = Field("", max_length=1000, description="An http(s) address instead of a file")


class AdaptIn(_OptionalDescriptionIn):
    """Form fields of an adaptation; anything left out is taken from the source."""

    community: str = Field(..., description="Slug of the community the adaptation goes to")
    version: int | None = Field(None, ge=1, description="Source version (default: the latest)")
    link: str = Field("", max_length=1000)


class VersionIn(Schema):
    change_note: str = Field("", max_length=500)
    link: str = Field("", max_length=1000)
