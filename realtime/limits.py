"""Whether the size limits agree with each other, checked at start-up: a message of the
longest allowed length must fit the incoming frame limit as a ``post`` frame, written the
longest way a client may write it, and its event must fit the outgoing frame limit, formatted
the longest way it can be. Otherwise a correct client could write a message the server can
never take, or the server store one it can never send."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.checks import Error, register

from community.text import render_markdown
from core.protocol.room_events import event_frame_size

# A post frame's fields besides its body: type, room, reply_to, version, ref (at most 64).
POST_FRAME_OVERHEAD_BYTES = 256
# Bodies of the allowed length whose JSON or HTML is longest: quotes and ampersands grow most
# in HTML, astral characters in JSON that escapes everything outside ASCII (12 bytes each).
_WORST_CHARACTERS = ('"', "&", "<", "\U0001f600")


def limit_problems() -> list[str]:
    length = settings.KRING_MAX_MESSAGE_LENGTH
    problems = []
    longest_post = (
        max(len(json.dumps(c * length).encode()) for c in _WORST_CHARACTERS)
        + POST_FRAME_OVERHEAD_BYTES
    )
    if longest_post > settings.KRING_MAX_FRAME_BYTES:
        problems.append(
            f"KRING_MAX_MESSAGE_LENGTH={length} needs a post frame of up to {longest_post} "
            f"bytes, more than KRING_MAX_FRAME_BYTES={settings.KRING_MAX_FRAME_BYTES}."
        )
    longest_event = max(
        event_frame_size(c * length, render_markdown(c * length)) for c in _WORST_CHARACTERS
    )
    if longest_event > settings.KRING_MAX_OUTGOING_FRAME_BYTES:
        problems.append(
            f"KRING_MAX_MESSAGE_LENGTH={length} needs event frames of up to {longest_event} "
            "bytes, more than KRING_MAX_OUTGOING_FRAME_BYTES="
            f"{settings.KRING_MAX_OUTGOING_FRAME_BYTES}."
        )
    return problems


@register()
def check_frame_limits(app_configs: object = None, **kwargs: object) -> list[Error]:
    return [Error(problem, id="kring.E001") for problem in limit_problems()]
