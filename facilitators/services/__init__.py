"""Moderation: everything a facilitator does, each action checked, audited and made live.

Every function re-checks the actor's rights (``facilitators.permissions``), writes in one
transaction with its audit entry, and emits after commit: a room event (hide, pin, lock, ...,
with its own seq so resuming clients see it), a membership event in the general room, and/or
a frame to the member concerned. Split by domain; import from here.
"""

from .announcements import announcement_post
from .coordination import (
    community_found,
    coordinator_set,
    proposal_approve,
    proposal_create,
    proposal_decline,
)
from .joins import (
    invitation_accept,
    invitation_create,
    invitation_new,
    invitation_revoke,
    join_request_approve,
    join_request_decline,
)
from .members import (
    member_ban,
    member_mute,
    member_remove,
    member_role_change,
    member_unban,
    member_unmute,
)
from .messages import (
    message_hide,
    message_moderate_delete,
    message_pin,
    message_unhide,
    message_unpin,
)
from .reports import REPORT_ACTIONS, report_create, report_resolve
from .rooms import room_settings_update

__all__ = [
    "REPORT_ACTIONS",
    "announcement_post",
    "community_found",
    "coordinator_set",
    "invitation_accept",
    "invitation_create",
    "invitation_new",
    "invitation_revoke",
    "join_request_approve",
    "join_request_decline",
    "member_ban",
    "member_mute",
    "member_remove",
    "member_role_change",
    "member_unban",
    "member_unmute",
    "message_hide",
    "message_moderate_delete",
    "message_pin",
    "message_unhide",
    "message_unpin",
    "proposal_approve",
    "proposal_create",
    "proposal_decline",
    "report_create",
    "report_resolve",
    "room_settings_update",
]
