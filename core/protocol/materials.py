"""Teaching materials as the JSON API answers them (pages and the library use the same)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from .people import AuthorOut, author_out


class CommunityRefOut(Schema):
    slug: str
    name: str


def community_ref_out(community: Any) -> CommunityRefOut:
    return CommunityRefOut(slug=community.slug, name=community.name)


def material_summary(resource: Any, version: Any = None) -> dict[str, Any]:
    """What room events (``resource`` kind, ``data.resource``) and notifications say about a
    material and, where it matters, one of its versions."""
    return {
        "id": resource.pk,
        "title": resource.title,
        "url": f"/resources/{resource.pk}/",
        "version": version.number if version else None,
        "language": resource.language,
        "licence": resource.licence,
    }


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
    by: AuthorOut
    reason: str


class ResourceOut(Schema):
    id: int
    url: str = Field(description="The material's page")
    community: CommunityRefOut
    title: str
    description: str
    resource_type: str = Field(description="schema.org learningResourceType (see the form)")
    subjects: list[str]
    tags: list[str]
    area: str = Field(description="The self-assessment area it serves, or empty")
    age_min: int | None
    age_max: int | None
    isced_level: int | None = Field(description="ISCED 2011 level, 0 to 5")
    language: str = Field(description="BCP-47 language tag")
    licence: LicenceOut
    attribution: str = Field(description="The credit line to show with the material")
    author: AuthorOut
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


def resource_out(
    resource: Any, *, licence: LicenceOut, attribution: str, source_community_visible: bool
) -> ResourceOut:
    """A ``Resource`` (community, author, ``adapted_from`` and its resource loaded). The
    caller decides what the viewer may see: the source's community only for its members."""
    source = resource.adapted_from
    adapted_from = None
    if source is not None:
        origin = source.resource
        adapted_from = SourceOut(
            resource=origin.pk,
            title=origin.title,
            version=source.number,
            withdrawn=origin.withdrawn_at is not None,
            community=community_ref_out(origin.community) if source_community_visible else None,
        )
    withdrawn = None
    if resource.withdrawn_at:
        withdrawn = WithdrawnOut(
            at=resource.withdrawn_at,
            by=author_out(resource.withdrawn_by),
            reason=resource.withdrawn_reason,
        )
    return ResourceOut(
        id=resource.pk,
        url=f"/resources/{resource.pk}/",
        community=community_ref_out(resource.community),
        title=resource.title,
        description=resource.description,
        resource_type=resource.resource_type,
        subjects=resource.subjects,
        tags=resource.tags,
        area=resource.area,
        age_min=resource.age_min,
        age_max=resource.age_max,
        isced_level=resource.isced_level,
        language=resource.language,
        licence=licence,
        attribution=attribution,
        author=author_out(resource.author),
        thread_room=resource.thread_id,
        adapted_from=adapted_from,
        version_count=resource.version_count,
        used_count=resource.used_count,
        useful_count=resource.useful_count,
        withdrawn=withdrawn,
        created_at=resource.created_at,
        updated_at=resource.updated_at,
    )


class VersionOut(Schema):
    number: int
    kind: str = Field(description="'file' or 'link'")
    link: str | None = Field(description="The address, for a link")
    download: str | None = Field(description="Download address, for a file")
    content_type: str | None
    size: int | None
    sha256: str | None
    change_note: str
    created_by: AuthorOut
    created_at: datetime


def version_out(resource: Any, version: Any) -> VersionOut:
    is_file = bool(version.file)
    return VersionOut(
        number=version.number,
        kind="file" if is_file else "link",
        link=None if is_file else version.url,
        download=(
            f"/api/resources/{resource.pk}/versions/{version.number}/download" if is_file else None
        ),
        content_type=version.content_type if is_file else None,
        size=version.size if is_file else None,
        sha256=version.sha256 if is_file else None,
        change_note=version.change_note,
        created_by=author_out(version.created_by),
        created_at=version.created_at,
    )


class AdaptationOut(Schema):
    id: int
    title: str
    language: str
    community: CommunityRefOut
    author: AuthorOut
    source_version: int


def adaptation_out(adaptation: Any) -> AdaptationOut:
    """An adaptation from ``adaptations_of`` (annotated with ``source_version``)."""
    return AdaptationOut(
        id=adaptation.pk,
        title=adaptation.title,
        language=adaptation.language,
        community=community_ref_out(adaptation.community),
        author=author_out(adaptation.author),
        source_version=adaptation.source_version,
    )


class ReactionsOut(Schema):
    counts: dict[str, int]
    mine: list[str] = Field(description="The viewer's reactions: used_in_class, useful")


def reactions_out(counts: dict[str, int], mine: set[str]) -> ReactionsOut:
    return ReactionsOut(counts=counts, mine=sorted(mine))


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
