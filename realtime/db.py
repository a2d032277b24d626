"""The hub's reads of the room event log, each in a database thread (the replay a resuming
socket gets is built from them in ``replay``)."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from community import selectors


@database_sync_to_async
def last_seq(room_id: int) -> int:
    return selectors.room_last_seq(room_id=room_id)


@database_sync_to_async
def last_seqs(room_ids: list[int]) -> dict[int, int]:
    return selectors.room_last_seqs(room_ids=room_ids)


@database_sync_to_async
def events_range(room_id: int, after: int, upto: int) -> list[Any]:
    return selectors.room_events_range(room_id=room_id, after=after, upto=upto)
