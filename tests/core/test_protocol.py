"""The protocol is one list each way, written down in docs/protocol.md, and a notification
looks the same live and on catch-up, byte for byte."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from channels.db import database_sync_to_async

from community import services
from core.protocol import SERVER_FRAMES
from core.protocol.base import encode, frame_type
from core.protocol.client import CLIENT_FRAMES, FRAME_TYPES, parse_frame
from core.protocol.notifications import NotificationFrame, notification_out
from delivery import selectors as delivery_selectors
from delivery.worker import process_pending_jobs
from realtime.consumers import KringConsumer

from .frames import Capture, frame_texts

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()


def _documented(section: str) -> set[str]:
    start = DOCS.index(f"## {section}")
    end = DOCS.find("\n## ", start + 3)
    return set(re.findall(r'\{"type":"([a-z_]+)"', DOCS[start : end if end > 0 else None]))


def test_every_server_frame_is_documented_and_every_documented_one_exists():
    assert _documented("Server → client") == set(SERVER_FRAMES)


def test_client_frames_are_one_list_the_docs_the_parser_and_the_consumer_share():
    assert tuple(frame_type(c) for c in CLIENT_FRAMES) == FRAME_TYPES
    assert _documented("Client → server") == set(FRAME_TYPES)
    assert set(KringConsumer._handlers) == set(CLIENT_FRAMES)
    for cls in CLIENT_FRAMES:
        example = {"type": frame_type(cls), "room": 1, "message": 1, "body": "x", "seq": 0}
        assert type(parse_frame(json.dumps(example))) is cls


@pytest.mark.django_db(transaction=True)
async def test_a_live_notification_and_its_catch_up_twin_are_byte_identical(room, alice, bob):
    capture = await Capture([room.pk]).start()
    await database_sync_to_async(services.message_post)(
        room_id=room.pk, author=alice.user, body=f"@{bob.user.handle} have a look"
    )
    await database_sync_to_async(process_pending_jobs)()
    live = [
        t for m in await capture.messages() if m["type"] == "notify.batch" for t in frame_texts(m)
    ]

    def catch_up() -> str:
        (stored,) = delivery_selectors.notification_list(user=bob.user, after=0)
        unread = delivery_selectors.unread_count(user=bob.user)
        return encode(
            NotificationFrame(seq=stored.pk, notification=notification_out(stored), unread=unread)
        )

    assert live == [await database_sync_to_async(catch_up)()]
