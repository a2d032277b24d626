"""Presence changes announced per room and interval (realtime.presence_batch): every change
is announced as the user is at the end of the interval, never left out, because a list of who
is present read in between (and shared, realtime.presence_reads) is only corrected by a frame."""

from __future__ import annotations

import asyncio
import json

from core.protocol.people import AuthorOut
from realtime.presence_batch import PresenceBatcher


def person(user_id: int) -> AuthorOut:
    return AuthorOut(id=user_id, name=f"Opettaja {user_id}", handle=None)


async def announced(settings, changes) -> list[dict]:
    settings.KRING_PRESENCE_INTERVAL_SECONDS = 0.01
    frames: list[dict] = []

    async def publish(room_id: int, text: str) -> None:
        frames.append(json.loads(text))

    batcher = PresenceBatcher(publish)
    changes(batcher)
    await asyncio.sleep(0.05)
    return frames


async def test_left_and_back_within_an_interval_is_announced_as_present(settings):
    frames = await announced(settings, lambda b: (b.left(4, 7), b.joined(4, person(7))))
    assert frames == [{"type": "presence", "room": 4, "left": [],
                       "joined": [{"id": 7, "name": "Opettaja 7", "handle": None}]}]  # fmt: skip


async def test_came_and_went_within_an_interval_is_announced_as_gone(settings):
    frames = await announced(settings, lambda b: (b.joined(4, person(7)), b.left(4, 7)))
    assert frames == [{"type": "presence", "room": 4, "joined": [], "left": [7]}]


async def test_changes_of_one_interval_go_in_one_frame_per_room(settings):
    def changes(batcher: PresenceBatcher) -> None:
        batcher.joined(4, person(1))
        batcher.joined(4, person(2))
        batcher.left(5, 3)
        batcher.left(4, 2)
        batcher.joined(4, person(2))

    frames = sorted(await announced(settings, changes), key=lambda f: f["room"])
    assert [(f["room"], [u["id"] for u in f["joined"]], f["left"]) for f in frames] == [
        (4, [1, 2], []),
        (5, [], [3]),
    ]
