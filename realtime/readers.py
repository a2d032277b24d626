"""May this socket read the room it subscribes to? Asked for every subscribe, and after a deploy
or a crash for every socket of a process within seconds (bench S6): subscribes that arrive
while earlier ones are in their database thread go together in the next (one thread hop, one
query for all their rooms and memberships: ``community.selectors.rooms_for_readers``);
alone, one goes at once."""

from __future__ import annotations

import asyncio
import weakref
from collections import defaultdict
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import translation

from community import selectors
from community.permissions import can_moderate
from core.errors import KringError

from .round_trips import RoundTrips

# (user, room id, the language a refusal is told in)
_Reader = tuple[Any, int, str]
# Whether the reader may see the text of hidden messages (they facilitate the room's
# community), and the room's last seq as read with it (the hub need not read it again).
Rights = tuple[bool, int]


async def reader_rights(user: Any, room_id: int, language: str) -> Rights:
    """Raise unless ``user`` may read the room (the refusal in ``language``); else their
    ``Rights`` there."""
    loop = asyncio.get_running_loop()
    batches = _batches.get(loop)
    if batches is None:
        batches = _batches[loop] = RoundTrips(
            database_sync_to_async(_rights_of_readers, thread_sensitive=False)
        )
    return await batches.ask((user, room_id, language))


def _rights_of_readers(readers: list[_Reader]) -> list[Rights | KringError]:
    """In order, each reader's rights or the refusal they get; one query per language and
    ``KRING_SUBSCRIBES_READ_TOGETHER`` readers."""
    outcomes: list[Rights | KringError | None] = [None] * len(readers)
    by_language: defaultdict[str, list[int]] = defaultdict(list)
    for index, (_user, _room_id, language) in enumerate(readers):
        by_language[language].append(index)
    per_query = max(1, settings.KRING_SUBSCRIBES_READ_TOGETHER)
    for language, indexes in by_language.items():
        for start in range(0, len(indexes), per_query):
            chunk = indexes[start : start + per_query]
            with translation.override(language):
                rooms = selectors.rooms_for_readers([readers[i][:2] for i in chunk])
            for index, room in zip(chunk, rooms, strict=True):
                user = readers[index][0]
                outcomes[index] = (
                    room
                    if isinstance(room, KringError)
                    else (can_moderate.test(user, room), room.last_seq)
                )
    return outcomes  # type: ignore[return-value]


_batches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RoundTrips] = (
    weakref.WeakKeyDictionary()
)
