"""Shared fixtures: data, authenticated sockets, and a real daphne process for end-to-end tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db.backends.signals import connection_created

from realtime.routing import websocket_application

from .factories import PASSWORD, CommunityFactory, MembershipFactory, UserFactory

BASE_DIR = Path(__file__).resolve().parent.parent
IN_CI = bool(os.environ.get("CI"))
FLUSH_ATTEMPTS = 3

# Listeners told every SQL statement any thread runs (tests that count what a path costs).
# Tapped as each connection opens, from the start of the run: a thread's SQLite connection to
# an in-memory database is kept across tests, so a tap added later would miss it.
STATEMENT_LISTENERS: list[Any] = []


def _tell_statement_listeners(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    for listener in list(STATEMENT_LISTENERS):
        listener(sql)
    return execute(sql, params, many, context)


def _tap_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    if _tell_statement_listeners not in connection.execute_wrappers:
        connection.execute_wrappers.append(_tell_statement_listeners)


connection_created.connect(_tap_connection, weak=False)


def _flush_retrying_deadlocks(original: Any) -> Any:
    """Transactional tests end with a flush (TRUNCATE of every table) while a live daphne
    process may still be querying; PostgreSQL can then choose the TRUNCATE as a deadlock
    victim. The flush is one transaction, rolled back whole, so trying again is safe."""

    def teardown(self: Any) -> None:
        from django.core.management.base import CommandError

        for attempt in range(FLUSH_ATTEMPTS):
            try:
                return original(self)
            except CommandError as exc:
                if "deadlock detected" not in str(exc.__cause__) or attempt == FLUSH_ATTEMPTS - 1:
                    raise
                time.sleep(0.2)

    return teardown


def pytest_configure(config: Any) -> None:
    from django.test import TransactionTestCase

    TransactionTestCase._fixture_teardown = _flush_retrying_deadlocks(  # type: ignore[method-assign]
        TransactionTestCase._fixture_teardown
    )


@pytest.fixture(scope="session", autouse=True)
def _close_worker_thread_connections(django_db_setup: Any) -> Iterator[None]:
    yield
    # database_sync_to_async ran ORM calls on asgiref's shared worker thread; its connection
    # must be closed before the test database can be dropped.
    from asgiref.sync import SyncToAsync
    from django.db import connections

    SyncToAsync.single_thread_executor.submit(connections.close_all).result()


@pytest.fixture(autouse=True)
def _fresh_channel_layer() -> Iterator[None]:
    # Each test gets its own event loop; a layer built on an earlier loop must not be reused.
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(scope="session", autouse=True)
def _remove_uploaded_test_files() -> Iterator[None]:
    yield
    import shutil

    if Path(settings.MEDIA_ROOT).name == ".test-media":  # never a real upload folder
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:

    from django.core.cache import cache

    cache.clear()
    yield


def session_token_for(user: Any) -> str:
    """A logged-in session for ``user``; its key is also allauth's X-Session-Token."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


@dataclass
class Member:
    user: Any
    token: str


@pytest.fixture
def community(db: Any) -> Any:
    return CommunityFactory()


@pytest.fixture
def room(community: Any) -> Any:
    return community.rooms.get(name="general")


def make_member(
    community: Any, role: str = "member", state: str = "active", **user_fields: Any
) -> Member:
    user = UserFactory(**user_fields)
    MembershipFactory(community=community, user=user, role=role, state=state)
    return Member(user=user, token=session_token_for(user))


@pytest.fixture
def alice(community: Any) -> Member:
    return make_member(community, display_name="Alice Anders")


@pytest.fixture
def bob(community: Any) -> Member:
    return make_member(community, display_name="Bob Berg")


def ws_application() -> Any:
    return websocket_application


async def connect(
    token: str | None = None, headers: list[tuple[bytes, bytes]] | None = None
) -> WebsocketCommunicator:
    """An open communicator on /ws/ (token auth unless ``headers`` say otherwise)."""
    all_headers = list(headers or [])
    if token:
        all_headers.append((b"x-session-token", token.encode()))
    communicator = WebsocketCommunicator(ws_application(), "/ws/", headers=all_headers)
    connected, _ = await communicator.connect()
    assert connected, "handshake refused"
    # The consumer registers with the hub right after accepting; frames are handled only after
    # that, so a pong proves the socket is registered (no race with what the test does next).
    await communicator.send_json_to({"type": "ping", "ref": "registered"})
    assert await communicator.receive_json_from(timeout=3) == {"type": "pong", "ref": "registered"}
    return communicator


async def receive_until(
    communicator: WebsocketCommunicator, frame_type: str, timeout: float = 3
) -> dict:
    """Next frame of ``frame_type``, skipping others (presence, typing...)."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"no {frame_type} frame within {timeout}s")
        frame = await communicator.receive_json_from(timeout=remaining)
        if frame["type"] == frame_type:
            return frame


# --- a real daphne process ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(settings_dict: dict[str, Any]) -> str:
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{Path(settings_dict['NAME']).resolve()}"
    user = settings_dict.get("USER") or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{settings_dict['NAME']}"


@dataclass
class LiveServer:
    url: str
    ws_url: str
    process: subprocess.Popen
    log_path: Path
    env: dict[str, str]
    worker: subprocess.Popen | None = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]


# The test process and the daphne processes share one database; their workers take only
# their own outbox queue, so a job made by a test is processed where the test expects it.
E2E_QUEUE = "e2e"


def server_env(overrides: dict[str, str] | None = None) -> dict[str, str]:
    from django.db import connection

    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings_test",
        DATABASE_URL=database_url(connection.settings_dict),
        KRING_POSTS_PER_MINUTE="100000",
        KRING_OUTBOX_QUEUE=E2E_QUEUE,
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides or {})
    return env


def start_worker(env: dict[str, str], log_name: str = "worker") -> subprocess.Popen:
    """`manage.py run_worker`, as the Procfile's worker process."""
    # The child keeps its own copy of the log's file descriptor.
    with Path(f"/tmp/kring-test-{log_name}-{os.getpid()}.log").open("a") as log:
        return subprocess.Popen(
            [sys.executable, "manage.py", "run_worker"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def start_daphne(
    env_overrides: dict[str, str] | None = None, log_name: str = "daphne"
) -> LiveServer:
    """A real server process as `make serve` runs it (``config.server``: daphne with Kring's
    bounded HTTP front and the WebSocket limits of the settings)."""
    port = _free_port()
    env = server_env(env_overrides)
    log_path = Path(f"/tmp/kring-test-{log_name}-{port}.log")
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "config.server", "--host", "127.0.0.1", "--port", str(port)],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = LiveServer(
        url=f"http://127.0.0.1:{port}",
        ws_url=f"ws://127.0.0.1:{port}/ws/",
        process=process,
        log_path=log_path,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited early:\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{server.url}/healthz/live", timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"daphne did not become healthy:\n{server.log()}")


def stop_process(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def stop_daphne(server: LiveServer) -> None:
    stop_process(server.process)
    if server.worker is not None:
        stop_process(server.worker)


@pytest.fixture(scope="session")
def daphne_server(django_db_setup: Any, django_db_blocker: Any) -> Iterator[LiveServer]:
    server = start_daphne()
    yield server
    stop_daphne(server)


@pytest.fixture
def e2e_worker(daphne_server: LiveServer, transactional_db: Any) -> Iterator[LiveServer]:
    """The notification worker of the daphne server: inside daphne with the embedded
    default; with Redis a `run_worker` process of its own, stopped before the test's data is
    flushed (PostgreSQL's TRUNCATE would deadlock with its polling)."""
    if not settings.KRING_WORKER_IN_PROCESS:
        daphne_server.worker = start_worker(daphne_server.env)
    yield daphne_server
    if daphne_server.worker is not None:
        stop_process(daphne_server.worker)
        daphne_server.worker = None


def http_json(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"content-type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def login_over_http(server: LiveServer, email: str, password: str = PASSWORD) -> str:
    """Sign in through allauth's headless app API, as a mobile client would."""
    status, body = http_json(
        "POST", f"{server.url}/_allauth/app/v1/auth/login", {"email": email, "password": password}
    )
    assert status == 200, body
    return body["meta"]["session_token"]


async def frames_within(communicator: WebsocketCommunicator, seconds: float = 0.2) -> list[dict]:
    """Every frame that arrives within ``seconds`` (presence batches included)."""
    frames = []
    while not await communicator.receive_nothing(timeout=seconds):
        frames.append(await communicator.receive_json_from())
    return frames


async def assert_no_more_events(communicator: WebsocketCommunicator, seconds: float = 0.2) -> None:
    events = [f for f in await frames_within(communicator, seconds) if f["type"] == "event"]
    assert events == [], "an event was delivered twice or unexpectedly"


@pytest.fixture
def push_service() -> Iterator[Any]:
    """A real push service on 127.0.0.1 (tests/push_service.py): checks VAPID, decrypts."""
    from .push_service import PushService

    service = PushService().start()
    yield service
    service.stop()
