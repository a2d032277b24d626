"""Who may do what in a community: one module of ``rules`` predicates, used by pages, the JSON
API, the WebSocket consumer and the services alike. ``docs/permissions.md`` is the matrix.

Predicates take ``(user, community)``; a community may be passed as an instance or an id so a
caller holding only ``room.community_id`` does not load the community. The membership row is
looked up once per permission test (cached in the rules context), never cached across
requests: a socket that lives for hours must see a removal at its very next frame.
"""

from __future__ import annotations

from typing import Any

import rules

from .roles import FACILITATING_ROLES, POSTING_ROLES


def _community_id(community: Any) -> int | None:
    if community is None:
        return None
    return community if isinstance(community, int) else community.pk


def membership_of(user: Any, community: Any, context: dict | None = None) -> Any:
    """The user's membership row in ``community`` (any state), or ``None``."""
    from community.models import Membership

    if user is None or not user.is_authenticated:
        return None
    community_id = _community_id(community)
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
def is_active_member(self: Any, user: Any, community: Any) -> bool:
    membership = membership_of(user, community, self.context)
    return bool(membership and membership.state == "active")


@rules.predicate(bind=True)
def has_posting_role(self: Any, user: Any, community: Any) -> bool:
    membership = membership_of(user, community, self.context)
    return bool(membership and membership.role in POSTING_ROLES)


@rules.predicate(bind=True)
def has_facilitating_role(self: Any, user: Any, community: Any) -> bool:
    membership = membership_of(user, community, self.context)
    return bool(membership and membership.role in FACILITATING_ROLES)


# Any signed-in teacher can see the directory and a community's public face (name,
# description, rooms' names); what is said inside needs an active membership.
can_view_community = is_authenticated
can_read_rooms = is_authenticated & (is_active_member | is_staff)
can_post = is_authenticated & is_active_member & has_posting_role
can_moderate = is_authenticated & ((is_active_member & has_facilitating_role) | is_staff)

rules.add_perm("community.view_community", can_view_community)
rules.add_perm("community.read_rooms", can_read_rooms)
rules.add_perm("community.post", can_post)
rules.add_perm("community.moderate", can_moderate)
