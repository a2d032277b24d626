"""The statement every post runs: take the room's next seq, store the message with it and
read everything the posting rules need (the poster's membership and every registered post
check) at once.

In SQL rather than built by the ORM on each call: building this query with its EXISTS
clauses took a quarter of a post's CPU, and each round trip to the database is time a
poster waits (bench S3). One statement on PostgreSQL (a data-modifying CTE), three on
SQLite. The registered checks are columns of it (see ``registry.post_checks``).
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from core import rows
from core.errors import NotFound

from .models import Membership, Room, RoomEvent
from .registry import PostingContext, post_checks

_ROOM_COLUMNS = "last_seq, community_id, is_locked, slow_mode_seconds, kind"


@functools.cache
def _checks_sql() -> tuple[list[str], str, list[Any]]:
    """The names of the registered checks, their SELECT list and its parameters (fixed after
    start-up)."""
    names, columns, params = list(post_checks), "", []
    for i, name in enumerate(names):
        sql, check_params = post_checks.get(name).sql()
        columns += f", ({sql}) AS check_{i}"
        params.extend(check_params)
    return names, columns, params


def _membership_join() -> str:
    return (
        f"LEFT JOIN {Membership._meta.db_table} m "
        "ON m.community_id = r.community_id AND m.user_id = u.id"
    )


def _context(row: tuple, names: list[str]) -> PostingContext:
    role, state, *values = row
    return PostingContext(
        role=role,
        state=state,
        checks={name: bool(v) for name, v in zip(names, values, strict=True)},
    )


def _now_param() -> str:
    # SQLite compares stored times as text: the parameter must stay text there.
    return "CAST(%s AS timestamptz)" if connection.vendor == "postgresql" else "%s"


def posting_context(
    *, user_id: int, community_id: int | None, room_id: int | None
) -> PostingContext:
    """The posting context of a user in a room, or (``room_id`` None) in the community as a
    whole (only community-wide checks, such as a community-wide mute, can apply)."""
    names, columns, check_params = _checks_sql()
    sql = (
        f"SELECT m.role, m.state{columns} "
        "FROM (SELECT CAST(%s AS BIGINT) AS id, CAST(%s AS BIGINT) AS community_id) r "
        f"CROSS JOIN (SELECT CAST(%s AS BIGINT) AS id, {_now_param()} AS now) u "
        + _membership_join()
    )
    row = rows.fetch_one(sql, [*check_params, room_id, community_id, user_id, timezone.now()])
    return _context(row, names)  # type: ignore[arg-type]


def _room(room_id: int, row: tuple) -> Room:
    last_seq, community_id, is_locked, slow_mode_seconds, kind = row
    return Room(
        pk=room_id,
        last_seq=int(last_seq),
        community_id=None if community_id is None else int(community_id),
        is_locked=bool(is_locked),
        slow_mode_seconds=int(slow_mode_seconds),
        kind=kind,
    )


def take_seq(room_id: int) -> Room:
    """Take the room's next seq. Call inside a transaction.

    The UPDATE locks the room row until commit, so concurrent posters (in any process) queue
    here and commit in seq order; a rollback gives the seq back. Returns the new seq and what
    posting rules need, as an unsaved ``Room``.
    """
    row = rows.fetch_one(
        f"UPDATE {Room._meta.db_table} SET last_seq = last_seq + 1 "
        f"WHERE id = %s RETURNING {_ROOM_COLUMNS}",
        [room_id],
    )
    if row is None:
        raise NotFound(_("No room %(room_id)s.") % {"room_id": room_id})
    return _room(room_id, row)


_COMPUTED = ("room_id", "seq")


@functools.cache
def _store_sql() -> str:
    _names, columns, _params = _checks_sql()
    into, values, _fields = rows.insert_columns(RoomEvent, _COMPUTED)
    return (
        f"WITH r AS (UPDATE {Room._meta.db_table} SET last_seq = last_seq + 1 "
        f"WHERE id = %s RETURNING id, {_ROOM_COLUMNS}), "
        "u AS (SELECT CAST(%s AS BIGINT) AS id, CAST(%s AS timestamptz) AS now), "
        f"e AS (INSERT INTO {RoomEvent._meta.db_table} ({into}) "
        f"SELECT r.id, r.last_seq, {values} FROM r RETURNING id) "
        f"SELECT r.last_seq, r.community_id, r.is_locked, r.slow_mode_seconds, r.kind, e.id, "
        f"m.role, m.state{columns} FROM r CROSS JOIN u CROSS JOIN e " + _membership_join()
    )


def take_seq_and_store(event: RoomEvent, user_id: int) -> tuple[Room, PostingContext]:
    """Take the room's next seq, store ``event`` (unsaved; it gets its seq and id) with it,
    and read the poster's posting context: one statement on PostgreSQL. Call inside a
    transaction, and refuse after it by raising: the rollback takes the row and the seq back,
    so a refused post leaves nothing (the checks read the state from before the row)."""
    if connection.vendor != "postgresql":
        room = take_seq(event.room_id)
        # Read before the row is stored, as the one statement on PostgreSQL does.
        context = posting_context(user_id=user_id, community_id=room.community_id, room_id=room.pk)
        event.seq = room.last_seq
        rows.insert(event)
        return room, context
    names, _columns, check_params = _checks_sql()
    _into, _values, event_params = rows.insert_values(event, computed=_COMPUTED)
    row = rows.fetch_one(
        _store_sql(), [event.room_id, user_id, timezone.now(), *event_params, *check_params]
    )
    if row is None:
        raise NotFound(_("No room %(room_id)s.") % {"room_id": event.room_id})
    room = _room(event.room_id, row[:5])
    event.seq = room.last_seq
    rows.stored(event, row[5])
    return room, _context(row[6:], names)
