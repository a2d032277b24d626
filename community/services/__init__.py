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
    read_mark,
    rendered,
    room_event_append,
)
from .networks import (
    circle_members_ensure,
    network_facilitator_joined,
    network_link,
    network_unlink,
)
from .posts import Posted, PostRequest, message_post, message_post_batch
from .profiles import clean_language_tags, profile_update
from .rooms import (
    clean_room_name,
    clean_topic,
    private_room_open,
    room_add,
    room_archive,
    room_create,
    room_restore,
    room_state_change,
    rooms_changed_on_commit,
    rooms_reorder,
)
from .shaping import (
    clean_community_fields,
    clean_slug,
    community_archive,
    community_logo_clear,
    community_logo_set,
    community_restore,
    community_update,
)

__all__ = [
    "GENERAL_ROOM",
    "PostRequest",
    "Posted",
    "account_delete",
    "account_export",
    "circle_members_ensure",
    "clean_body",
    "clean_community_fields",
    "clean_language_tags",
    "clean_room_name",
    "clean_slug",
    "clean_topic",
    "community_archive",
    "community_create",
    "community_logo_clear",
    "community_logo_set",
    "community_restore",
    "community_update",
    "member_event",
    "membership_join",
    "membership_leave",
    "message_delete",
    "message_edit",
    "message_post",
    "message_post_batch",
    "network_facilitator_joined",
    "network_link",
    "network_unlink",
    "private_room_open",
    "profile_update",
    "read_mark",
    "rendered",
    "room_add",
    "room_archive",
    "room_create",
    "room_event_append",
    "room_restore",
    "room_state_change",
    "rooms_changed_on_commit",
    "rooms_reorder",
]
