"""Communities, rooms and membership."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import ratelimit
from core.emitters import user_removed_on_commit, users_frame_on_commit
from core.errors import Conflict, Forbidden
from core.notify import Category, Verb, notify_users
from core.protocol.frames import JoinRequestFrame
from core.protocol.people import author_out
from core.roles import FACILITATING_ROLES, ROLE_RANK, Role

from ..models import (
    Community,
    EventKind,
    JoinPolicy,
    Membership,
    MembershipState,
    Room,
    User,
)
from ..selectors import facilitator_ids
from .messages import room_event_append
from .rooms import GENERAL_ROOM
from .shaping import clean_community_fields, clean_slug


def community_create(
    *,
    creator: User | None,
    name: str,
    kind: str,
    countries: Iterable[str] = (),
    region: str = "",
    languages: Iterable[str] = (),
    join_policy: str = JoinPolicy.OPEN,
    description: str = "",
    slug: str | None = None,
    creator_facilitates: bool = True,
) -> Community:
    """Create a community with its ``general`` room; the creator becomes its facilitator
    (unless ``creator_facilitates`` is false: a coordinator founding it for someone else).
    Every field is checked first (``Invalid`` names the field); a taken address is a
    ``Conflict``."""
    fields = clean_community_fields(
        name=name,
        kind=kind,
        countries=countries,
        region=region,
        languages=languages,
        join_policy=join_policy,
        description=description,
    )
    slug = clean_slug(slug, fields["name"])
    with transaction.atomic():
        if Community.objects.filter(slug=slug).exists():
            raise Conflict(
                _("The address '%(slug)s' is taken by another community; choose another.")
                % {"slug": slug},
                field="slug",
            )
        community = Community.objects.create(slug=slug, created_by=creator, **fields)
        Room.objects.create(
            community=community,
            name=GENERAL_ROOM,
            topic="Introductions, questions and news for everyone in the community",
        )
        if creator is not None and creator_facilitates:
            Membership.objects.create(community=community, user=creator, role=Role.FACILITATOR)
    return community


def membership_join(*, user: User, community: Community, request_message: str = "") -> Membership:
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
        if Community.objects.filter(pk=community.pk, archived_at__isnull=False).exists():
            raise Conflict(_("This community is archived: it takes no new members."))
        ratelimit.limit("membership", actor_id=user.pk, what=_("joins and leaves"))
        if community.join_policy == JoinPolicy.INVITE:
            raise Forbidden(
                _("This community is invite-only; ask a facilitator for an invitation.")
            )
        state = (
            MembershipState.ACTIVE
            if community.join_policy == JoinPolicy.OPEN
            else MembershipState.PENDING
        )
        if membership is not None and membership.state == MembershipState.BANNED:
            raise Forbidden(_("You were banned from this community."))
        if membership is None:
            membership = Membership.objects.create(
                user=user,
                community=community,
                role=Role.MEMBER,
                state=state,
                request_message=request_message.strip()[:1000],
            )
        else:
            # Someone who left comes back as a member; a role a facilitator restricted them to
            # (observer) stays, like a mute does. Facilitating roles are given, not kept.
            membership.state = state
            if ROLE_RANK[membership.role] >= ROLE_RANK[Role.MEMBER]:
                membership.role = Role.MEMBER
            membership.request_message = request_message.strip()[:1000]
            membership.save(update_fields=["state", "role", "request_message", "updated_at"])
        if state == MembershipState.ACTIVE:
            member_event(community=community, actor=user, user=user, action="joined")
        else:
            join_request_on_commit(membership)
    return membership


def member_event(
    *, community: Community, actor: User, user: User, action: str, **details: Any
) -> None:
    """A membership change as an event in the community's general room, so everyone
    following it (and every client resuming it) sees who joined, left or changed role."""
    general = community.rooms.filter(name=GENERAL_ROOM).values_list("pk", flat=True).first()
    if general is None:
        return
    room_event_append(
        room_id=general,
        kind=EventKind.MEMBER,
        author=actor,
        data={"action": action, "user": {"id": user.pk, "name": str(user.public_name)}, **details},
    )


def join_request_on_commit(membership: Membership) -> None:
    """Tell the community's facilitators that someone asks to join: live on their sockets,
    and as a notification."""
    facilitators = facilitator_ids(membership.community_id)
    frame = JoinRequestFrame(
        community=membership.community.slug,
        user=author_out(membership.user),
        message=membership.request_message,
    )
    users_frame_on_commit(facilitators, frame)
    notify_users(
        actor=membership.user,
        user_ids=facilitators,
        category=Category.FACILITATION,
        verb=Verb(gettext_noop("asked to join %(community)s"), community=membership.community.name),
        community_id=membership.community_id,
        text=membership.request_message,
        url=f"/c/{membership.community.slug}/facilitate/",
    )


def membership_leave(*, user: User, community: Community) -> Membership:
    """Leave a community (or withdraw a pending request). Open sockets of the user are
    unsubscribed from its rooms as soon as this commits."""
    ratelimit.limit("membership", actor_id=user.pk, what=_("joins and leaves"))
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(user_id=user.pk, community=community)
            .first()
        )
        if membership is None or membership.state == MembershipState.LEFT:
            raise Conflict(_("You are not a member of this community."))
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
                    _(
                        "You are this community's only facilitator: hand the role to someone "
                        "else before leaving."
                    )
                )
        was_active = membership.state == MembershipState.ACTIVE
        membership.state = MembershipState.LEFT
        membership.save(update_fields=["state", "updated_at"])
        if was_active:
            member_event(community=community, actor=user, user=user, action="left")
        user_removed_on_commit(
            user.pk,
            community_slug=community.slug,
            room_ids=list(community.rooms.values_list("pk", flat=True)),
            reason="left",
        )
    return membership
