"""Suggestions, people search and profiles as the JSON API answers them (the pages show the
same). A suggestion always carries its ``reasons`` in plain words, never a bare score."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import Field


class PersonRefOut(Schema):
    id: int
    name: str
    handle: str | None = None
    # Empty when the teacher does not show their country to this viewer.
    country: str = ""
    url: str = ""


def person_ref_out(user: Any, country: str = "") -> PersonRefOut:
    return PersonRefOut(
        id=user.pk,
        name=str(user.public_name),
        handle=user.handle,
        country=country,
        url=f"/people/{user.handle}/" if user.handle else "",
    )


class SuggestedPersonOut(Schema):
    user: PersonRefOut
    score: float
    reasons: list[str] = Field(description="Why, in plain words, best first")


class SuggestedCommunityRefOut(Schema):
    slug: str
    name: str
    kind: str
    url: str


class SuggestedCommunityOut(Schema):
    community: SuggestedCommunityRefOut
    score: float
    reasons: list[str]


class SuggestedResourceRefOut(Schema):
    id: int
    title: str
    community: str
    language: str
    url: str


class SuggestedResourceOut(Schema):
    resource: SuggestedResourceRefOut
    score: float
    reasons: list[str]


class PeopleSuggestionsOut(Schema):
    items: list[SuggestedPersonOut]


class CommunitySuggestionsOut(Schema):
    items: list[SuggestedCommunityOut]


class ResourceSuggestionsOut(Schema):
    items: list[SuggestedResourceOut]


def suggested_person_out(suggestion: Any) -> SuggestedPersonOut:
    return SuggestedPersonOut(
        user=person_ref_out(suggestion.user, suggestion.country),
        score=suggestion.score,
        reasons=suggestion.reasons,
    )


def suggested_community_out(suggestion: Any) -> SuggestedCommunityOut:
    community = suggestion.community
    return SuggestedCommunityOut(
        community=SuggestedCommunityRefOut(
            slug=community.slug,
            name=community.name,
            kind=community.kind,
            url=f"/c/{community.slug}/",
        ),
        score=suggestion.score,
        reasons=suggestion.reasons,
    )


def suggested_resource_out(suggestion: Any) -> SuggestedResourceOut:
    resource = suggestion.resource
    return SuggestedResourceOut(
        resource=SuggestedResourceRefOut(
            id=resource.pk,
            title=resource.title,
            community=resource.community.slug,
            language=resource.language,
            url=f"/resources/{resource.pk}/",
        ),
        score=suggestion.score,
        reasons=suggestion.reasons,
    )


class PersonOut(Schema):
    """A teacher's profile as this viewer may see it: hidden fields are empty."""

    id: int
    name: str
    handle: str | None
    url: str
    country: str
    school: str
    subjects: list[str]
    age_groups: list[str]
    languages: list[str]
    interests: list[str]
    bio: str
    shares_community: bool


def person_out(user: Any, view: dict[str, Any], shares_community: bool) -> PersonOut:
    return PersonOut(
        id=user.pk,
        name=str(user.public_name),
        handle=user.handle,
        url=f"/people/{user.handle}/" if user.handle else "",
        country=view["country"],
        school=view["school"],
        subjects=view["subjects"],
        age_groups=view["age_groups"],
        languages=view["languages"],
        interests=view["interests"],
        bio=view["bio"],
        shares_community=shares_community,
    )


class PeoplePageOut(Schema):
    items: list[PersonOut]
    count: int
    page: int
    pages: int
