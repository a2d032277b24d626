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

import functools
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
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from django.utils.crypto import constant_time_compare

from core import rows


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


def _user_in(session: SessionBase) -> tuple[Any, str | None]:
    """The signed-in user of a session (the session's password hash is checked, so a password
    change signs every other session out), and the session's key."""
    user = _verified_user(session)
    if user is _ASK_DJANGO:
        user = get_user(_SessionOnly(session))  # type: ignore[arg-type]
    if not user.is_authenticated:
        return None, None
    return user, session.session_key


_ASK_DJANGO = object()


@functools.cache
def _user_sql() -> tuple[str, rows.Columns]:
    model = get_user_model()
    columns = rows.Columns(model, "u")
    pk = rows.column(model, model._meta.pk.name)  # type: ignore[union-attr]
    return f"SELECT {columns.sql} FROM {rows.table(model)} u WHERE u.{pk} = %s", columns


def _verified_user(session: SessionBase) -> Any:
    """The session's user, read with a written-out query (``core.rows``: the ORM's ``get``
    costs 0.4 ms of CPU on every handshake of a reconnect storm), but only where Django's
    ``get_user`` would accept them exactly so: a session signed in through a backend using
    ``ModelBackend.get_user``, an active user, a hash made with the current secret. Anything
    else (signed out, a hash from a fallback secret Django re-signs, a refusal that flushes
    the session) returns ``_ASK_DJANGO`` and Django decides."""
    try:
        user_id = get_user_model()._meta.pk.to_python(session[SESSION_KEY])  # type: ignore[union-attr]
        backend_path = session[BACKEND_SESSION_KEY]
        session_hash = session[HASH_SESSION_KEY]
    except (KeyError, ValidationError):
        return _ASK_DJANGO
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return _ASK_DJANGO
    backend = load_backend(backend_path)
    if type(backend).get_user is not ModelBackend.get_user:
        return _ASK_DJANGO
    sql, columns = _user_sql()
    row = rows.fetch_one(sql, [user_id])
    user = columns.instance(row, 0) if row else None
    if (
        user is None
        or not backend.user_can_authenticate(user)
        or not constant_time_compare(session_hash, user.get_session_auth_hash())
    ):
        return _ASK_DJANGO
    return user


def _user_of_session(session_key: str) -> tuple[Any, str | None]:
    return _user_in(_session(session_key))


# Handshakes of different sockets authenticate in parallel threads (a reconnect storm after a
# deploy must not queue on one thread).
_in_db_thread = functools.partial(database_sync_to_async, thread_sensitive=False)


async def _user_from_cookie(session_key: str) -> tuple[Any, str | None]:
    return await _in_db_thread(_user_of_session)(session_key)


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


async def _user_from_token(token: str) -> tuple[Any, str | None]:
    return await _in_db_thread(_user_and_session_of_token)(token)


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
        return await _user_from_token(token.decode("latin1"))
    if origin is not None and b"cookie" in headers:
        cookies = parse_cookie(headers[b"cookie"].decode("latin1"))
        cookie_session = cookies.get(settings.SESSION_COOKIE_NAME)
        if cookie_session:
            return await _user_from_cookie(cookie_session)
    return None, None
