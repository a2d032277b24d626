"""What a reconnect costs the database. After a deploy or a crash every client of a process
reconnects at once and resumes from its last seq (bench S6), so each statement per reconnect
is multiplied by thousands: the session, the user, the room with the reader's membership, and
the missed events, and nothing else. Readers of one room coming back together share one read
of the missed events, until an event amends one of them."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from channels.db import database_sync_to_async

from community import selectors, services
from core.protocol.base import encode
from core.protocol.room_events import event_frame
from realtime.hub import get_hub
from realtime.replay import RecentFrames
from tests.conftest import STATEMENT_LISTENERS, connect, make_member, receive_until

pytestmark = pytest.mark.django_db(transaction=True)

post = database_sync_to_async(services.message_post)
edit = database_sync_to_async(services.message_edit)


class Statements:
    """Every SQL statement run on any thread while counting (``STATEMENT_LISTENERS``: Django's
    documented ``execute_wrappers``, on every connection the test run opens)."""

    def __init__(self) -> None:
        self.sql: list[str] = []
        self.counting = False
        self._lock = threading.Lock()

    def __call__(self, sql: str) -> None:
        if self.counting:
            with self._lock:
                self.sql.append(sql)

    def event_reads(self) -> int:
        return sum(1 for sql in self.sql if 'FROM "community_roomevent"' in sql)

    @contextmanager
    def counted(self) -> Iterator[Statements]:
        self.sql = []
        self.counting = True
        try:
            yield self
        finally:
            self.counting = False


@pytest.fixture
def carol(community: Any) -> Any:
    return make_member(community, display_name="Carol Claes")


@pytest.fixture
def facilitator(community: Any) -> Any:
    return make_member(community, role="facilitator", display_name="Fenna Fries")


@pytest.fixture
def statements() -> Iterator[Statements]:
    counter = Statements()
    STATEMENT_LISTENERS.append(counter)
    try:
        yield counter
    finally:
        STATEMENT_LISTENERS.remove(counter)


async def _subscribe(token: str, room_id: int, since: int | None = None) -> Any:
    socket = await connect(token)
    frame: dict[str, Any] = {"type": "subscribe", "room": room_id}
    if since is not None:
        frame["since"] = since
    await socket.send_json_to(frame)
    await receive_until(socket, "subscribed")
    return socket


async def _replayed(socket: Any, count: int) -> list[dict]:
    return [await receive_until(socket, "event") for _ in range(count)]


async def test_a_reconnect_with_missed_events_costs_four_statements(room, alice, bob, statements):
    watcher = await _subscribe(bob.token, room.pk)  # the room stays followed by this process
    for i in range(3):
        await post(room_id=room.pk, author=bob.user, body=f"missed {i}")
    await _replayed(watcher, 3)  # the process has them (over Redis the doorbells take a moment)
    with statements.counted():
        socket = await _subscribe(alice.token, room.pk, since=0)
        replay = await _replayed(socket, 3)
    assert [e["seq"] for e in replay] == [1, 2, 3]
    assert [e["event"]["body"] for e in replay] == ["missed 0", "missed 1", "missed 2"]
    # the session, its user, the room with alice's membership, the missed events (was 8:
    # the token checked then loaded, the room, the membership twice, the last seq)
    assert len(statements.sql) <= 4, statements.sql
    await socket.disconnect()
    await watcher.disconnect()


@pytest.fixture
def six_members(community: Any) -> list[Any]:
    return [make_member(community) for _ in range(6)]


async def test_handshakes_arriving_together_share_one_read_of_sessions_and_users(
    six_members, statements
):
    with statements.counted():
        sockets = await asyncio.gather(*(connect(member.token) for member in six_members))
    session_reads = sum('FROM "django_session"' in sql for sql in statements.sql)
    user_reads = sum('SELECT u."id"' in sql for sql in statements.sql)
    # the first goes at once; the five arriving while it is read go together in the next
    assert session_reads <= 2 and user_reads <= 2, statements.sql
    assert len(statements.sql) <= 4, statements.sql
    await asyncio.gather(*(socket.disconnect() for socket in sockets))


async def test_readers_coming_back_together_share_one_read_of_what_they_missed(
    room, alice, bob, carol, statements
):
    watcher = await _subscribe(bob.token, room.pk)
    for i in range(3):
        await post(room_id=room.pk, author=bob.user, body=f"missed {i}")
    await _replayed(watcher, 3)  # the process has them (over Redis the doorbells take a moment)
    with statements.counted():
        first = await _subscribe(alice.token, room.pk, since=0)
        second = await _subscribe(carol.token, room.pk, since=1)
        first_replay = await _replayed(first, 3)
        second_replay = await _replayed(second, 2)
    assert statements.event_reads() == 1, statements.sql
    assert first_replay[1:] == second_replay  # the same frames, byte for byte as JSON
    assert [e["seq"] for e in second_replay] == [2, 3]
    for socket in (first, second, watcher):
        await socket.disconnect()


async def test_an_edit_ends_the_sharing(room, alice, bob, carol, statements):
    watcher = await _subscribe(bob.token, room.pk)
    original, _ = await post(room_id=room.pk, author=bob.user, body="first words")
    await post(room_id=room.pk, author=bob.user, body="more")
    first = await _subscribe(alice.token, room.pk, since=0)
    assert [e["event"]["body"] for e in await _replayed(first, 2)] == ["first words", "more"]
    await edit(actor=bob.user, message_id=original.pk, body="better words")
    live = [(await receive_until(watcher, "event"))["event"]["kind"] for _ in range(3)]
    assert live == ["message", "message", "edit"]  # the hub has delivered the edit
    with statements.counted():
        second = await _subscribe(carol.token, room.pk, since=0)
        replay = await _replayed(second, 3)
    # carol reads the message as it is now, not the text shared before the edit
    assert [e["event"]["body"] for e in replay] == ["better words", "more", "better words"]
    assert replay[0]["event"]["edited_at"] is not None
    assert statements.event_reads() == 1
    for socket in (first, second, watcher):
        await socket.disconnect()


async def test_facilitators_replay_is_never_shared_with_members(
    room, alice, bob, facilitator, statements
):
    watcher = await _subscribe(bob.token, room.pk)
    await post(room_id=room.pk, author=bob.user, body="said once")
    member = await _subscribe(alice.token, room.pk, since=0)
    await _replayed(member, 1)
    with statements.counted():
        moderator = await _subscribe(facilitator.token, room.pk, since=0)
        await _replayed(moderator, 1)
    assert statements.event_reads() == 1  # read for the facilitator's view
    assert get_hub().recent.entries() == 1  # only the members' view is kept
    for socket in (member, moderator, watcher):
        await socket.disconnect()


async def test_live_events_extend_what_is_shared_byte_for_byte(room, alice, bob, carol, statements):
    watcher = await _subscribe(bob.token, room.pk)
    for i in range(2):
        await post(room_id=room.pk, author=bob.user, body=f"before {i}")
    first = await _subscribe(alice.token, room.pk, since=0)
    await _replayed(first, 2)
    await post(room_id=room.pk, author=bob.user, body="live")
    assert (await receive_until(first, "event"))["seq"] == 3
    with statements.counted():
        second = await _subscribe(carol.token, room.pk, since=0)
        replay = await _replayed(second, 3)
    assert statements.event_reads() == 0  # the live event joined the shared frames
    stored = await database_sync_to_async(selectors.room_events_range)(
        room_id=room.pk, after=0, upto=3
    )
    assert replay == [json.loads(encode(event_frame(event))) for event in stored]
    for socket in (first, second, watcher):
        await socket.disconnect()


def test_shared_frames_last_only_as_long_as_the_setting_says(settings):
    recent = RecentFrames()
    settings.KRING_REPLAY_REUSE_SECONDS = 0.05
    recent.keep(7, 2, 4, ['{"seq":3}', '{"seq":4}'])
    assert recent.get(7, 3, 4) == ['{"seq":4}']
    assert recent.get(7, 1, 4) is None  # older than what is kept: read again
    assert recent.get(7, 3, 5) is None  # the room moved on
    recent.keep(8, 0, 2, ['{"seq":1}'])  # not the whole range: nothing is kept
    assert recent.entries() == 1
    time.sleep(0.06)
    recent.drop_stale()  # maintenance
    assert recent.entries() == 0
    settings.KRING_REPLAY_REUSE_SECONDS = 0
    recent.keep(7, 2, 4, ['{"seq":3}', '{"seq":4}'])
    assert recent.entries() == 0
