"""JSON API for programme coordinators and proposals: founding a community with its first
facilitator, teachers' proposals and their decisions, and the coordinator role (staff).
Endpoints authorise, then call one service; the services check again."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from community.models import User
from community.permissions import can_coordinate, is_staff
from core.errors import Forbidden, NotFound
from core.protocol.api import ERRORS
from core.protocol.moderation import invitation_out
from core.protocol.people import author_out
from core.protocol.stewardship import (
    FoundedOut,
    ProposalOut,
    community_settings_out,
    proposal_out,
)

from . import selectors, services

router = Router(tags=["coordination"])


class FoundIn(Schema):
    name: str = Field(..., max_length=200)
    slug: str | None = Field(None, max_length=100, description="Made from the name if omitted")
    kind: str = Field(..., description="regional, hub or cross_border")
    countries: list[str] = Field(default_factory=list, description="ISO 3166-1 alpha-2 codes")
    region: str = Field("", max_length=200)
    languages: list[str] = Field(default_factory=list, description="BCP-47 tags")
    join_policy: str = Field("open", description="open, request or invite")
    description: str = Field("", max_length=10000)
    facilitator_email: str = Field(
        ..., max_length=254, description="The first facilitator; invited if without an account"
    )


class ProposalIn(Schema):
    name: str = Field(..., max_length=200)
    kind: str = Field(..., description="regional, hub or cross_border")
    countries: list[str] = Field(default_factory=list)
    region: str = Field("", max_length=200)
    languages: list[str] = Field(default_factory=list)
    reason: str = Field(..., max_length=4000, description="Why: who it is for, what it will do")


class ApproveIn(Schema):
    slug: str | None = Field(None, max_length=100)
    join_policy: str = Field("request", description="open, request or invite")
    message: str = Field("", max_length=1000)


class DeclineIn(Schema):
    reason: str = Field(..., max_length=1000, description="The proposer reads it")


class CoordinatorOut(Schema):
    id: int
    name: str
    is_coordinator: bool


@router.post("/coordination/communities", response={201: FoundedOut, **ERRORS})
def found_community(request: HttpRequest, payload: FoundIn) -> Any:
    """Coordinators: a community of any kind, with its first facilitator named by email."""
    if not can_coordinate.test(request.auth):
        raise Forbidden(_("Only programme coordinators create communities."))
    community, person, invitation = services.community_found(
        actor=request.auth,
        base_url=request.build_absolute_uri("/").rstrip("/"),
        **payload.dict(),
    )
    return Status(
        201,
        FoundedOut(
            community=community_settings_out(community),
            facilitator=author_out(person) if person else None,
            invitation=invitation_out(
                invitation,
                url=request.build_absolute_uri(
                    reverse("facilitators:invitation", args=[invitation.token])
                ),
            )
            if invitation
            else None,
        ),
    )


@router.get("/community-proposals", response={200: list[ProposalOut], **ERRORS})
def list_proposals(
    request: HttpRequest,
    state: str | None = Query(None, description="pending, approved or declined"),
) -> list[ProposalOut]:
    """Coordinators see every proposal; a teacher sees their own."""
    proposer = None if can_coordinate.test(request.auth) else request.auth
    return [proposal_out(p) for p in selectors.proposal_list(proposer=proposer, state=state)[:200]]


@router.post("/community-proposals", response={201: ProposalOut, **ERRORS})
def propose_community(request: HttpRequest, payload: ProposalIn) -> Any:
    """Any teacher: propose a community; coordinators decide."""
    proposal = services.proposal_create(proposer=request.auth, **payload.dict())
    return Status(201, proposal_out(selectors.proposal_get(proposal_id=proposal.pk)))


def _proposal_for_coordinator(request: HttpRequest, proposal_id: int) -> Any:
    if not can_coordinate.test(request.auth):
        raise Forbidden(_("Only programme coordinators decide proposals."))
    return selectors.proposal_get(proposal_id=proposal_id)


@router.post("/community-proposals/{proposal_id}/approve", response={200: ProposalOut, **ERRORS})
def approve_proposal(request: HttpRequest, proposal_id: int, payload: ApproveIn) -> Any:
    proposal = _proposal_for_coordinator(request, proposal_id)
    services.proposal_approve(actor=request.auth, proposal=proposal, **payload.dict())
    return proposal_out(selectors.proposal_get(proposal_id=proposal_id))


@router.post("/community-proposals/{proposal_id}/decline", response={200: ProposalOut, **ERRORS})
def decline_proposal(request: HttpRequest, proposal_id: int, payload: DeclineIn) -> Any:
    proposal = _proposal_for_coordinator(request, proposal_id)
    services.proposal_decline(actor=request.auth, proposal=proposal, reason=payload.reason)
    return proposal_out(selectors.proposal_get(proposal_id=proposal_id))


def _coordinator(request: HttpRequest, user_id: int, *, on: bool) -> CoordinatorOut:
    if not is_staff(request.auth):
        raise Forbidden(_("Only staff grant the coordinator role."))
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("No user %(user_id)s.") % {"user_id": user_id})
    user = services.coordinator_set(actor=request.auth, user=user, on=on)
    return CoordinatorOut(id=user.pk, name=user.public_name, is_coordinator=user.is_coordinator)


@router.put("/coordinators/{user_id}", response={200: CoordinatorOut, **ERRORS})
def grant_coordinator(request: HttpRequest, user_id: int) -> CoordinatorOut:
    """Staff: make someone a programme coordinator."""
    return _coordinator(request, user_id, on=True)


@router.delete("/coordinators/{user_id}", response={200: CoordinatorOut, **ERRORS})
def revoke_coordinator(request: HttpRequest, user_id: int) -> CoordinatorOut:
    return _coordinator(request, user_id, on=False)
