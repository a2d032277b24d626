"""Communities, rooms and membership."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from facilitators.roles import FACILITATING_ROLES, Role
from realtime.events import user_removed_on_commit

from ..errors import Conflict, Forbidden, Invalid
from ..models import (
    Community,
    CommunityKind,
    JoinPolicy,
    Membership,
    MembershipState,
    Room,
)
from .profiles import clean_language_tags

GENERAL_ROOM = "general"


def community_create(
    *,
    creator: Any,
    name: str,
    kind: str,
    countries: Iterable[str] = (),
    region: str = "",
    languages: Iterable[str] = (),
    join_policy: str = JoinPolicy.OPEN,
    description: str = "",
    slug: str | None = None,
) -> Community:
    """Create a community with its ``general`` room; the creator becomes its facilitator."""
    if kind not in CommunityKind.values:
        raise Invalid(f"Unknown community kind '{kind}'.")
    if join_policy not in JoinPolicy.values:
        raise Invalid(f"Unknown join policy '{join_policy}'.")
    slug = slug or slugify(name)[:80]
    if not slug:
        raise Invalid("A community needs a name.")
    with transaction.atomic():
        if Community.objects.filter(slug=slug).exists():
            raise Conflict(f"A community '{slug}' already exists.")
        community = Community.objects.create(
            slug=slug,
            name=name,
            kind=kind,
            countries=[c.upper() for c in countries],
            region=region,
            languages=clean_language_tags(languages),
            join_policy=join_policy,
            description=description,
            created_by=creator,
        )
        Room.objects.create(
            community=community,
            name=GENERAL_ROOM,
            topic="Introductions, questions and news for everyone in the community",
        )
        if creator is not None:
            Membership.objects.create(community=community, user=creator, role=Role.FACILITATOR)
    return community


def room_create(*, community: Community, name: str, topic: str = "") -> Room:
    name = name.strip().lower()
    if not name:
        raise Invalid("A room needs a name.")
    room, created = Room.objects.get_or_create(
        community=community, name=name, defaults={"topic": topic}
    )
    if not created:
        raise Conflict(f"Room '{name}' already exists in {community.slug}.")
    return room


def membership_join(*, user: Any, community: Community) -> Membership:
    """Join an open community, or ask to join one that approves requests.

    Joining again while active or pending changes nothing; invite-only communities are
    joined through an invitation, never here.
    """
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(user_id=user.pk, community=community)
            .first()
        )
        if membership and membership.state in (MembershipState.ACTIVE, MembershipState.PENDING):
            return membership
        if community.join_policy == JoinPolicy.INVITE:
            raise Forbidden("This community is invite-only; ask a facilitator for an invitation.")
        state = (
            MembershipState.ACTIVE
            if community.join_policy == JoinPolicy.OPEN
            else MembershipState.PENDING
        )
        if membership is None:
            membership = Membership.objects.create(
                user=user, community=community, role=Role.MEMBER, state=state
            )
        else:
            # Someone who left comes back as a member, whatever role they held before.
            membership.state = state
            membership.role = Role.MEMBER
            membership.save(update_fields=["state", "role", "updated_at"])
    return membership


def membership_leave(*, user: Any, community: Community) -> Membership:
    """Leave a community (or withdraw a pending request). Open sockets of the user are
    unsubscribed from its rooms as soon as this commits."""
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(user_id=user.pk, community=community)
            .first()
        )
        if membership is None or membership.state == MembershipState.LEFT:
            raise Conflict("You are not a member of this community.")
        if membership.role in FACILITATING_ROLES and membership.state == MembershipState.ACTIVE:
            other_facilitators = (
                Membership.objects.filter(
                    community=community,
                    role=Role.FACILITATOR,
                    state=MembershipState.ACTIVE,
                )
                .exclude(pk=membership.pk)
                .exists()
            )
            if membership.role == Role.FACILITATOR and not other_facilitators:
                raise Conflict(
                    "You are this community's only facilitator: hand the role to someone "
                    "else before leaving."
                )
        membership.state = MembershipState.LEFT
        membership.save(update_fields=["state", "updated_at"])
        user_removed_on_commit(
            user.pk,
            community_slug=community.slug,
            room_ids=list(community.rooms.values_list("pk", flat=True)),
            reason="left",
        )
    return membership
