"""JSON API of teaching materials: the library, one material, sharing, versions, adaptations,
reactions and downloads. Creating endpoints take multipart forms (a file, or a ``link``)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from django.utils.text import slugify
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from community.permissions import can_read_rooms
from community.selectors import community_by_slug
from core.errors import Forbidden, NotFound
from core.protocol.api import ERRORS as COMMON_ERRORS
from core.protocol.api import ErrorOut
from core.protocol.materials import (
    LicenceOut,
    ReactionsOut,
    ResourceDetailOut,
    ResourceOut,
    VersionOut,
    adaptation_out,
    reactions_out,
    resource_out,
    version_out,
)
from core.protocol.people import author_out
from core.uploads import safe_file_response

from . import selectors, services
from .licences import LICENCES, attribution
from .models import Resource, ResourceType, ResourceVersion
from .permissions import can_manage_resource, can_restore_resource, can_withdraw_resource
from .schemas import AdaptIn, ReasonIn, ResourceEditIn, ResourceIn, VersionIn

router = Router(tags=["resources"])
# The shared error answers, plus withdrawn files (410) and oversized uploads (413).
ERRORS: dict[int, type] = {**COMMON_ERRORS, 410: ErrorOut, 413: ErrorOut}
PAGE_MAX = 100
# A multipart file field that may be left out (a link instead, or an adaptation's copy).
OPTIONAL_FILE = File(None)


def material_out(resource: Resource, *, viewer: Any) -> ResourceOut:
    """A material as ``viewer`` may see it (its source's community only if they belong)."""
    licence = LICENCES[resource.licence]
    source = resource.adapted_from
    return resource_out(
        resource,
        licence=LicenceOut(id=licence.spdx, name=licence.name, url=licence.url),
        attribution=attribution(resource.title, author_out(resource.author).name, resource.licence),
        source_community_visible=bool(
            source and can_read_rooms.test(viewer, source.resource.community_id)
        ),
    )


def material_detail_out(resource: Resource, *, viewer: Any) -> ResourceDetailOut:
    counts, mine = selectors.reactions_of(resource=resource, user=viewer)
    may_review = can_withdraw_resource(viewer, resource)
    withdrawn = resource.withdrawn_at is not None
    show_versions = may_review or not withdrawn
    return ResourceDetailOut(
        **material_out(resource, viewer=viewer).model_dump(),
        versions=[version_out(resource, v) for v in resource.versions.all()]
        if show_versions
        else [],
        adaptations=[
            adaptation_out(a)
            for a in selectors.adaptations_of(resource)
            if can_read_rooms.test(viewer, a.community_id)
        ],
        reactions=reactions_out(counts, mine),
        can_manage=not withdrawn and can_manage_resource(viewer, resource),
        can_withdraw=not withdrawn and may_review,
        can_restore=withdrawn and can_restore_resource(viewer, resource),
    )


def _fresh_detail(request: HttpRequest, resource_id: int) -> ResourceDetailOut:
    """A material as it is after a write, for the answer."""
    detail = selectors.resource_get(resource_id=resource_id)
    return material_detail_out(detail, viewer=request.auth)


def _library(request: HttpRequest, community_id: int | None, filters: Any) -> list[ResourceOut]:
    resources = selectors.resource_list(
        user=request.auth, community_id=community_id, **filters.dict(exclude={"limit", "offset"})
    )
    page = resources[filters.offset : filters.offset + filters.limit]
    return [material_out(r, viewer=request.auth) for r in page]


class ListQuery(Schema):
    subject: str | None = Field(None, max_length=60)
    age: int | None = Field(None, ge=0, le=99, description="Suitable for this age (years)")
    language: str | None = Field(None, max_length=35, description="BCP-47; 'pt' finds 'pt-BR'")
    licence: str | None = Field(None, max_length=40)
    tag: str | None = Field(None, max_length=60)
    area: str | None = Field(None, max_length=40, description="Self-assessment area key")
    resource_type: ResourceType | None = None
    q: str | None = Field(None, max_length=200, description="Free-text search")
    sort: str = Field("newest", pattern="^(newest|most_used)$")
    withdrawn: bool = Field(
        False, description="Withdrawn materials instead: the viewer's own and those they facilitate"
    )
    limit: int = Field(30, ge=1, le=PAGE_MAX)
    offset: int = Field(0, ge=0, le=100_000)


@router.get("/resources", response={200: list[ResourceOut], **ERRORS})
def list_resources(request: HttpRequest, filters: Query[ListQuery]) -> Any:
    """Materials of every community the viewer belongs to."""
    return _library(request, None, filters)


@router.get("/communities/{slug}/resources", response={200: list[ResourceOut], **ERRORS})
def list_community_resources(request: HttpRequest, slug: str, filters: Query[ListQuery]) -> Any:
    community = community_by_slug(slug=slug)
    if not can_read_rooms.test(request.auth, community):
        raise Forbidden(_("Only members of this community can see its materials."))
    return _library(request, community.pk, filters)


@router.post("/communities/{slug}/resources", response={201: ResourceDetailOut, **ERRORS})
def share_resource(
    request: HttpRequest,
    slug: str,
    payload: Form[ResourceIn],
    file: UploadedFile | None = OPTIONAL_FILE,
) -> Any:
    """Share a material: a ``file`` upload or a ``link``. Becomes version 1."""
    community = community_by_slug(slug=slug)
    fields = payload.dict()
    link = fields.pop("link")
    resource = services.resource_share(
        actor=request.auth, community=community, upload=file, url=link, **fields
    )
    return Status(201, _fresh_detail(request, resource.pk))


@router.get("/resources/{resource_id}", response={200: ResourceDetailOut, **ERRORS})
def get_resource(request: HttpRequest, resource_id: int) -> Any:
    resource = selectors.resource_for_reader(user=request.auth, resource_id=resource_id)
    return material_detail_out(resource, viewer=request.auth)


@router.patch("/resources/{resource_id}", response={200: ResourceDetailOut, **ERRORS})
def edit_resource(request: HttpRequest, resource_id: int, payload: ResourceEditIn) -> Any:
    """Correct the description (author or facilitators); only the fields sent change."""
    resource = selectors.resource_for_reader(user=request.auth, resource_id=resource_id)
    services.resource_update(
        actor=request.auth, resource=resource, **payload.dict(exclude_unset=True)
    )
    return _fresh_detail(request, resource.pk)


@router.post("/resources/{resource_id}/withdraw", response={200: ResourceDetailOut, **ERRORS})
def withdraw_resource(request: HttpRequest, resource_id: int, payload: ReasonIn) -> Any:
    """Take the material out of the library (author, or facilitators with a reason): files
    are no longer served, the thread closes, the page says who withdrew it and why."""
    resource = selectors.resource_for_reader(user=request.auth, resource_id=resource_id)
    services.resource_withdraw(actor=request.auth, resource=resource, reason=payload.reason)
    return _fresh_detail(request, resource.pk)


@router.post("/resources/{resource_id}/restore", response={200: ResourceDetailOut, **ERRORS})
def restore_resource(request: HttpRequest, resource_id: int, payload: ReasonIn) -> Any:
    """Put a withdrawn material back (facilitators; the author if they withdrew it)."""
    resource = selectors.resource_for_reader(user=request.auth, resource_id=resource_id)
    services.resource_restore(actor=request.auth, resource=resource, reason=payload.reason)
    return _fresh_detail(request, resource.pk)


@router.post("/resources/{resource_id}/versions", response={201: VersionOut, **ERRORS})
def add_version(
    request: HttpRequest,
    resource_id: int,
    payload: Form[VersionIn],
    file: UploadedFile | None = OPTIONAL_FILE,
) -> Any:
    """A new version (a file or a link); earlier versions stay downloadable."""
    resource = selectors.resource_for_reader(user=request.auth, resource_id=resource_id)
    version = services.resource_new_version(
        actor=request.auth,
        resource=resource,
        upload=file,
        url=payload.link,
        change_note=payload.change_note,
    )
    return Status(201, version_out(resource, version))


@router.post("/resources/{resource_id}/adapt", response={201: ResourceDetailOut, **ERRORS})
def adapt_resource(
    request: HttpRequest,
    resource_id: int,
    payload: Form[AdaptIn],
    file: UploadedFile | None = OPTIONAL_FILE,
) -> Any:
    """A new material based on a version of this one, in any community the viewer posts in.
    Without a file or link it starts as a copy of the source version."""
    resource = selectors.resource_for_reader(user=request.auth, resource_id=resource_id)
    fields = payload.dict(exclude_unset=True)
    target = community_by_slug(slug=fields.pop("community"))
    number = fields.pop("version", None)
    versions = list(resource.versions.all())
    source = selectors.version_get(resource=resource, number=number) if number else versions[-1]
    adaptation = services.resource_adapt(
        actor=request.auth,
        source=source,
        community=target,
        upload=file,
        url=fields.pop("link", ""),
        **fields,
    )
    return Status(201, _fresh_detail(request, adaptation.pk))


@router.get("/resources/{resource_id}/reactions", response={200: ReactionsOut, **ERRORS})
def reactions(request: HttpRequest, resource_id: int) -> ReactionsOut:
    """The reaction counts and mine (the material page keeps its counts live with it)."""
    resource = selectors.resource_for_reader(user=request.auth, resource_id=resource_id)
    return reactions_out(*selectors.reactions_of(resource=resource, user=request.auth))


@router.put("/resources/{resource_id}/reactions/{kind}", response={200: ReactionsOut, **ERRORS})
def react(request: HttpRequest, resource_id: int, kind: str) -> Any:
    """Say "used it in class" (``used_in_class``) or "useful" (``useful``)."""
    return _react(request, resource_id, kind, on=True)


@router.delete("/resources/{resource_id}/reactions/{kind}", response={200: ReactionsOut, **ERRORS})
def unreact(request: HttpRequest, resource_id: int, kind: str) -> Any:
    return _react(request, resource_id, kind, on=False)


def _react(request: HttpRequest, resource_id: int, kind: str, *, on: bool) -> ReactionsOut:
    resource = selectors.resource_for_reader(user=request.auth, resource_id=resource_id)
    services.reaction_set(actor=request.auth, resource=resource, kind=kind, on=on)
    return reactions_out(*selectors.reactions_of(resource=resource, user=request.auth))


@router.get(
    "/resources/{resource_id}/versions/{number}/download",
    response={200: bytes, **ERRORS},
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as an attachment",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },

            }
        }
    },
)  # fmt: skip
def download(request: HttpRequest, resource_id: int, number: int) -> FileResponse:
    """The stored file of a version, for members of the material's community only."""
    resource = selectors.resource_for_reader(user=request.auth, resource_id=resource_id)
    version = selectors.downloadable_version(viewer=request.auth, resource=resource, number=number)
    if not version.file:
        raise NotFound(
            _("Version %(number)s is a link, not a file: %(url)s")
            % {"number": number, "url": version.url}
        )
    return attachment_response(resource, version)


def attachment_response(resource: Resource, version: ResourceVersion) -> FileResponse:
    """The file as a download that a browser will never render or run."""
    name = f"{slugify(resource.title, allow_unicode=True)[:80] or 'material'}-v{version.number}"
    return safe_file_response(
        version.file.open("rb"),
        filename=f"{name}.{version.extension}",
        content_type=version.content_type,
    )
