"""What the schools API accepts (what it answers is in ``core.protocol.schools``)."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from .models import SchoolKind, SessionKind, SizeBand


class SchoolIn(Schema):
    name: str = Field(..., max_length=200)
    country: str = Field(..., max_length=2, description="ISO 3166-1 alpha-2")
    region: str = Field("", max_length=120)
    kind: SchoolKind
    size_band: SizeBand | None = None
    languages: list[str] = Field(default_factory=list, description="BCP-47 tags")
    website: str = Field("", max_length=300)


class SchoolEditIn(Schema):
    """Only the fields given change."""

    name: str | None = Field(None, max_length=200)
    country: str | None = Field(None, max_length=2)
    region: str | None = Field(None, max_length=120)
    kind: SchoolKind | None = None
    size_band: SizeBand | None = None
    languages: list[str] | None = None
    website: str | None = Field(None, max_length=300)


class LinkIn(Schema):
    primary: bool = Field(False, description="Make it your main school")
    shown: bool = Field(True, description="Listed on the school's page")


class LeadIn(Schema):
    lead: bool


class MergeIn(Schema):
    into: int = Field(..., description="The school that stays")


class AnswersIn(Schema):
    answers: dict[str, int] = Field(
        ..., description="statement id -> 1..5, or 0 for “don't know”; leave out to skip"
    )


class HubSchoolIn(Schema):
    school: int


class ProposeIn(Schema):
    mentor: int
    mentee: int


class DeclineIn(Schema):
    reason: str = Field("", max_length=500)


class NotesIn(Schema):
    notes: str = Field(..., max_length=20_000)


class GoalIn(Schema):
    area: str = Field(..., max_length=40)
    text: str = Field(..., max_length=300)


class GoalDoneIn(Schema):
    done: bool


class SessionIn(Schema):
    kind: SessionKind
    title: str = Field(..., max_length=200)
    starts_at: datetime = Field(..., description="ISO 8601 with its offset")
    place: str = Field("", max_length=300)
