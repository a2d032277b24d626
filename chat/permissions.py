"""Who may react to a message, and who may write to whom. ``docs/permissions.md`` (sections
"Reactions" and "Direct messages") is the matrix, tested cell by cell.

* Reacting follows posting, except that a mute does not stop it (as with teaching
  materials): in a community's room an active member with a posting role (or a guest of the
  room, e.g. an event open to another community), not in a locked room unless facilitating,
  not in an archived room or community; in a direct conversation its participants, unless
  someone in it blocked them.
* Writing to someone needs a shared community (both active members) or their permission for
  messages from anyone; never to someone who blocked you.
* Direct conversations are read by their participants only: no facilitator, no staff.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from community.models import Membership, MembershipState
from community.permissions import (
    can_moderate,
    can_post,
    is_authenticated,
    is_private_room,
    is_room_guest,
    post_refusal,
)

from .models import Block, ChatSettings


def reaction_refusal(user: Any, room: Any) -> str | None:
    """Why ``user`` may not react in ``room`` now, or None. ``room`` needs its community
    loaded (the selectors do)."""
    if not is_authenticated(user):
        return _("Sign in to react.")
    if is_private_room(room):
        return post_refusal(user, room)
    if room.archived_at is not None or (room.community and room.community.is_archived):
        return _("This room is archived: it can be read, not written in.")
    if not (can_post.test(user, room.community_id) or is_room_guest(user, room)):
        return _("Only members who can post here can react.")
    if room.is_locked and not can_moderate.test(user, room):
        return _("This room is locked: only its facilitators can post.")
    return None


def shares_community(a: Any, b: Any) -> bool:
    mine = Membership.objects.filter(user_id=a.pk, state=MembershipState.ACTIVE).values(
        "community_id"
    )
    return Membership.objects.filter(
        user_id=b.pk, state=MembershipState.ACTIVE, community_id__in=mine
    ).exists()


def has_blocked(blocker: Any, blocked: Any) -> bool:
    return Block.objects.filter(blocker_id=blocker.pk, blocked_id=blocked.pk).exists()


def message_refusal(sender: Any, recipient: Any) -> str | None:
    """Why ``sender`` may not start a conversation with ``recipient``, or None."""
    if not is_authenticated(sender):
        return _("Sign in to write to someone.")
    if recipient.pk == sender.pk:
        return _("You cannot start a conversation with yourself.")
    if not recipient.is_active:
        return _("This account is closed.")
    if has_blocked(recipient, sender):
        return _("%(name)s does not take messages from you.") % {"name": recipient.public_name}
    if shares_community(sender, recipient):
        return None
    if ChatSettings.objects.filter(user_id=recipient.pk, from_anyone=True).exists():
        return None
    return _("You can write to people who share a community with you; %(name)s does not.") % {
        "name": recipient.public_name
    }


def can_message(sender: Any, recipient: Any) -> bool:
    return message_refusal(sender, recipient) is None
