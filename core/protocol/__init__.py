"""Kring's protocol: every frame the server sends and every JSON API answer is built here.

``SERVER_FRAMES`` maps each server frame ``type`` to its class (docs/protocol.md lists the
same set, and a test compares them); ``CLIENT_FRAMES`` (in ``client``) is the list of frames a
client may send.
"""

from __future__ import annotations

from . import events, frames, moderation, notifications, room_events, stewardship
from .base import Frame, frame_type


def _all_frame_classes() -> list[type[Frame]]:
    found, pending = [], list(Frame.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


# Importing the modules above registers their frame classes as subclasses of ``Frame``.
SERVER_FRAMES: dict[str, type[Frame]] = {frame_type(c): c for c in _all_frame_classes()}

__all__ = [
    "SERVER_FRAMES",
    "events",
    "frames",
    "moderation",
    "notifications",
    "room_events",
    "stewardship",
]
