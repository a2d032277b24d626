"""What the chat app adds to every live room page (``community.registry.page_context``):
the emoji set, the file picker's settings and the texts of both, which
``static/kring/chat.js`` reads, and the link to search the room."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from .services.files import too_many_files


def reaction_context(user: Any = None, community: Any = None, room: Any = None) -> dict[str, Any]:
    return {
        "room_search_url": f"{reverse('chat:search')}?room={room.pk}" if room else "",
        "chat_page": {
            "emoji": list(settings.KRING_REACTION_EMOJI),
            "strings": {
                "add": _("Add a reaction"),
                "palette": _("Reactions"),
                # "Anna, Daan reacted with 👍"
                "who": _("%(names)s reacted with %(emoji)s")
                % {"names": "{names}", "emoji": "{emoji}"},
                "more": _("and %(count)s more") % {"count": "{count}"},
                "attach": _("Attach files"),
                "attached": _("Files to send"),
                "remove": _("Remove"),
                "saveToLibrary": _("Save to the library"),
                "sendingFiles": _("Sending the files…"),
                "tooMany": too_many_files(),
            },
            # What the file picker offers: the types the upload checks accept.
            "files": {
                "accept": ",".join(
                    f".{extension}" for extension in sorted(settings.KRING_UPLOAD_TYPES)
                ),
                "max": settings.KRING_CHAT_FILES_PER_MESSAGE,
            },
        },
    }
