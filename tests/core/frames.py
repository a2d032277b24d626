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
    """Joins the groups every hub joins (users, and the given rooms) on the real layer, and
    keeps receiving, as a hub does (a cancelled receive makes Redis pub/sub layers drop the
    channel, so the receiving is never cancelled until the test ends)."""

    def __init__(self, room_ids: list[int]) -> None:
        self.layer = get_channel_layer()
        self.room_ids = room_ids
        self.channel = ""
        self.received: list[dict[str, Any]] = []

    async def start(self) -> Capture:
        self.channel = await self.layer.new_channel()
        for group in [HUBS_GROUP, *(room_group(r) for r in self.room_ids)]:
            await self.layer.group_add(group, self.channel)
        self._receiver = asyncio.create_task(self._receive())
        return self

    async def _receive(self) -> None:
        while True:
            message = await self.layer.receive(self.channel)
            self.received.append(message)  # the list of now, not of before the await

    async def messages(self, quiet: float = 0.3) -> list[dict[str, Any]]:
        """What arrived until nothing more came for ``quiet`` seconds."""
        seen = -1
        while seen != len(self.received):
            seen = len(self.received)
            await asyncio.sleep(quiet)
        found, self.received = self.received, []
        return found

    async def frames(self, quiet: float = 0.3) -> list[dict[str, Any]]:
        """Every frame emitted since the last call, each validated."""
        texts = [t for m in await self.messages(quiet) for t in frame_texts(m)]
        return [assert_valid_frame(t) for t in texts]
