"""Holding emitted frames to their models: capture what services send through the real
channel layer after commit, and validate each frame strictly."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from channels.layers import get_channel_layer

from core.emitters import HUBS_GROUP, room_group
from core.protocol import SERVER_FRAMES
from core.protocol.base import encode
from core.protocol.notifications import notification_texts


def assert_valid_frame(text: str) -> dict[str, Any]:
    """``text`` is exactly a frame of its type: its model takes it (no unknown keys anywhere)
    and gives back the very same text (no key missing, nothing formatted differently)."""
    data = json.loads(text)
    model = SERVER_FRAMES[data["type"]].model_validate_json(text)
    assert encode(model) == text, f"{data['type']} frame differs from its model:\n{text}"
    return data


def frame_texts(message: dict[str, Any]) -> list[str]:
    """The frames one channel-layer message becomes on the sockets it reaches."""
    if message["type"] == "notify.batch":
        return list(notification_texts(message["body"], message["recipients"]).values())
    if message["type"] == "session.ended":
        return []  # a control message: the hub closes sockets (with a `resume` frame)
    return [message["text"]]


class Capture:
    """Joins the groups every hub joins (users, and the given rooms) on the real layer."""

    def __init__(self, room_ids: list[int]) -> None:
        self.layer = get_channel_layer()
        self.room_ids = room_ids
        self.channel = ""

    async def start(self) -> Capture:
        self.channel = await self.layer.new_channel()
        for group in [HUBS_GROUP, *(room_group(r) for r in self.room_ids)]:
            await self.layer.group_add(group, self.channel)
        return self

    async def messages(self, quiet: float = 0.3) -> list[dict[str, Any]]:
        found = []
        while True:
            try:
                found.append(await asyncio.wait_for(self.layer.receive(self.channel), quiet))
            except TimeoutError:
                return found

    async def frames(self, quiet: float = 0.3) -> list[dict[str, Any]]:
        """Every frame emitted since the last call, each validated."""
        texts = [t for m in await self.messages(quiet) for t in frame_texts(m)]
        return [assert_valid_frame(t) for t in texts]
