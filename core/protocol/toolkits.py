"""Toolkits (curated collections of teaching materials) as the JSON API answers them: for
members (``ToolkitOut``) and, for a public toolkit, for anyone without an account
(``PublicToolkitOut``: only openly licensed materials, and nothing about members but the
credit line each licence requires)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from .materials import CommunityRefOut, LicenceOut, community_ref_out


class ToolkitMaterialOut(Schema):
    id: int
    title: str
    url: str = Field(description="The material's page for members")
    public_url: str | None = Field(description="Its public page, while the toolkit is public")
    language: str
    resource_type: str
    licence: LicenceOut
    open: bool = Field(description="Openly licensed: shown in the public toolkit")
    withdrawn: bool
    community: CommunityRefOut


class ToolkitItemOut(Schema):
    position: int
    note: str
    material: ToolkitMaterialOut


class ToolkitOut(Schema):
    id: int
    slug: str
    title: str
    introduction: str = Field(description="Markdown")
    introduction_html: str
    language: str
    community: CommunityRefOut
    public: bool
    published_at: datetime | None
    public_url: str | None
    updated_at: datetime
    items: list[ToolkitItemOut]
    hidden_items: int = Field(
        description="Materials in it from communities the viewer does not belong to"
    )
    can_curate: bool


def toolkit_material_out(item: Any, *, licence: LicenceOut, is_open: bool) -> ToolkitMaterialOut:
    resource = item.resource
    public = f"/toolkits/{item.toolkit.slug}/materials/{resource.pk}/"
    return ToolkitMaterialOut(
        id=resource.pk,
        title=resource.title,
        url=f"/resources/{resource.pk}/",
        public_url=public if item.toolkit.published_at and is_open else None,
        language=resource.language,
        resource_type=resource.resource_type,
        licence=licence,
        open=is_open,
        withdrawn=resource.withdrawn_at is not None,
        community=community_ref_out(resource.community),
    )


def toolkit_out(
    toolkit: Any,
    *,
    items: list[ToolkitItemOut],
    hidden_items: int,
    introduction_html: str,
    can_curate: bool,
) -> ToolkitOut:
    return ToolkitOut(
        id=toolkit.pk,
        slug=toolkit.slug,
        title=toolkit.title,
        introduction=toolkit.introduction,
        introduction_html=introduction_html,
        language=toolkit.language,
        community=community_ref_out(toolkit.community),
        public=toolkit.published_at is not None,
        published_at=toolkit.published_at,
        public_url=f"/toolkits/{toolkit.slug}/" if toolkit.published_at else None,
        updated_at=toolkit.updated_at,
        items=items,
        hidden_items=hidden_items,
        can_curate=can_curate,
    )


class PublicMaterialOut(Schema):
    id: int
    title: str
    description: str
    url: str = Field(description="Its public page")
    download: str | None = Field(description="The file, for a file")
    link: str | None = Field(description="The address, for a link")
    language: str
    resource_type: str
    subjects: list[str]
    age_min: int | None
    age_max: int | None
    licence: LicenceOut
    attribution: str = Field(description="The credit line the licence asks for")


class PublicItemOut(Schema):
    position: int
    note: str
    material: PublicMaterialOut


class PublicToolkitOut(Schema):
    slug: str
    title: str
    introduction_html: str
    language: str
    curated_by: str = Field(description="The community that keeps it")
    url: str
    updated_at: datetime
    items: list[PublicItemOut]


def public_material_out(
    toolkit: Any, resource: Any, version: Any, *, licence: LicenceOut, attribution: str
) -> PublicMaterialOut:
    base = f"/toolkits/{toolkit.slug}/materials/{resource.pk}/"
    is_file = bool(version is not None and version.file)
    return PublicMaterialOut(
        id=resource.pk,
        title=resource.title,
        description=resource.description,
        url=base,
        download=f"{base}download" if is_file else None,
        link=version.url if version is not None and not is_file else None,
        language=resource.language,
        resource_type=resource.resource_type,
        subjects=resource.subjects,
        age_min=resource.age_min,
        age_max=resource.age_max,
        licence=licence,
        attribution=attribution,
    )


def public_toolkit_out(
    toolkit: Any, *, items: list[PublicItemOut], introduction_html: str
) -> PublicToolkitOut:
    return PublicToolkitOut(
        slug=toolkit.slug,
        title=toolkit.title,
        introduction_html=introduction_html,
        language=toolkit.language,
        curated_by=toolkit.community.name,
        url=f"/toolkits/{toolkit.slug}/",
        updated_at=toolkit.updated_at,
        items=items,
    )
