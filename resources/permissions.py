"""Who may do what with teaching materials (the reading and moderating predicates are the
community app's). ``docs/permissions.md`` is the matrix."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from community.permissions import (
    can_coordinate,
    can_manage_community,
    can_moderate,
    can_post,
    can_read_rooms,
    community_post_refusal,
    is_authenticated,
)
from community.selectors import network_communities


def material_refusal(user: Any, community: Any) -> str | None:
    """Why ``user`` may not share, adapt into, or add versions in ``community`` right now
    (sharing is posting: observers and members muted community-wide may not), or ``None``."""
    if not can_post.test(user, community):
        return _("Only active members (not observers) can share materials here.")
    return community_post_refusal(user, community)


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


def can_curate_toolkits(user: Any, community: Any) -> bool:
    """Creating and curating a community's toolkits: its facilitators and coordinators."""
    return can_manage_community.test(user, community) or can_coordinate.test(user)


def toolkit_reader_communities(toolkit: Any) -> list[int]:
    """The communities whose active members read a members-only toolkit: its own and the
    other communities of its network."""
    return [toolkit.community_id, *(c.pk for c in network_communities(toolkit.community))]


def can_read_toolkit(user: Any, toolkit: Any) -> bool:
    """A public toolkit: anyone. Otherwise members of its network, and coordinators."""
    if toolkit.published_at is not None:
        return True
    if not is_authenticated(user):
        return False
    if can_coordinate.test(user):
        return True
    return any(can_read_rooms.test(user, cid) for cid in toolkit_reader_communities(toolkit))
