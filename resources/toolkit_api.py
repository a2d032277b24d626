"""JSON API of toolkits: listing, reading, creating and curating them (members), and the
public toolkits, readable without an account (``/api/public/...``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from community.selectors import community_by_slug
from community.text import render_markdown
from core.errors import Forbidden
from core.protocol.api import ERRORS
from core.protocol.materials import LicenceOut
from core.protocol.people import author_out
from core.protocol.toolkits import (
    PublicItemOut,
    PublicToolkitOut,
    ToolkitItemOut,
    ToolkitOut,
    public_material_out,
    public_toolkit_out,
    toolkit_material_out,
    toolkit_out,
)

from . import toolkit_selectors as selectors
from . import toolkit_services as services
from .licences import LICENCES, attribution
from .permissions import can_curate_toolkits

router = Router(tags=["toolkits"])
public_router = Router(tags=["public toolkits"], auth=None)


class ToolkitIn(Schema):
    title: str = Field(..., max_length=400)
    introduction: str = Field("", max_length=20000, description="Markdown")
    language: str = Field("", max_length=35, description="BCP-47; default the community's")


class ToolkitPatch(Schema):
    title: str | None = Field(None, max_length=400)
    introduction: str | None = Field(None, max_length=20000)
    language: str | None = Field(None, max_length=35)
    public: bool | None = Field(
        None, description="Public: readable without an account (openly licensed materials only)"
    )


class ItemIn(Schema):
    resource: int
    note: str = Field("", max_length=1000)


class ItemsIn(Schema):
    items: list[ItemIn] = Field(..., description="The materials in order")


def licence_out(spdx: str) -> LicenceOut:
    licence = LICENCES[spdx]
    return LicenceOut(id=licence.spdx, name=licence.name, url=licence.url)


def toolkit_answer(toolkit: Any, viewer: Any) -> ToolkitOut:
    items, hidden = selectors.readable_items(toolkit, viewer)
    return toolkit_out(
        toolkit,
        items=[
            ToolkitItemOut(
                position=item.position,
                note=item.note,
                material=toolkit_material_out(
                    item,
                    licence=licence_out(item.resource.licence),
                    is_open=LICENCES[item.resource.licence].is_open,
                ),
            )
            for item in items
        ],
        hidden_items=hidden,
        introduction_html=render_markdown(toolkit.introduction),
        can_curate=can_curate_toolkits(viewer, toolkit.community),
    )


def public_answer(toolkit: Any) -> PublicToolkitOut:
    """What anyone may read: openly licensed, current materials, credited as their licence
    asks, and nothing else about people."""
    items = []
    for item in toolkit.public_items:
        resource = item.resource
        items.append(
            PublicItemOut(
                position=item.position,
                note=item.note,
                material=public_material_out(
                    toolkit,
                    resource,
                    selectors.latest_version(resource),
                    licence=licence_out(resource.licence),
                    attribution=attribution(
                        resource.title, author_out(resource.author).name, resource.licence
                    ),
                ),
            )
        )
    return public_toolkit_out(
        toolkit, items=items, introduction_html=render_markdown(toolkit.introduction)
    )


def _curated(request: HttpRequest, slug: str) -> Any:
    toolkit = selectors.toolkit_for_reader(user=request.auth, slug=slug)
    if not can_curate_toolkits(request.auth, toolkit.community):
        raise Forbidden(_("Only this community's facilitators and coordinators curate toolkits."))
    return toolkit


@router.get("/toolkits", response={200: list[ToolkitOut], **ERRORS})
def list_toolkits(request: HttpRequest) -> list[ToolkitOut]:
    """Public toolkits and those of the viewer's communities' networks."""
    return [
        toolkit_answer(selectors.toolkit_get(slug=t.slug), request.auth)
        for t in selectors.toolkit_list(user=request.auth)[:100]
    ]


@router.post("/communities/{slug}/toolkits", response={201: ToolkitOut, **ERRORS})
def create_toolkit(request: HttpRequest, slug: str, payload: ToolkitIn) -> Any:
    community = community_by_slug(slug=slug)
    if not can_curate_toolkits(request.auth, community):
        raise Forbidden(_("Only this community's facilitators and coordinators curate toolkits."))
    toolkit = services.toolkit_create(actor=request.auth, community=community, **payload.dict())
    return Status(201, toolkit_answer(selectors.toolkit_get(slug=toolkit.slug), request.auth))


@router.get("/toolkits/{slug}", response={200: ToolkitOut, **ERRORS})
def get_toolkit(request: HttpRequest, slug: str) -> ToolkitOut:
    return toolkit_answer(selectors.toolkit_for_reader(user=request.auth, slug=slug), request.auth)


@router.patch("/toolkits/{slug}", response={200: ToolkitOut, **ERRORS})
def update_toolkit(request: HttpRequest, slug: str, payload: ToolkitPatch) -> ToolkitOut:
    toolkit = _curated(request, slug)
    services.toolkit_update(actor=request.auth, toolkit=toolkit, **payload.dict(exclude_unset=True))
    return toolkit_answer(selectors.toolkit_get(slug=slug), request.auth)


@router.put("/toolkits/{slug}/items", response={200: ToolkitOut, **ERRORS})
def set_toolkit_items(request: HttpRequest, slug: str, payload: ItemsIn) -> ToolkitOut:
    toolkit = _curated(request, slug)
    services.toolkit_items_set(
        actor=request.auth,
        toolkit=toolkit,
        items=[(item.resource, item.note) for item in payload.items],
    )
    return toolkit_answer(selectors.toolkit_get(slug=slug), request.auth)


@router.delete("/toolkits/{slug}", response={204: None, **ERRORS})
def delete_toolkit(request: HttpRequest, slug: str) -> Any:
    services.toolkit_delete(actor=request.auth, toolkit=_curated(request, slug))
    return Status(204, None)


@public_router.get("/public/toolkits", response={200: list[PublicToolkitOut], **ERRORS})
def list_public_toolkits(request: HttpRequest) -> list[PublicToolkitOut]:
    """Every public toolkit, without an account."""
    return [
        public_answer(selectors.public_toolkit(slug=t.slug))
        for t in selectors.public_toolkits()[:200]
    ]


@public_router.get("/public/toolkits/{slug}", response={200: PublicToolkitOut, **ERRORS})
def get_public_toolkit(request: HttpRequest, slug: str) -> PublicToolkitOut:
    return public_answer(selectors.public_toolkit(slug=slug))
