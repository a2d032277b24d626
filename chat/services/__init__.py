"""Every write of the chat app goes through these functions (and only they emit events)."""

from .direct import (
    block_create,
    block_delete,
    chat_settings_update,
    conversation_start,
    direct_report_create,
)
from .files import attachment_save_to_library, message_post_with_files
from .reactions import reaction_toggle

__all__ = [
    "attachment_save_to_library",
    "block_create",
    "block_delete",
    "chat_settings_update",
    "conversation_start",
    "direct_report_create",
    "message_post_with_files",
    "reaction_toggle",
]
