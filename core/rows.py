"""Hand-written SQL for the few reads on the reconnect path, turned back into model instances.

After a deploy every client reconnects at once, and each resume reads its session, its user
and the room with the reader's membership. Building those queries through the ORM costs
about 1 ms of CPU each, ten times the query itself (bench S6). The SQL here is composed once
per process from the models' own metadata (tables, columns, field order), so it follows
migrations, and the rows become ordinary instances through ``Model.from_db``, as the ORM's
own do.

On PostgreSQL they run as prepared statements (``prepared_cursor``): PostgreSQL plans each
once per connection instead of on every call, which was most of its work for a post.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import Model


def quote(name: str, using: str = "default") -> str:
    return connections[using].ops.quote_name(name)


def column(model: type[Model], field: str, using: str = "default") -> str:
    """The quoted column of ``field`` (a name as in the model, e.g. ``"community"``)."""
    return quote(model._meta.get_field(field).column, using)  # type: ignore[union-attr]


def table(model: type[Model], using: str = "default") -> str:
    return quote(model._meta.db_table, using)


class Columns:
    """Every concrete column of ``model`` under a table alias, in the order ``from_db`` takes
    them back."""

    def __init__(self, model: type[Model], alias: str, using: str = "default") -> None:
        fields = model._meta.concrete_fields
        self.model = model
        self.attnames = [f.attname for f in fields]
        self.sql = ", ".join(f"{alias}.{quote(f.column, using)}" for f in fields)
        self.width = len(fields)
        self.pk_at = self.attnames.index(model._meta.pk.attname)  # type: ignore[union-attr]

    def instance(self, row: Sequence[Any], start: int, using: str = "default") -> Model | None:
        """The instance in ``row[start:start + width]``; ``None`` where an outer join found
        nothing (the primary key is null)."""
        values = row[start : start + self.width]
        if values[self.pk_at] is None:
            return None
        return self.model.from_db(using, self.attnames, values)


def insert(instance: Model, using: str = "default") -> Model:
    """Store a new instance as ``Model.save()`` would (field defaults, ``auto_now_add``, the
    database's adaptation of each value), in one prepared INSERT instead of through the ORM's
    query compiler. For models with a database-generated primary key and no save signals."""
    model = type(instance)
    columns, values, params = insert_values(instance, (), using, typed=False)
    pk = quote(model._meta.pk.column, using)  # type: ignore[union-attr]
    sql = f"INSERT INTO {table(model, using)} ({columns}) VALUES ({values}) RETURNING {pk}"
    row = fetch_one(sql, params, using)
    return stored(instance, row[0], using)  # type: ignore[index]


def insert_values(
    instance: Model, computed: tuple[str, ...], using: str = "default", typed: bool = True
) -> tuple[str, str, list[Any]]:
    """The column list, the placeholders and the parameters that store ``instance`` (as
    ``insert`` does), also for an INSERT written into a larger statement (see
    ``insert_columns``)."""
    columns, values, fields = insert_columns(type(instance), computed, using, typed)
    database = connections[using]
    params = [field.get_db_prep_save(field.pre_save(instance, True), database) for field in fields]
    return columns, values, params


@functools.cache
def insert_columns(
    model: type[Model], computed: tuple[str, ...], using: str = "default", typed: bool = True
) -> tuple[str, str, list[Any]]:
    """The column list, the placeholders and the fields they stand for, of an INSERT of
    ``model``; ``computed`` names the fields (attnames) a larger statement supplies itself,
    left out of the placeholders and listed first. ``typed`` placeholders are for
    PostgreSQL's INSERT ... SELECT, which cannot take a parameter's type from its column."""
    database = connections[using]
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not pk and f.attname not in computed]
    columns = ", ".join(
        [column(model, name, using) for name in computed] + [quote(f.column, using) for f in fields]
    )
    # A type without its length (varchar, not varchar(64)): an explicit cast would cut a long
    # value short, where storing it in the column refuses it.
    values = ", ".join(
        f"CAST(%s AS {re.sub(r'[(].*[)]', '', f.db_type(database))})" if typed else "%s"
        for f in fields
    )
    return columns, values, fields


def stored(instance: Model, pk: Any, using: str = "default") -> Model:
    """Mark ``instance`` as the row a statement inserted with primary key ``pk``."""
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = using
    return instance


def fetch_one(sql: str, params: Sequence[Any], using: str = "default") -> tuple[Any, ...] | None:
    with prepared_cursor(using) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def fetch_all(sql: str, params: Sequence[Any], using: str = "default") -> list[tuple[Any, ...]]:
    with prepared_cursor(using) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def one_of(
    column_sql: str, values: Sequence[Any], sql_type: str, using: str = "default"
) -> tuple[str, list[Any]]:
    """``column_sql`` is one of ``values``: SQL and its parameters. On PostgreSQL one array
    parameter of ``sql_type`` (the statement's text stays the same, so it is prepared once);
    elsewhere one placeholder per value."""
    if connections[using].vendor == "postgresql":
        return f"{column_sql} = ANY(%s::{sql_type}[])", [list(values)]
    return f"{column_sql} IN ({', '.join(['%s'] * len(values))})", list(values)


@contextlib.contextmanager
def prepared_cursor(using: str = "default") -> Iterator[Any]:
    """A cursor whose statements PostgreSQL prepares once per connection (server-side
    parameters, psycopg's ``prepare=True``); Django's own cursor elsewhere, or with
    ``KRING_DB_PREPARED_STATEMENTS`` off. Only for hand-written SQL whose parameters all have a
    type PostgreSQL can tell (the ORM's SQL assumes client-side binding). Queries run through
    Django's cursor wrapper, so query counts, logging and execute wrappers still see them."""
    database = connections[using]
    if database.vendor != "postgresql" or not settings.KRING_DB_PREPARED_STATEMENTS:
        with database.cursor() as cursor:
            yield cursor
        return
    database.close_if_health_check_failed()
    database.ensure_connection()
    connection = database.connection
    with database.wrap_database_errors:
        raw = _prepared_cursor_class()(connection)
        _follow_time_zone(database, raw)
        cursor = database._prepare_cursor(raw)
    # Django opens connections with preparation off (None), which psycopg also reads as "do
    # not keep track of prepared statements": on only while this cursor runs, so the ORM's
    # queries are neither prepared nor counted.
    threshold, connection.prepare_threshold = connection.prepare_threshold, PREPARE_ONLY_ASKED
    try:
        with cursor:
            yield cursor
    finally:
        connection.prepare_threshold = threshold


def _follow_time_zone(database: Any, cursor: Any) -> None:
    """What Django's own cursors do: read timestamps in the connection's zone when it differs
    from the one the connection was opened with (a test overriding TIME_ZONE)."""
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    timestamptz = database.connection.adapters.types["timestamptz"].oid
    loader = database.connection.adapters.get_loader(timestamptz, Format.TEXT)
    if database.timezone != loader.timezone:
        register_tzloader(database.timezone, cursor)


@functools.cache
def _prepared_cursor_class() -> type:
    import psycopg  # only on PostgreSQL

    class PreparedCursor(psycopg.Cursor):  # type: ignore[type-arg]
        def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
            return super().execute(query, params, **{**options, "prepare": True})

    return PreparedCursor


# A threshold psycopg never reaches by counting: only statements run with prepare=True are.
PREPARE_ONLY_ASKED = 2**31 - 1
