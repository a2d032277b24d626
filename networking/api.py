"""JSON API of suggestions, "not interested", people search and profiles (the pages use the
same selectors)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from community import visibility
from core.errors import NotFound
from core.protocol.api import ERRORS
from core.protocol.networking import (
    CommunitySuggestionsOut,
    PeoplePageOut,
    PeopleSuggestionsOut,
    PersonOut,
    ResourceSuggestionsOut,
    person_out,
    suggested_community_out,
    suggested_person_out,
    suggested_resource_out,
)

from . import selectors, services

router = Router(tags=["networking"])
MAX_LIMIT = 20


@router.get("/me/suggestions/people", response={200: PeopleSuggestionsOut, **ERRORS})
def suggested_people(request: HttpRequest, limit: int = Query(5, ge=1, le=MAX_LIMIT)) -> Any:
    """Discoverable teachers you may want to meet, best first, each with its reasons."""
    items = selectors.people_suggestions(request.auth, limit=limit)
    return {"items": [suggested_person_out(s) for s in items]}


@router.get("/me/suggestions/communities", response={200: CommunitySuggestionsOut, **ERRORS})
def suggested_communities(request: HttpRequest, limit: int = Query(5, ge=1, le=MAX_LIMIT)) -> Any:
    """Communities to join, best first, each with its reasons."""
    items = selectors.community_suggestions(request.auth, limit=limit)
    return {"items": [suggested_community_out(s) for s in items]}


@router.get("/me/suggestions/materials", response={200: ResourceSuggestionsOut, **ERRORS})
def suggested_materials(request: HttpRequest, limit: int = Query(5, ge=1, le=MAX_LIMIT)) -> Any:
    """Teaching materials in your communities to look at, best first, with reasons."""
    items = selectors.resource_suggestions(request.auth, limit=limit)
    return {"items": [suggested_resource_out(s) for s in items]}


class DismissIn(Schema):
    kind: str = Field(..., description="person (or user), community or resource")
    id: int | str = Field(..., description="user id, community slug, or material id")


class DismissOut(Schema):
    kind: str
    id: int
    dismissed: bool = True


@router.post("/me/suggestions/dismiss", response={200: DismissOut, **ERRORS})
def dismiss(request: HttpRequest, payload: DismissIn) -> Any:
    """Not interested: never suggested to you again."""
    dismissal = services.dismiss(user=request.auth, kind=payload.kind, object_id=payload.id)
    return {"kind": dismissal.kind, "id": dismissal.object_id}


SEARCH_SCAN = 2000


@router.get("/people", response={200: PeoplePageOut, **ERRORS})
def people(
    request: HttpRequest,
    q: str = Query("", max_length=100),
    subject: str = Query("", max_length=80),
    age_group: str = Query("", max_length=30),
    language: str = Query("", max_length=35),
    country: str = Query("", max_length=2),
    interest: str = Query("", max_length=80),
    page: int = Query(1, ge=1, le=1000),
    page_size: int = Query(20, ge=1, le=100),
) -> Any:
    """Discoverable teachers and the members of your communities, by free text, subject, age
    group, language, country and interest. Only what each teacher lets you see is searched
    and shown."""
    filters = {
        "q": q.strip(),
        "subject": subject.strip(),
        "age_group": age_group,
        "language": language.strip(),
        "country": country,
        "interest": interest.strip(),
    }
    found = selectors.people_search(request.auth, **filters)[:SEARCH_SCAN]
    visible = selectors.visible_search_results(request.auth, list(found), filters)
    start = (page - 1) * page_size
    items = [
        person_out(v["user"], v, v["relation"] == visibility.Relation.MEMBER)
        for v in visible[start : start + page_size]
    ]
    pages = max(1, -(-len(visible) // page_size))
    return {"items": items, "count": len(visible), "page": page, "pages": pages}


@router.get("/people/{handle}", response={200: PersonOut, **ERRORS})
def person(request: HttpRequest, handle: str) -> Any:
    """One teacher's profile as you may see it (404 when it is not yours to see)."""
    user = selectors.person_by_handle(handle)
    profile = getattr(user, "profile", None) if user else None
    relation = visibility.relation_of(request.auth, user, profile) if user else None
    if user is None or relation is None:
        raise NotFound(_("No teacher '@%(handle)s' you can see.") % {"handle": handle})
    view = visibility.profile_view(profile, relation)
    return person_out(user, view, relation == visibility.Relation.MEMBER)
