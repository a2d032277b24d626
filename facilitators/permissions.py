"""Who may do what in a community: one module of ``rules`` predicates, used by pages, the JSON
API, the WebSocket consumer and the services alike. ``docs/permissions.md`` is the matrix.

Predicates take ``(user, target)`` where the target is a community, a community id, or
anything with a ``community_id`` (a room, a membership), so a caller holding only a room does
not load its community. The membership row is looked up once per permission test (cached in
the rules context) and never cached across requests: a socket that lives for hours must see a
removal, a mute or a lock at its very next frame.
"""

from __future__ import annotations

from typing import Any

import rules
from django.db.models import Exists, F, Q
from django.utils.translation import gettext as _

from .roles import FACILITATING_ROLES, POSTING_ROLES, ROLE_RANK

STAFF_RANK = max(ROLE_RANK.values()) + 1


def community_id_of(target: Any) -> int | None:
    if target is None:
        return None
    if isinstance(target, int):
        return target
    community_id = getattr(target, "community_id", None)
    return community_id if community_id is not None else target.pk


def membership_of(user: Any, target: Any, context: dict | None = None) -> Any:
    """The user's membership row in the target's community (any state), or ``None``."""
    from community.models import Membership

    if user is None or not user.is_authenticated:
        return None
    community_id = community_id_of(target)
    if community_id is None:
        return None
    key = ("membership", user.pk, community_id)
    if context is not None and key in context:
        return context[key]
    membership = Membership.objects.filter(community_id=community_id, user_id=user.pk).first()
    if context is not None:
        context[key] = membership
    return membership


@rules.predicate
def is_authenticated(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


@rules.predicate
def is_staff(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_staff)


@rules.predicate(bind=True)
def is_active_member(self: Any, user: Any, target: Any) -> bool:
    membership = membership_of(user, target, self.context)
    return bool(membership and membership.state == "active")


@rules.predicate(bind=True)
def has_posting_role(self: Any, user: Any, target: Any) -> bool:
    membership = membership_of(user, target, self.context)
    return bool(membership and membership.role in POSTING_ROLES)


@rules.predicate(bind=True)
def has_facilitating_role(self: Any, user: Any, target: Any) -> bool:
    membership = membership_of(user, target, self.context)
    return bool(membership and membership.role in FACILITATING_ROLES)


@rules.predicate(bind=True)
def is_banned(self: Any, user: Any, target: Any) -> bool:
    membership = membership_of(user, target, self.context)
    return bool(membership and membership.state == "banned")


def active_mute(user: Any, room: Any) -> Any:
    """The mute that keeps ``user`` from posting in ``room`` (room or community wide), if any;
    the longest-lasting one when several apply."""
    from .models import Mute

    mutes = (
        Mute.objects.active()
        .filter(community_id=room.community_id, user_id=user.pk)
        .filter(Q(room__isnull=True) | Q(room_id=room.pk))
    )
    return mutes.order_by(F("until").desc(nulls_first=True)).first()


def posting_membership(user: Any, room: Any) -> Any:
    """The user's membership in the room's community, annotated with ``muted`` (an active
    mute for this room or the community): one query for everything posting needs."""
    from community.models import Membership

    from .models import Mute

    mutes = (
        Mute.objects.active()
        .filter(community_id=room.community_id, user_id=user.pk)
        .filter(Q(room__isnull=True) | Q(room_id=room.pk))
    )
    return (
        Membership.objects.filter(community_id=room.community_id, user_id=user.pk)
        .annotate(muted=Exists(mutes))
        .first()
    )


def post_refusal(user: Any, room: Any, membership: Any = None) -> str | None:
    """Why ``user`` may not post in ``room`` right now, or ``None`` when they may. The room
    needs ``community_id`` and ``is_locked``; checked at every post, so a mute or a lock
    applies to the very next post on an open socket. ``membership`` may be passed in from
    ``posting_membership`` to save the query."""
    if not is_authenticated(user):
        return _("Sign in to post.")
    if membership is None:
        membership = posting_membership(user, room)
    if membership is None or membership.state != "active":
        return _("Only active members of this community can post here.")
    if membership.role not in POSTING_ROLES:
        return _("Observers can read this room but not post in it.")
    if room.is_locked and not (membership.role in FACILITATING_ROLES or user.is_staff):
        return _("This room is locked: only its facilitators can post.")
    mute = active_mute(user, room) if membership.muted else None
    if mute is not None:
        where = _("in this room") if mute.room_id else _("in this community")
        if mute.until is None:
            return _("A facilitator muted you %(where)s.") % {"where": where}
        return _("A facilitator muted you %(where)s until %(until)s UTC.") % {
            "where": where,
            "until": mute.until.strftime("%Y-%m-%d %H:%M"),
        }
    return None


@rules.predicate
def can_post_in_room(user: Any, room: Any) -> bool:
    return post_refusal(user, room) is None


# Any signed-in teacher can see the directory and a community's public face (name,
# description, rooms' names); what is said inside needs an active membership.
can_view_community = is_authenticated
can_read_rooms = is_authenticated & (is_active_member | is_staff)
can_post = is_authenticated & is_active_member & has_posting_role
can_moderate = is_authenticated & ((is_active_member & has_facilitating_role) | is_staff)
# Any active member (observers and muted members too) can report a message.
can_report = is_authenticated & is_active_member


# --- acting on another member ---------------------------------------------------------------


def actor_rank(actor: Any, target: Any) -> int:
    """The rank an actor moderates with in the target's community: staff above every role,
    an active facilitator or co-facilitator their role's rank, anyone else 0."""
    if not is_authenticated(actor):
        return 0
    if actor.is_staff:
        return STAFF_RANK
    membership = membership_of(actor, target)
    if membership is None or membership.state != "active":
        return 0
    if membership.role not in FACILITATING_ROLES:
        return 0
    return ROLE_RANK[membership.role]


def can_act_on(actor: Any, target_membership: Any) -> bool:
    """Moderating a member (mute, remove, ban, change role, approve) needs a facilitating role
    in their community strictly above theirs; staff act on anyone; nobody on themself."""
    if actor is None or target_membership.user_id == actor.pk:
        return False
    return actor_rank(actor, target_membership) > ROLE_RANK[target_membership.role]


def can_assign_role(actor: Any, target_membership: Any, new_role: str) -> bool:
    """Roles can only be given below one's own rank (so only staff make facilitators)."""
    return can_act_on(actor, target_membership) and (
        actor_rank(actor, target_membership) > ROLE_RANK[new_role]
    )


def can_moderate_message(actor: Any, message: Any, author_membership: Any) -> bool:
    """Hiding, deleting or pinning a message needs a facilitating role in its community above
    its author's (one's own messages, and those of former members, are always fine)."""
    rank = actor_rank(actor, message.room)
    if rank == 0:
        return False
    if author_membership is None or author_membership.user_id == actor.pk:
        return True
    if author_membership.state != "active":
        return True
    return rank > ROLE_RANK[author_membership.role]


rules.add_perm("community.view_community", can_view_community)
rules.add_perm("community.read_rooms", can_read_rooms)
rules.add_perm("community.post", can_post)
rules.add_perm("community.moderate", can_moderate)
rules.add_perm("community.report", can_report)
rules.add_perm("community.post_in_room", can_post_in_room)


def material_refusal(user: Any, community: Any) -> str | None:
    """Why ``user`` may not share, adapt into, or add versions in ``community`` right now
    (sharing is posting: observers and members muted community-wide may not), or ``None``."""
    from .models import Mute

    if not can_post.test(user, community):
        return _("Only active members (not observers) can share materials here.")
    community_id = getattr(community, "pk", community)
    if (
        Mute.objects.active()
        .filter(community_id=community_id, user_id=user.pk, room__isnull=True)
        .exists()
    ):
        return _("A facilitator muted you in this community.")
    return None


def can_manage_resource(user: Any, resource: Any) -> bool:
    """New versions of a teaching material: its author (while they may share there), or the
    community's facilitators."""
    if not is_authenticated(user):
        return False
    if can_moderate.test(user, resource.community_id):
        return True
    return resource.author_id == user.pk and material_refusal(user, resource.community_id) is None


def can_withdraw_resource(user: Any, resource: Any) -> bool:
    """Taking a material out of the library: its author (always: it is their work), or the
    community's facilitators (moderation, audited)."""
    if not is_authenticated(user):
        return False
    return resource.author_id == user.pk or can_moderate.test(user, resource.community_id)


def can_restore_resource(user: Any, resource: Any) -> bool:
    """Putting a withdrawn material back: the facilitators, or the author when it was the
    author who withdrew it (not over a facilitator's decision)."""
    if not is_authenticated(user):
        return False
    if can_moderate.test(user, resource.community_id):
        return True
    return resource.author_id == user.pk == resource.withdrawn_by_id
