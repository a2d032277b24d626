"""What the chat app adds to every live room page (``community.registry.page_context``):
the emoji set and the texts of reactions, which ``static/kring/chat.js`` reads, and the link
to search the room."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _


def reaction_context(user: Any = None, community: Any = None, room: Any = None) -> dict[str, Any]:
    return {
        "room_search_url": f"{reverse('chat:search')}?room={room.pk}" if room else "",
        "reactions": {
            "emoji": list(settings.KRING_REACTION_EMOJI),
            "strings": {
                "add": _("Add a reaction"),
                "palette": _("Reactions"),
                # "Anna, Daan reacted with 👍"
                "who": _("%(names)s reacted with %(emoji)s")
                % {"names": "{names}", "emoji": "{emoji}"},
                "more": _("and %(count)s more") % {"count": "{count}"},
            },
        },
    }
