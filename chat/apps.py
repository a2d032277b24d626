from django.apps import AppConfig


class ChatConfig(AppConfig):
    """Chat on day one: reactions, direct conversations, search and files in the
    conversation. Sits above ``resources`` (an attachment can be saved to the library) and
    plugs into the floors below through their registries."""

    name = "chat"
    verbose_name = "Chat"

    def ready(self) -> None:
        from community.models import RoomKind
        from community.registry import (
            RoomKindHooks,
            message_deleted,
            message_posted,
            page_context,
            post_checks,
            room_kinds,
        )
        from core import gdpr

        from . import direct_rules, page, privacy
        from .services import files

        room_kinds.register(
            RoomKind.DIRECT,
            RoomKindHooks(
                page_url=direct_rules.page_url,
                guest=direct_rules.is_participant,
                label=direct_rules.label,
                private=True,
            ),
        )
        post_checks.register("direct_blocked", direct_rules.BLOCKED_CHECK)
        message_posted.register("direct_notify", direct_rules.notify_participants)
        message_deleted.register("chat_files", files.files_of_deleted_message)
        page_context.register("reactions", page.reaction_context)
        gdpr.exporters.register("chat", privacy.export_chat)
        gdpr.erasers.register("chat", privacy.erase_chat)
