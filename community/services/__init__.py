"""Every write in the community app goes through these functions (and only they emit events).

Split by domain; import from here: ``from community.services import message_post``.
"""

from .accounts import account_delete, account_export
from .communities import (
    GENERAL_ROOM,
    community_create,
    member_event,
    membership_join,
    membership_leave,
)
from .messages import (
    clean_body,
    message_delete,
    message_edit,
    message_post,
    read_mark,
    rendered,
    room_event_append,
)
from .profiles import clean_language_tags, profile_update
from .rooms import room_create, room_state_change

__all__ = [
    "GENERAL_ROOM",
    "account_delete",
    "account_export",
    "clean_body",
    "clean_language_tags",
    "community_create",
    "member_event",
    "membership_join",
    "membership_leave",
    "message_delete",
    "message_edit",
    "message_post",
    "profile_update",
    "read_mark",
    "rendered",
    "room_create",
    "room_event_append",
    "room_state_change",
]
