"""The facilitators' members table: who is in the community, where from, since when, how
active (last active, messages in the last 30 days); sorted, filtered and paged in the
database, so a 10,000-member community answers as fast as a small one.

One statement per page (and one to count): the community's recent messages and its read
markers are aggregated once per member (``WITH`` ... ``GROUP BY``, from the
``(room, created_at)`` index and the read markers of its rooms) and joined to the
memberships, instead of two correlated subqueries per member. ``bench/`` M1 measures both.
Read-only; SQL is written here because the ORM has no joins to aggregated subqueries.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.errors import Invalid
from core.roles import ROLE_RANK, Role

from .models import (
    Community,
    EventKind,
    Membership,
    MembershipState,
    Profile,
    Room,
    RoomEvent,
    RoomReadState,
    User,
)

ACTIVITY_DAYS = 30
# What the table sorts by: a column name of the API (with "-" for descending) -> SQL.
SORTS = {
    "name": "LOWER(u.display_name)",
    "country": "COALESCE(p.country, '')",
    "school": "LOWER(COALESCE(p.school, ''))",
    "role": "role_rank",
    "joined": "m.joined_at",
    "last_active": "seen.last_active",
    "messages": "COALESCE(msgs.n, 0)",
}
NULLABLE_SORTS = {"last_active"}


@dataclass(frozen=True)
class MemberRow:
    membership_id: int
    user_id: int
    name: str
    handle: str | None
    country: str
    school: str
    role: str
    state: str
    joined_at: datetime
    last_active_at: datetime | None
    messages_30d: int


@dataclass(frozen=True)
class MemberPage:
    rows: list[MemberRow]
    count: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.count / self.page_size))


@dataclass(frozen=True)
class MemberFilters:
    role: str | None = None
    country: str | None = None
    inactive_days: int | None = None
    state: str | None = MembershipState.ACTIVE
    sort: str = "name"

    def clean(self) -> MemberFilters:
        if self.role and self.role not in Role.values:
            raise Invalid(f"Unknown role '{self.role}'.", field="role")
        if self.state and self.state not in MembershipState.values:
            raise Invalid(f"Unknown state '{self.state}'.", field="state")
        if self.country and not (len(self.country) == 2 and self.country.isalpha()):
            raise Invalid("A country is a two-letter code, e.g. NL.", field="country")
        if self.inactive_days is not None and not 1 <= self.inactive_days <= 3650:
            raise Invalid("Inactive for 1 to 3650 days.", field="inactive_days")
        if self.sort.lstrip("-") not in SORTS:
            raise Invalid(
                f"Sort by one of {', '.join(SORTS)} (with - for descending).", field="sort"
            )
        return self


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _time(value: Any) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _aware(value: Any) -> datetime | None:
    """Aggregates come back as text on SQLite."""
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    parsed = parse_datetime(str(value))
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _query(community: Community, filters: MemberFilters, now: datetime) -> tuple[str, list[Any]]:
    """The table as one SELECT (without ORDER BY / LIMIT) and its parameters."""
    rank = " ".join(f"WHEN '{Role(role).value}' THEN {value}" for role, value in ROLE_RANK.items())
    sql = f"""
        WITH rooms AS (SELECT id FROM {_table(Room)} WHERE community_id = %s),
        msgs AS (
            SELECT e.author_id AS user_id, COUNT(*) AS n FROM {_table(RoomEvent)} e
            WHERE e.room_id IN (SELECT id FROM rooms) AND e.created_at >= %s
              AND e.kind = %s AND e.deleted_at IS NULL
            GROUP BY e.author_id),
        seen AS (
            SELECT s.user_id, MAX(s.updated_at) AS last_active FROM {_table(RoomReadState)} s
            WHERE s.room_id IN (SELECT id FROM rooms) GROUP BY s.user_id)
        SELECT m.id, u.id, u.display_name, u.handle, COALESCE(p.country, ''),
               COALESCE(p.school, ''), m.role, m.state, m.joined_at, seen.last_active,
               COALESCE(msgs.n, 0), CASE m.role {rank} ELSE 0 END AS role_rank
        FROM {_table(Membership)} m
        JOIN {_table(User)} u ON u.id = m.user_id
        LEFT JOIN {_table(Profile)} p ON p.user_id = m.user_id
        LEFT JOIN msgs ON msgs.user_id = m.user_id
        LEFT JOIN seen ON seen.user_id = m.user_id
        WHERE m.community_id = %s"""
    params: list[Any] = [
        community.pk,
        _time(now - timedelta(days=ACTIVITY_DAYS)),
        EventKind.MESSAGE,
        community.pk,
    ]
    if filters.state:
        sql += " AND m.state = %s"
        params.append(filters.state)
    if filters.role:
        sql += " AND m.role = %s"
        params.append(filters.role)
    if filters.country:
        sql += " AND p.country = %s"
        params.append(filters.country.upper())
    if filters.inactive_days:
        sql += " AND (seen.last_active IS NULL OR seen.last_active < %s)"
        params.append(_time(now - timedelta(days=filters.inactive_days)))
    return sql, params


def _order(sort: str) -> str:
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    column = SORTS[key]
    direction = "DESC" if descending else "ASC"
    nulls = ""
    if key in NULLABLE_SORTS:
        # Never active counts as longest ago: last when newest first, first when oldest first.
        nulls = f"({column} IS NULL) {'ASC' if descending else 'DESC'}, "
    return f" ORDER BY {nulls}{column} {direction}, LOWER(u.display_name), m.id"


def _row(values: tuple[Any, ...]) -> MemberRow:
    (membership_id, user_id, name, handle, country, school, role, state, joined, seen, n, _) = (
        values
    )
    return MemberRow(
        membership_id=membership_id,
        user_id=user_id,
        name=name or f"Teacher {user_id}",
        handle=handle,
        country=country or "",
        school=school or "",
        role=role,
        state=state,
        joined_at=_aware(joined),  # type: ignore[arg-type]
        last_active_at=_aware(seen),
        messages_30d=int(n or 0),
    )


def member_table(
    *, community: Community, filters: MemberFilters, page: int = 1, page_size: int = 50
) -> MemberPage:
    """One page of the members table (``filters`` checked; pages start at 1)."""
    filters = filters.clean()
    sql, params = _query(community, filters, timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) t", params)
        count = int(cursor.fetchone()[0])
        pages = max(1, math.ceil(count / page_size))
        page = min(max(1, page), pages)
        cursor.execute(
            sql + _order(filters.sort) + " LIMIT %s OFFSET %s",
            [*params, page_size, (page - 1) * page_size],
        )
        rows = [_row(values) for values in cursor.fetchall()]
    return MemberPage(rows=rows, count=count, page=page, page_size=page_size)


def member_table_all(
    *, community: Community, filters: MemberFilters, chunk: int = 2000
) -> Iterator[MemberRow]:
    """Every row (the CSV export), in the table's order, fetched in chunks."""
    filters = filters.clean()
    sql, params = _query(community, filters, timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql + _order(filters.sort), params)
        while True:
            batch = cursor.fetchmany(chunk)
            if not batch:
                return
            yield from (_row(values) for values in batch)
