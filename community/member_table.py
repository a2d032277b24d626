"""The facilitators' members table: who is in the community, where from, since when, how
active (last active, messages in the last 30 days); sorted, filtered and paged in the
database, so a 10,000-member community answers as fast as a small one.

Sorted by name, country, school, role or joined, the page is chosen first and the activity
of its 50 members only is aggregated. Sorted or filtered by activity, the community's recent
messages and its read markers are aggregated once per member (``WITH`` ... ``GROUP BY``)
and joined to the memberships, instead of two correlated subqueries per member. The count
is a statement of its own that aggregates only when a filter needs it. ``bench/`` M1
measures both ways. Country and school follow each teacher's choice of who sees them
(``community.visibility``): shown, sorted and filtered only where the facilitator may see
them. Read-only; SQL is written here because the ORM has no joins to
aggregated subqueries.
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
from django.utils.translation import gettext as _

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
from .visibility import DEFAULTS, Visibility

ACTIVITY_DAYS = 30
_RANKS = " ".join(f"WHEN '{Role(role).value}' THEN {value}" for role, value in ROLE_RANK.items())
ROLE_RANK_SQL = f"CASE m.role {_RANKS} ELSE 0 END"
# What the table sorts by: a column name of the API (with "-" for descending) -> SQL.
SORTS = {
    "name": "LOWER(u.display_name)",
    "country": "{country}",
    "school": "LOWER({school})",
    "role": ROLE_RANK_SQL,
    "joined": "m.joined_at",
    "last_active": "seen.last_active",
    "messages": "COALESCE(msgs.n, 0)",
}
NULLABLE_SORTS = {"last_active"}
ACTIVITY_SORTS = {"last_active", "messages"}


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
            raise Invalid(_("Unknown role '%(role)s'.") % {"role": self.role}, field="role")
        if self.state and self.state not in MembershipState.values:
            raise Invalid(_("Unknown state '%(state)s'.") % {"state": self.state}, field="state")
        if self.country and not (len(self.country) == 2 and self.country.isalpha()):
            raise Invalid(_("A country is a two-letter code, e.g. NL."), field="country")
        if self.inactive_days is not None and not 1 <= self.inactive_days <= 3650:
            raise Invalid(_("Inactive for 1 to 3650 days."), field="inactive_days")
        if self.sort.lstrip("-") not in SORTS:
            raise Invalid(
                _("Sort by one of %(value)s (with - for descending).")
                % {"value": ", ".join(SORTS)},
                field="sort",
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


def _activity(restrict: str = "") -> str:
    """The two aggregates per member (messages of the last days, last read marker), as
    ``WITH`` parts; ``restrict`` limits them to some users (a page's)."""
    return f"""
        msgs AS (
            SELECT e.author_id AS user_id, COUNT(*) AS n FROM {_table(RoomEvent)} e
            WHERE e.room_id IN (SELECT id FROM rooms) AND e.created_at >= %s
              AND e.kind = %s AND e.deleted_at IS NULL {restrict.format(column="e.author_id")}
            GROUP BY e.author_id),
        seen AS (
            SELECT s.user_id, MAX(s.updated_at) AS last_active FROM {_table(RoomReadState)} s
            WHERE s.room_id IN (SELECT id FROM rooms) {restrict.format(column="s.user_id")}
            GROUP BY s.user_id)"""


def _where(filters: MemberFilters, now: datetime) -> tuple[str, list[Any]]:
    # The community id is the caller's first parameter of this clause.
    sql, params = " WHERE m.community_id = %s", []
    for clause, value in (
        ("m.state = %s", filters.state),
        ("m.role = %s", filters.role),
        (f"{_shown('country')} = %s", filters.country.upper() if filters.country else None),
    ):
        if value:
            sql += f" AND {clause}"
            params.append(value)
    if filters.inactive_days:
        sql += " AND (seen.last_active IS NULL OR seen.last_active < %s)"
        params.append(_time(now - timedelta(days=filters.inactive_days)))
    return sql, params


def _from() -> str:
    return f"""
        FROM {_table(Membership)} m
        JOIN {_table(User)} u ON u.id = m.user_id
        LEFT JOIN {_table(Profile)} p ON p.user_id = m.user_id"""


def _level(field: str) -> str:
    """The visibility a teacher chose for a profile field (its default when none)."""
    if connection.vendor == "postgresql":
        chosen = f"(p.visibility ->> '{field}')"
    else:
        chosen = f"json_extract(p.visibility, '$.{field}')"
    return f"COALESCE({chosen}, '{DEFAULTS[field]}')"


def _shown(field: str) -> str:
    """The field as this table's reader may see it, else ''. The reader facilitates the
    community: an active member shares it with them; anyone else (pending, left, banned) is a
    stranger, who sees only what is open to everyone on a discoverable profile."""
    level = _level(field)
    visible = (
        f"(m.state = '{MembershipState.ACTIVE.value}' AND {level} <> '{Visibility.NOBODY.value}')"
        f" OR ({level} = '{Visibility.EVERYONE.value}' AND p.discoverable)"
    )
    return f"(CASE WHEN {visible} THEN COALESCE(p.{field}, '') ELSE '' END)"


def _columns() -> str:
    return f"""
        SELECT m.id, u.id, u.display_name, u.handle, {_shown("country")},
               {_shown("school")}, m.role, m.state, m.joined_at, seen.last_active,
               COALESCE(msgs.n, 0)"""


def _query(
    community: Community, filters: MemberFilters, now: datetime, page: tuple[int, int] | None
) -> tuple[str, list[Any]]:
    """The table's rows in order (``page``: limit and offset), and the parameters.

    Sorted or filtered by activity, the aggregates are computed for every member (one pass
    over the community's recent messages and read markers). Otherwise the page is chosen
    first and the aggregates are computed for its members only."""
    where, where_params = _where(filters, now)
    since = _time(now - timedelta(days=ACTIVITY_DAYS))
    rooms = f"WITH rooms AS (SELECT id FROM {_table(Room)} WHERE community_id = %s),"
    order = _order(filters.sort)
    limit = " LIMIT %s OFFSET %s" if page else ""
    by_activity = filters.sort.lstrip("-") in ACTIVITY_SORTS or filters.inactive_days
    if by_activity or page is None:
        sql = (
            rooms + _activity() + _columns() + _from()
            + " LEFT JOIN msgs ON msgs.user_id = m.user_id"
            + " LEFT JOIN seen ON seen.user_id = m.user_id" + where + order + limit
        )  # fmt: skip
        params = [community.pk, since, EventKind.MESSAGE, community.pk]
        return sql, [*params, *where_params, *(page or ())]
    chosen = f" page AS (SELECT m.id, m.user_id {_from()}{where}{order}{limit}),"
    restrict = "AND {column} IN (SELECT user_id FROM page)"
    sql = (
        rooms + chosen + _activity(restrict) + _columns() + _from()
        + " JOIN page ON page.id = m.id"
        + " LEFT JOIN msgs ON msgs.user_id = m.user_id"
        + " LEFT JOIN seen ON seen.user_id = m.user_id" + order
    )  # fmt: skip
    params = [community.pk, community.pk, *where_params, *page, since, EventKind.MESSAGE]
    return sql, params


def _count(community: Community, filters: MemberFilters, now: datetime) -> int:
    """How many members match: the activity aggregate only when a filter needs it."""
    where, where_params = _where(filters, now)
    params: list[Any] = [community.pk, *where_params]
    sql = f"SELECT COUNT(*) FROM {_table(Membership)} m"
    if filters.country:
        sql += f" LEFT JOIN {_table(Profile)} p ON p.user_id = m.user_id"
    if filters.inactive_days:
        sql = (
            f"WITH rooms AS (SELECT id FROM {_table(Room)} WHERE community_id = %s), seen AS ("
            f"SELECT s.user_id, MAX(s.updated_at) AS last_active FROM {_table(RoomReadState)} s "
            "WHERE s.room_id IN (SELECT id FROM rooms) GROUP BY s.user_id) "
            + sql
            + " LEFT JOIN seen ON seen.user_id = m.user_id"
        )
        params.insert(0, community.pk)
    with connection.cursor() as cursor:
        cursor.execute(sql + where, params)
        return int(cursor.fetchone()[0])


def _order(sort: str) -> str:
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    column = SORTS[key].format(country=_shown("country"), school=_shown("school"))
    direction = "DESC" if descending else "ASC"
    nulls = ""
    if key in NULLABLE_SORTS:
        # Never active counts as longest ago: last when newest first, first when oldest first.
        nulls = f"({column} IS NULL) {'ASC' if descending else 'DESC'}, "
    return f" ORDER BY {nulls}{column} {direction}, LOWER(u.display_name), m.id"


def _row(values: tuple[Any, ...]) -> MemberRow:
    (membership_id, user_id, name, handle, country, school, role, state, joined, seen, n) = values
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
    now = timezone.now()
    count = _count(community, filters, now)
    pages = max(1, math.ceil(count / page_size))
    page = min(max(1, page), pages)
    sql, params = _query(community, filters, now, (page_size, (page - 1) * page_size))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [_row(values) for values in cursor.fetchall()]
    return MemberPage(rows=rows, count=count, page=page, page_size=page_size)


def member_table_all(
    *, community: Community, filters: MemberFilters, chunk: int = 2000
) -> Iterator[MemberRow]:
    """Every row (the CSV export), in the table's order, fetched in chunks."""
    filters = filters.clean()
    sql, params = _query(community, filters, timezone.now(), None)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            batch = cursor.fetchmany(chunk)
            if not batch:
                return
            yield from (_row(values) for values in batch)
