"""Who is present, read once for the sockets subscribing to a room together
(realtime.presence_reads): shared while no presence frame has come, read again after one,
never shared past KRING_PRESENCE_REUSE_SECONDS, a failed read never shared."""

from __future__ import annotations

import asyncio

import pytest

from core.protocol.base import encode
from core.protocol.frames import PresentPeople, SubscribedFrame, subscribed_text
from core.protocol.people import AuthorOut
from realtime.presence import LocalPresence
from realtime.presence_reads import PresenceReads


def person(user_id: int) -> AuthorOut:
    return AuthorOut(id=user_id, name=f"Leraar {user_id}", handle=f"leraar-{user_id}")


class CountedStore:
    """A real in-memory presence store whose reads are counted and can be held back."""

    def __init__(self) -> None:
        self.store = LocalPresence()
        self.reads = 0
        self.gate: asyncio.Event | None = None
        self.failures = 0

    async def members(self, room_id: int) -> list[AuthorOut]:
        self.reads += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.failures:
            self.failures -= 1
            raise ConnectionError("presence store down")
        return await self.store.members(room_id)


async def room_nine_with(*user_ids: int, held: bool = False) -> tuple[CountedStore, PresenceReads]:
    """Room 9 with these people present, and reads of it (held back until the gate opens)."""
    counted = CountedStore()
    for uid in user_ids:
        await counted.store.join(9, person(uid))
    if held:
        counted.gate = asyncio.Event()
    return counted, PresenceReads(counted.members)


def ids(present: PresentPeople) -> list[int | None]:
    return [p.id for p in present.people]


async def test_sockets_subscribing_together_share_one_read():
    counted, reads = await room_nine_with(3, 1, 2, held=True)
    waiting = [asyncio.ensure_future(reads.present(9)) for _ in range(50)]
    await asyncio.sleep(0)
    counted.gate.set()
    answers = await asyncio.gather(*waiting)
    assert counted.reads == 1
    assert all(answer is answers[0] for answer in answers)
    assert ids(answers[0]) == [1, 2, 3]
    assert await reads.present(9) is answers[0]  # done, and still fresh
    assert counted.reads == 1


async def test_a_presence_frame_ends_the_sharing():
    counted, reads = await room_nine_with(1)
    assert ids(await reads.present(9)) == [1]
    await counted.store.join(9, person(2))
    assert ids(await reads.present(9)) == [1]  # no frame yet: shared
    reads.changed(9)
    assert ids(await reads.present(9)) == [1, 2]
    assert counted.reads == 2
    reads.changed(10)  # another room's frame leaves this one's read alone
    await reads.present(9)
    assert counted.reads == 2


async def test_a_read_overtaken_by_a_presence_frame_is_read_again():
    counted, reads = await room_nine_with(1, held=True)
    waiting = asyncio.ensure_future(reads.present(9))
    await asyncio.sleep(0)
    # While the read is on its way, someone arrives and their frame is delivered: the socket
    # may already have that frame, so its list must not be older than it.
    await counted.store.join(9, person(2))
    reads.changed(9)
    counted.gate.set()
    assert ids(await waiting) == [1, 2]
    assert counted.reads == 2


async def test_the_sharing_ends_after_the_reuse_seconds(settings):
    settings.KRING_PRESENCE_REUSE_SECONDS = 0.05
    counted, reads = await room_nine_with()
    await reads.present(9)
    await counted.store.join(9, person(4))  # its frame was lost
    await asyncio.sleep(0.06)
    assert ids(await reads.present(9)) == [4]
    settings.KRING_PRESENCE_REUSE_SECONDS = 0
    await counted.store.join(9, person(5))
    assert ids(await reads.present(9)) == [4, 5]
    await counted.store.join(9, person(6))
    assert ids(await reads.present(9)) == [4, 5, 6]
    assert counted.reads == 4


async def test_a_failed_read_is_not_shared():
    counted, reads = await room_nine_with(1)
    counted.failures = 1
    with pytest.raises(ConnectionError):
        await reads.present(9)
    assert ids(await reads.present(9)) == [1]


async def test_a_socket_gone_while_waiting_does_not_cancel_the_read_of_the_others():
    counted, reads = await room_nine_with(1, held=True)
    leaving = asyncio.ensure_future(reads.present(9))
    staying = asyncio.ensure_future(reads.present(9))
    await asyncio.sleep(0)
    leaving.cancel()
    counted.gate.set()
    assert ids(await staying) == [1]
    assert counted.reads == 1


async def test_after_a_channel_layer_failure_every_room_is_read_again():
    counted, reads = await room_nine_with()
    await reads.present(1)
    await reads.present(2)
    reads.changed_everywhere()
    await reads.present(1)
    await reads.present(2)
    assert counted.reads == 4


@pytest.mark.parametrize("subscriber_id", [1, 5, 12, 40, 3])
@pytest.mark.parametrize("ref", [None, "sub-1", 'een "ref" ü'])
def test_the_subscribed_text_is_the_frame_with_the_subscriber_in_its_place(subscriber_id, ref):
    present = [
        AuthorOut(id=3, name='Åsa "Ö" Łukasz\u2028 😀', handle=None),
        AuthorOut(id=12, name="Jüri", handle="juri"),
        AuthorOut(id=30, name="Saara", handle="saara"),
    ]
    subscriber = person(subscriber_id) if subscriber_id != 3 else present[0]
    # Already present: as the list has them (the same person, read a moment earlier).
    everyone = sorted({p.id: p for p in [subscriber, *present]}.values(), key=lambda p: p.id)
    expected = SubscribedFrame(
        room=7, seq=42, presence=[p.id for p in everyone], presence_users=everyone, ref=ref
    )
    shared = PresentPeople(present)
    assert subscribed_text(7, 42, shared, subscriber, ref) == encode(expected)
    assert subscribed_text(7, 42, PresentPeople([]), person(8), ref) == encode(
        SubscribedFrame(room=7, seq=42, presence=[8], presence_users=[person(8)], ref=ref)
    )
