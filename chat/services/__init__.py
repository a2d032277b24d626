"""Every write of the chat app goes through these functions (and only they emit events)."""

from .direct import (
    block_create,
    block_delete,
    chat_settings_update,
    conversation_start,
    direct_report_create,
)
from .reactions import reaction_toggle

__all__ = [
    "block_create",
    "block_delete",
    "chat_settings_update",
    "conversation_start",
    "direct_report_create",
    "reaction_toggle",
]
