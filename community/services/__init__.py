"""Every write in the community app goes through these functions (and only they emit events).

Split by domain; import from here: ``from community.services import message_post``.
"""

from .accounts import account_delete, account_export
from .communities import (
    GENERAL_ROOM,
    community_create,
    membership_join,
    membership_leave,
    room_create,
)
from .messages import message_delete, message_edit, message_post, read_mark
from .profiles import clean_language_tags, profile_get_or_create, profile_update

__all__ = [
    "GENERAL_ROOM",
    "account_delete",
    "account_export",
    "clean_language_tags",
    "community_create",
    "membership_join",
    "membership_leave",
    "message_delete",
    "message_edit",
    "message_post",
    "profile_get_or_create",
    "profile_update",
    "read_mark",
    "room_create",
]
