"""Who may read, post and moderate in a community: ``rules`` predicates used by pages, the
JSON API, the WebSocket consumer and the services alike. ``docs/permissions.md`` is the matrix.

Predicates take ``(user, target)`` where the target is a community, a community id, or
anything with a ``community_id`` (a room, a membership), so a caller holding only a room does
not load its community. The membership row is looked up once per permission test (cached in
the rules context, or read with the target by a selector: ``remember_membership``) and never
cached across requests: a socket that lives for hours must see a removal, a mute or a lock at
its very next frame.
"""

from __future__ import annotations

from typing import Any

import rules
from django.utils.translation import gettext as _

from core.roles import FACILITATING_ROLES, POSTING_ROLES, ROLE_RANK, STAFF_RANK

from .models import Membership, MembershipState, Room, User
from .posting import posting_context
from .registry import PostingContext, post_checks, room_kinds


def community_id_of(target: Any) -> int | None:
    if target is None:
        return None
    if isinstance(target, int):
        return target
    if hasattr(target, "community_id"):
        # A room, membership or material; None for a private room (no community owns it).
        return target.community_id
    return target.pk


# Where a selector that loaded a user's membership together with its target keeps it.
_REMEMBERED = "_kring_memberships"


def remember_membership(user: Any, target: Any, membership: Membership | None) -> None:
    """Record on ``target`` (a room or community just loaded for this request, never kept
    across requests) that ``user``'s membership in its community is ``membership`` (``None``:
    not a member), read in the same query as the target; ``membership_of`` then answers from
    it instead of querying again."""
    remembered = target.__dict__.setdefault(_REMEMBERED, {})
    remembered[(user.pk, community_id_of(target))] = membership


def membership_of(user: Any, target: Any, context: dict | None = None) -> Membership | None:
    """The user's membership row in the target's community (any state), or ``None``."""
    if user is None or not user.is_authenticated:
        return None
    community_id = community_id_of(target)
    if community_id is None:
        return None
    key = ("membership", user.pk, community_id)
    if context is not None and key in context:
        return context[key]
    remembered = getattr(target, _REMEMBERED, None)
    if remembered is not None and (user.pk, community_id) in remembered:
        membership = remembered[(user.pk, community_id)]
    else:
        membership = Membership.objects.filter(community_id=community_id, user_id=user.pk).first()
    if context is not None:
        context[key] = membership
    return membership


def is_private_room(target: Any) -> bool:
    """Is ``target`` a room of a private kind (a direct conversation), which only its
    participants may enter: community roles and staff rights do not reach into it."""
    if not isinstance(target, Room) or target.kind not in room_kinds:
        return False
    return room_kinds.get(target.kind).private


@rules.predicate
def outside_private_room(user: Any, target: Any) -> bool:
    return not is_private_room(target)


@rules.predicate
def is_authenticated(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


@rules.predicate
def is_staff(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_staff)


@rules.predicate(bind=True)
def is_active_member(self: Any, user: Any, target: Any) -> bool:
    membership = membership_of(user, target, self.context)
    return bool(membership and membership.state == MembershipState.ACTIVE)


@rules.predicate(bind=True)
def has_posting_role(self: Any, user: Any, target: Any) -> bool:
    membership = membership_of(user, target, self.context)
    return bool(membership and membership.role in POSTING_ROLES)


@rules.predicate(bind=True)
def has_facilitating_role(self: Any, user: Any, target: Any) -> bool:
    membership = membership_of(user, target, self.context)
    return bool(membership and membership.role in FACILITATING_ROLES)


@rules.predicate
def is_coordinator(user: Any) -> bool:
    """Programme coordinators (a role staff grant) and staff: they create, archive and
    restore communities and decide proposals."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_staff or getattr(user, "is_coordinator", False))
    )


# Any signed-in teacher can see the directory and a community's public face (name,
# description, rooms' names); what is said inside needs an active membership.
can_view_community = is_authenticated
can_read_rooms = is_authenticated & outside_private_room & (is_active_member | is_staff)
can_post = is_authenticated & is_active_member & has_posting_role
can_moderate = (
    is_authenticated
    & outside_private_room
    & ((is_active_member & has_facilitating_role) | is_staff)
)
# Any active member (observers and muted members too) can report a message.
can_report = is_authenticated & outside_private_room & is_active_member
# Running a community: its settings, logo, rooms and network. Facilitators and
# co-facilitators (and staff); coordinators create and archive, they do not run it.
can_manage_community = can_moderate
can_coordinate = is_coordinator


def is_room_guest(user: Any, room: Any) -> bool:
    """May ``user``, who is not an active member of the room's community, read and post in
    this room anyway (its kind says so, e.g. an event open to other communities)? The room
    needs ``kind`` (and whatever its kind's hook reads)."""
    if not is_authenticated(user) or room.kind not in room_kinds:
        return False
    guest = room_kinds.get(room.kind).guest
    return bool(guest is not None and guest(user, room))


def can_read_room(user: Any, room: Any) -> bool:
    """May ``user`` read this room: a private room (a direct conversation, two mentoring
    schools' room) only its participants, as its kind's ``guest`` rule says; any other as an
    active member of its community (or staff), or as a guest its kind lets in."""
    if is_private_room(room):
        return is_room_guest(user, room)
    # The room itself as target: a membership loaded with it is reused.
    return bool(can_read_rooms.test(user, room) or is_room_guest(user, room))


def _registered_refusal(
    user: User, room: Room | None, community_id: int | None, context: PostingContext
) -> str | None:
    for name, check in post_checks.items():
        if check.refusal is not None and context.checks.get(name):
            refusal = check.refusal(user, room, community_id)
            if refusal:
                return refusal
    return None


def post_refusal(user: Any, room: Room, context: PostingContext | None = None) -> str | None:
    """Why ``user`` may not post in ``room`` right now, or ``None`` when they may. The room
    needs ``community_id`` and ``is_locked``; checked at every post, so a mute or a lock
    applies to the very next post on an open socket. ``context`` may be passed in from the
    post's own statement to save the query."""
    if not is_authenticated(user):
        return _("Sign in to post.")
    if context is None:
        context = posting_context(user_id=user.pk, community_id=room.community_id, room_id=room.pk)
    if is_private_room(room):
        if not is_room_guest(user, room):
            return _("Only the people in this conversation can write in it.")
        return _registered_refusal(user, room, room.community_id, context)
    if context.state != MembershipState.ACTIVE:
        if not is_room_guest(user, room):
            return _("Only active members of this community can post here.")
    elif context.role not in POSTING_ROLES:
        return _("Observers can read this room but not post in it.")
    if room.is_locked and not (context.role in FACILITATING_ROLES or user.is_staff):
        return _("This room is locked: only its facilitators can post.")
    return _registered_refusal(user, room, room.community_id, context)


def community_post_refusal(user: Any, community: Any) -> str | None:
    """Why ``user``, who may post in ``community`` (``can_post``), may not contribute to it as
    a whole right now (share a material, propose an event): a facilitator muted them
    community-wide, say; ``None`` when they may."""
    community_id = community_id_of(community)
    assert community_id is not None
    context = posting_context(user_id=user.pk, community_id=community_id, room_id=None)
    return _registered_refusal(user, None, community_id, context)


@rules.predicate
def can_post_in_room(user: Any, room: Any) -> bool:
    return post_refusal(user, room) is None


# --- rank: acting on another member -----------------------------------------------------------


def actor_rank(actor: Any, target: Any) -> int:
    """The rank an actor moderates with in the target's community: staff above every role,
    an active facilitator or co-facilitator their role's rank, anyone else 0."""
    if not is_authenticated(actor) or is_private_room(target):
        return 0
    if actor.is_staff:
        return STAFF_RANK
    membership = membership_of(actor, target)
    if membership is None or membership.state != MembershipState.ACTIVE:
        return 0
    if membership.role not in FACILITATING_ROLES:
        return 0
    return ROLE_RANK[membership.role]


def can_moderate_message(actor: Any, message: Any, author_membership: Any) -> bool:
    """Hiding, deleting or pinning a message needs a facilitating role in its community above
    its author's (one's own messages, and those of former members, are always fine)."""
    rank = actor_rank(actor, message.room)
    if rank == 0:
        return False
    if author_membership is None or author_membership.user_id == actor.pk:
        return True
    if author_membership.state != MembershipState.ACTIVE:
        return True
    return rank > ROLE_RANK[author_membership.role]


rules.add_perm("community.view_community", can_view_community)
rules.add_perm("community.read_rooms", can_read_rooms)
rules.add_perm("community.post", can_post)
rules.add_perm("community.moderate", can_moderate)
rules.add_perm("community.report", can_report)
rules.add_perm("community.post_in_room", can_post_in_room)
rules.add_perm("community.manage", can_manage_community)
rules.add_perm("community.coordinate", can_coordinate)
