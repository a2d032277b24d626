"""Django's database sessions (``SESSION_ENGINE = "core.sessions"``), loaded with one
written-out query instead of one the ORM builds on every load.

Every request and every socket handshake loads its session, and after a deploy thousands of
clients reconnect at once (bench S6): the ORM's ``get`` costs about 0.5 ms of CPU, the query
about 0.1. Same table, same expiry rule (``expire_date`` after now), same data; saving,
deleting and clearing are Django's.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import router
from django.utils import timezone

from core import rows


class SessionStore(DatabaseSessionStore):
    _loaded_row: Any = None  # set by ``load_many``: the row, read with others

    @classmethod
    def load_many(
        cls, session_keys: Sequence[str], using: str | None = None
    ) -> dict[str, SessionStore]:
        """The live sessions among ``session_keys``, read with one query (the WebSocket
        handshakes of a reconnect storm arriving together, ``realtime.auth``). A missing or
        expired key is left out, as ``load`` would forget it."""
        model = cls.get_model_class()
        using = using or router.db_for_read(model)
        # Only what Django could have made a key of is looked up (a client's header may hold
        # anything: a NUL byte is an error on PostgreSQL, for every key of the query).
        keys = [key for key in dict.fromkeys(session_keys) if _could_be_key(key)]
        if not keys:
            return {}
        key_column = rows.column(model, "session_key", using)
        matches, params = rows.one_of(key_column, keys, "varchar", using)
        sql = (
            f"SELECT {key_column}, {rows.column(model, 'session_data', using)},"
            f" {rows.column(model, 'expire_date', using)} FROM {rows.table(model, using)}"
            f" WHERE {matches} AND {rows.column(model, 'expire_date', using)} > %s"
        )
        found = {}
        for key, data, expires in rows.fetch_all(sql, [*params, timezone.now()], using):
            store = cls(session_key=key)
            store._loaded_row = model(session_key=key, session_data=data, expire_date=expires)
            found[key] = store
        return found

    def _get_session_from_db(self) -> Any:
        if self._loaded_row is not None and self._loaded_row.session_key == self.session_key:
            return self._loaded_row
        model = self.model
        using = router.db_for_read(model)
        row = rows.fetch_one(_load_sql(model, using), [self.session_key, timezone.now()], using)
        if row is None:
            # As Django does: a missing or expired key is forgotten, so a new one is made.
            self._session_key = None
            return None
        return model(session_key=self.session_key, session_data=row[0], expire_date=row[1])


def _could_be_key(key: str) -> bool:
    """Django's session keys are 32 lowercase letters and digits; the column holds 40."""
    return 8 <= len(key) <= 40 and key.isascii() and key.isalnum()


@functools.cache
def _load_sql(model: Any, using: str) -> str:
    return (
        f"SELECT {rows.column(model, 'session_data', using)},"
        f" {rows.column(model, 'expire_date', using)} FROM {rows.table(model, using)}"
        f" WHERE {rows.column(model, 'session_key', using)} = %s"
        f" AND {rows.column(model, 'expire_date', using)} > %s"
    )
