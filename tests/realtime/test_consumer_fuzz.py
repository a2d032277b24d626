"""Random and malformed frames against the real consumer: no unhandled exception, no write,
the socket stays usable, and exactly one answer (an error frame for anything wrong) per frame."""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.layers import channel_layers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community.models import Room, RoomEvent
from core.protocol.client import FRAME_TYPES
from delivery.models import OutboxJob
from tests.conftest import connect, session_token_for
from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

scalars = (
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.floats() | st.text(max_size=30)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
room_ids = st.integers(-5, 10**6) | values
frames = st.one_of(
    st.text(max_size=300),  # not JSON, mostly
    st.binary(max_size=50).map(lambda b: b.decode("latin1")),
    values.map(json.dumps),
    st.fixed_dictionaries(
        {"type": st.sampled_from([*FRAME_TYPES, "", "Post", "_private", "websocket.close"])},
        optional={"room": room_ids, "since": values, "body": st.text(max_size=50) | values,
                  "message": room_ids, "seq": values, "reply_to": values, "ref": st.text(max_size=80) | values},
    ).map(json.dumps),
)  # fmt: skip


@pytest.fixture
def outsider(transactional_db):
    CommunityFactory()  # rooms exist, but this teacher belongs to none
    return session_token_for(UserFactory())


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# channels' test communicator cannot send an empty text frame; everything else goes.
@given(batch=st.lists(frames.filter(bool), min_size=1, max_size=12))
def test_random_frames_get_one_answer_each_and_write_nothing(outsider, batch):
    channel_layers.backends.clear()
    before = (
        RoomEvent.objects.count(),
        OutboxJob.objects.count(),
        list(Room.objects.values_list("last_seq", flat=True)),
    )

    async def run() -> None:
        socket = await connect(outsider)
        for raw in batch:
            await socket.send_to(text_data=raw)
            answer = await socket.receive_json_from(timeout=3)
            assert answer["type"] in ("error", "pong", "unsubscribed", "notifications_synced"), (
                answer
            )
            if answer["type"] == "error":
                assert answer["code"] in (
                    "bad_request",
                    "forbidden",
                    "not_found",
                    "too_large",
                    "rate_limited",
                )
                assert answer["detail"]
            assert await socket.receive_nothing(timeout=0.01), "more than one answer"
        await socket.send_json_to({"type": "ping", "ref": "still-alive"})
        assert await socket.receive_json_from(timeout=3) == {"type": "pong", "ref": "still-alive"}
        await socket.disconnect()

    asyncio.run(run())
    after = (
        RoomEvent.objects.count(),
        OutboxJob.objects.count(),
        list(Room.objects.values_list("last_seq", flat=True)),
    )
    assert after == before
