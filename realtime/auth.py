"""Who is on the other end of a WebSocket handshake.

* Browsers authenticate with the session cookie. Browsers always send ``Origin``; it must be
  one of our origins (scheme, host and port: see ``origin_allowed``), or a page on another
  site could open a socket with the teacher's cookie
  (cross-site WebSocket hijacking). A cookie without an ``Origin`` is ignored.
* App clients send allauth's ``X-Session-Token`` header, which a web page cannot set, and may
  send no ``Origin`` at all.

Anything else is anonymous, and the consumer refuses anonymous handshakes.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from importlib import import_module
from typing import Any
from urllib.parse import urlsplit

from allauth.headless import app_settings as headless_settings
from allauth.headless.tokens.strategies.sessions import SessionTokenStrategy
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user,
    get_user_model,
    load_backend,
)
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from django.utils.crypto import constant_time_compare

from core import rows

from .round_trips import RoundTrips


def _origin(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an origin or URL, the port made explicit; ``None`` if it
    is not an http(s) origin."""
    parts = urlsplit(url.strip().lower())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    return parts.scheme, parts.hostname, port


def _trusted(origin: tuple[str, str, int], trusted: str) -> bool:
    """Django's CSRF_TRUSTED_ORIGINS semantics: exact, or ``https://*.example.eu``."""
    if "://*." in trusted:
        scheme, _, domain = trusted.partition("://*.")
        pattern = _origin(f"{scheme}://{domain}")
        return (
            pattern is not None
            and origin[0] == pattern[0]
            and origin[2] == pattern[2]
            and origin[1].endswith("." + pattern[1])
        )
    return origin == _origin(trusted)


def origin_allowed(origin: str, *, host: str | None = None, scheme: str | None = None) -> bool:
    """Is ``origin`` one of ours? Scheme, host and port must all match one of: the handshake's
    own origin (``scheme`` ws/wss or http/https, and its ``Host`` header, which must be in
    ALLOWED_HOSTS), the origin of ``KRING_BASE_URL``, or a ``CSRF_TRUSTED_ORIGINS`` entry."""
    parsed = _origin(origin)
    if parsed is None:
        return False
    if host:
        domain, _port = split_domain_port(host)
        own_scheme = {"ws": "http", "wss": "https"}.get(scheme or "", scheme or "http")
        same_origin = parsed == _origin(f"{own_scheme}://{host}")
        if same_origin and domain and validate_host(domain, settings.ALLOWED_HOSTS):
            return True
    if parsed == _origin(settings.KRING_BASE_URL):
        return True
    return any(_trusted(parsed, trusted) for trusted in settings.CSRF_TRUSTED_ORIGINS)


def _session(session_key: str) -> SessionBase:
    engine = import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(session_key=session_key)


class _SessionOnly:
    """What ``django.contrib.auth.get_user`` reads of a request: its session."""

    def __init__(self, session: SessionBase) -> None:
        self.session = session


def _user_in(
    session: SessionBase, user_rows: dict[Any, Any] | None = None
) -> tuple[Any, str | None]:
    """The signed-in user of a session (the session's password hash is checked, so a password
    change signs every other session out), and the session's key. ``user_rows``: users read
    already, by id (``_users_of_handshakes``)."""
    user = _verified_user(session, user_rows)
    if user is _ASK_DJANGO:
        user = get_user(_SessionOnly(session))  # type: ignore[arg-type]
    if not user.is_authenticated:
        return None, None
    return user, session.session_key


_ASK_DJANGO = object()


@functools.cache
def _user_query() -> tuple[rows.Columns, str, str]:
    """The user's columns, the query's head, and its primary key column."""
    model = get_user_model()
    columns = rows.Columns(model, "u")
    pk = rows.column(model, model._meta.pk.name)  # type: ignore[union-attr]
    return columns, f"SELECT {columns.sql} FROM {rows.table(model)} u WHERE ", f"u.{pk}"


def _user_row(user_id: Any) -> tuple[Any, ...] | None:
    _columns, head, pk = _user_query()
    return rows.fetch_one(f"{head}{pk} = %s", [user_id])


def _user_rows(user_ids: list[Any]) -> dict[Any, tuple[Any, ...]]:
    """The rows of several users, by id, with one query."""
    if not user_ids:
        return {}
    columns, head, pk = _user_query()
    sql_type = get_user_model()._meta.pk.rel_db_type(connection)  # type: ignore[union-attr]
    matches, params = rows.one_of(pk, user_ids, sql_type)
    return {row[columns.pk_at]: row for row in rows.fetch_all(head + matches, params)}


def _signed_in_with(session: SessionBase) -> tuple[Any, Any] | None:
    """The user id a session was signed in with and its backend, where Django's ``get_user``
    would accept them exactly so: a backend using ``ModelBackend.get_user`` and a session
    holding a hash. ``None`` for anything else (signed out, another backend)."""
    try:
        user_id = get_user_model()._meta.pk.to_python(session[SESSION_KEY])  # type: ignore[union-attr]
        backend_path = session[BACKEND_SESSION_KEY]
    except (KeyError, ValidationError):
        return None
    if HASH_SESSION_KEY not in session:
        return None
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    backend = load_backend(backend_path)
    if type(backend).get_user is not ModelBackend.get_user:
        return None
    return user_id, backend


def _verified_user(session: SessionBase, user_rows: dict[Any, Any] | None = None) -> Any:
    """The session's user, read with a written-out query (``core.rows``: the ORM's ``get``
    costs 0.4 ms of CPU on every handshake of a reconnect storm), or taken from ``user_rows``
    (read for several handshakes at once), but only where Django's ``get_user`` would accept
    them exactly so: see ``_signed_in_with``; an active user; a hash made with the current
    secret. Anything else (a hash from a fallback secret Django re-signs, a refusal that
    flushes the session) returns ``_ASK_DJANGO`` and Django decides."""
    signed_in = _signed_in_with(session)
    if signed_in is None:
        return _ASK_DJANGO
    user_id, backend = signed_in
    row = _user_row(user_id) if user_rows is None else user_rows.get(user_id)
    user = _user_query()[0].instance(row, 0) if row else None
    if (
        user is None
        or not backend.user_can_authenticate(user)
        or not constant_time_compare(session[HASH_SESSION_KEY], user.get_session_auth_hash())
    ):
        return _ASK_DJANGO
    return user


def _user_of_session(session_key: str) -> tuple[Any, str | None]:
    return _user_in(_session(session_key))


def _session_of_token(token: str) -> SessionBase | None:
    """The session behind an ``X-Session-Token``. With allauth's own ``SessionTokenStrategy``
    the token *is* the session key, and its ``lookup_session`` reads the session table twice
    (``exists``, then the load); here the session is loaded once, and a missing or expired
    key is told by the load itself (Django clears the key). After a deploy every app client
    reconnects at once, so the saved statement counts thousands of times (bench S6). Any
    other strategy goes through allauth's documented interface."""
    strategy = headless_settings.TOKEN_STRATEGY
    if type(strategy) is not SessionTokenStrategy:
        return strategy.lookup_session(token)
    session = _session(token)
    session.get(SESSION_KEY)  # loads it (one query); clears session_key if there is none
    return session if session.session_key else None


def _user_and_session_of_token(token: str) -> tuple[Any, str | None]:
    session = _session_of_token(token)
    if session is None:
        return None, None
    return _user_in(session)


def user_for_session_token(token: str) -> Any:
    """The signed-in user of an allauth ``X-Session-Token``, or ``None`` (JSON API, sockets)."""
    return _user_and_session_of_token(token)[0]


def _users_of_handshakes(
    handshakes: list[tuple[bool, str]],
) -> list[tuple[Any, str | None] | DatabaseError]:
    """The user and session key behind each handshake (``(is_token, token or session key)``),
    as ``_user_and_session_of_token`` and ``_user_of_session`` would find them one by one, but
    with one query for all their sessions and one for all their users (the session engine's
    ``load_many``; tokens that are session keys, as allauth's ``SessionTokenStrategy`` makes
    them). Other engines and strategies are asked one by one. If reading them together fails,
    each is read alone, so one client's bad key fails only its own handshake."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "load_many"):
        return [_read_alone(is_token, key) for is_token, key in handshakes]
    found: list[tuple[Any, str | None] | DatabaseError] = []
    per_query = max(1, settings.KRING_HANDSHAKES_READ_TOGETHER)
    for start in range(0, len(handshakes), per_query):
        chunk = handshakes[start : start + per_query]
        try:
            found += _read_together(store, chunk)
        except DatabaseError:
            found += [_read_alone(is_token, key) for is_token, key in chunk]
    return found


def _read_alone(is_token: bool, key: str) -> tuple[Any, str | None] | DatabaseError:
    try:
        return _user_and_session_of_token(key) if is_token else _user_of_session(key)
    except DatabaseError as exc:
        return exc


def _read_together(store: Any, handshakes: list[tuple[bool, str]]) -> list[tuple[Any, str | None]]:
    tokens_are_keys = type(headless_settings.TOKEN_STRATEGY) is SessionTokenStrategy
    sessions = store.load_many(
        [key for is_token, key in handshakes if tokens_are_keys or not is_token]
    )
    user_ids = {signed[0] for s in sessions.values() if (signed := _signed_in_with(s))}
    user_rows = _user_rows(list(user_ids))
    found: list[tuple[Any, str | None]] = []
    for is_token, key in handshakes:
        if is_token and not tokens_are_keys:
            found.append(_user_and_session_of_token(key))
        elif (session := sessions.get(key)) is None:
            found.append((None, None))
        else:
            found.append(_user_in(session, user_rows))
    return found


# The handshakes that arrive while earlier ones are in their database thread go together in
# the next (one thread hop, one query for their sessions, one for their users); alone, one
# goes at once. After a deploy every client reconnects within a second (bench S6). One
# batcher per event loop (per process; tests run a loop each).
_handshake_batches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RoundTrips] = (
    weakref.WeakKeyDictionary()
)


async def _user_of_handshake(is_token: bool, key: str) -> tuple[Any, str | None]:
    loop = asyncio.get_running_loop()
    batches = _handshake_batches.get(loop)
    if batches is None:
        reads = database_sync_to_async(_users_of_handshakes, thread_sensitive=False)
        batches = _handshake_batches[loop] = RoundTrips(reads)
    return await batches.ask((is_token, key))


async def authenticate_handshake(scope: dict[str, Any]) -> tuple[Any, str | None]:
    """The user (or ``None``) and session key behind a WebSocket handshake; ``(None, None)``
    for a foreign ``Origin``. Called by the consumer itself rather than by a middleware: an
    ASGI middleware stays on the stack (its frame and its copy of the scope) for the whole
    life of every socket, and at 10,000 sockets that memory counts."""
    headers = {name.lower(): value for name, value in scope.get("headers", [])}
    origin = headers.get(b"origin")
    if origin is not None and not origin_allowed(
        origin.decode("latin1"),
        host=headers.get(b"host", b"").decode("latin1") or None,
        scheme=scope.get("scheme"),
    ):
        return None, None
    token = headers.get(b"x-session-token")
    if token:
        return await _user_of_handshake(True, token.decode("latin1"))
    if origin is not None and b"cookie" in headers:
        cookies = parse_cookie(headers[b"cookie"].decode("latin1"))
        cookie_session = cookies.get(settings.SESSION_COOKIE_NAME)
        if cookie_session:
            return await _user_of_handshake(False, cookie_session)
    return None, None
