"""Hand-written SQL for the few reads on the reconnect path, turned back into model instances.

After a deploy every client reconnects at once, and each resume reads its session, its user
and the room with the reader's membership. Building those queries through the ORM costs
about 1 ms of CPU each, ten times the query itself (bench S6). The SQL here is composed once
per process from the models' own metadata (tables, columns, field order), so it follows
migrations, and the rows become ordinary instances through ``Model.from_db``, as the ORM's
own do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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


def fetch_one(sql: str, params: Sequence[Any], using: str = "default") -> tuple[Any, ...] | None:
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()
