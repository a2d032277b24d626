"""A session engine whose reads of several sessions at once fail (as a database error would),
while each session alone still loads: for the handshake batch's fallback."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError

from core.sessions import SessionStore as KringSessionStore


class SessionStore(KringSessionStore):
    @classmethod
    def load_many(cls, session_keys: Any, using: str | None = None) -> Any:
        raise DatabaseError("the batch read failed")
