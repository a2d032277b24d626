"""Shared pieces of Kring's benchmarks: a throw-away database, server processes, sockets, CPU.

Benchmarks print their own figures next to a reference measured in the same run, as a ratio
(see bench/README.md). They are not tests and assert nothing.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kring_bench")
BENCH_REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def ensure_postgres_database(url: str = BENCH_DB) -> None:
    """Create the benchmark database if it does not exist (PostgreSQL, trust auth)."""
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def bench_env(**overrides: str) -> dict[str, str]:
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings",
        # A development deployment as far as secrets, mail and push keys go: without it the
        # settings refuse to start (no SECRET_KEY file, no mail URL, no VAPID key).
        KRING_DEV="1",
        DATABASE_URL=BENCH_DB,
        REDIS_URL=BENCH_REDIS,
        SECRET_KEY="kring-benchmarks-only-not-a-real-secret-0123456789abcdef",
        KRING_POSTS_PER_MINUTE="0",
        KRING_OUTBOX_QUEUE="bench",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def setup_django(env: dict[str, str]) -> None:
    """Configure Django in this process against the benchmark database, migrated."""
    os.environ.update({k: v for k, v in env.items() if k in (
        "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "KRING_OUTBOX_QUEUE",
        "KRING_POSTS_PER_MINUTE", "LOG_LEVEL", "KRING_WORKER_IN_PROCESS", "KRING_DEV")})  # fmt: skip
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Process:
    popen: subprocess.Popen
    name: str
    url: str = ""
    port: int = 0

    @property
    def pid(self) -> int:
        return self.popen.pid

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def start_daphne(
    env: dict[str, str],
    name: str = "daphne",
    port: int | None = None,
    module: str = "config.server",
) -> Process:
    port = port or free_port()
    log = Path(f"/tmp/kring-bench-{name}-{port}.log").open("w")  # noqa: SIM115 - the child keeps it
    popen = subprocess.Popen(
        [sys.executable, "-m", module, "--host", "127.0.0.1", "--port", str(port)],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    process = Process(popen, name, url=f"http://127.0.0.1:{port}", port=port)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{process.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    process.stop()
    raise RuntimeError(f"{name} did not start; see /tmp/kring-bench-{name}-{port}.log")


def start_worker(env: dict[str, str], name: str = "worker") -> Process:
    log = Path(f"/tmp/kring-bench-{name}.log").open("w")  # noqa: SIM115 - the child keeps it
    popen = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker"], cwd=BASE_DIR, env=env, stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    time.sleep(1.5)  # Django start-up
    return Process(popen, name)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (steadier than wall time)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def session_tokens(users: list[Any]) -> list[str]:
    """Logged-in sessions for many users at once; the keys work as X-Session-Token."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    store = SessionStore()
    sessions, keys = [], []
    expires = timezone.now() + timezone.timedelta(days=1)
    for user in users:
        key = store._get_new_session_key()
        data = store.encode({
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        })  # fmt: skip
        sessions.append(Session(session_key=key, session_data=data, expire_date=expires))
        keys.append(key)
    Session.objects.bulk_create(sessions, batch_size=2000)
    return keys


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def add(self, *cells: Any) -> None:
        self.rows.append(
            [
                c if isinstance(c, str) else f"{c:,.3f}" if isinstance(c, float) else str(c)
                for c in cells
            ]
        )

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", "| " + " | ".join(self.columns) + " |",
                 "|" + "---|" * len(self.columns)]  # fmt: skip
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines) + "\n"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@contextmanager
def processes(*running: Process) -> Iterator[None]:
    try:
        yield
    finally:
        for process in running:
            process.stop()


def write_results(section: str, text: str) -> None:
    """Replace (or add) one section of bench/RESULTS.md."""
    path = BASE_DIR / "bench" / "RESULTS.md"
    current = path.read_text() if path.exists() else "# Kring benchmark results\n"
    start_marker, end_marker = f"<!-- {section} -->", f"<!-- /{section} -->"
    block = f"{start_marker}\n{text.rstrip()}\n{end_marker}"
    if start_marker in current:
        before = current.split(start_marker)[0]
        after = current.split(end_marker, 1)[1]
        current = before + block + after
    else:
        current = current.rstrip() + "\n\n" + block + "\n"
    path.write_text(current)


def bench_community(slug: str, members: int, rooms: int = 1) -> tuple[list[int], list[str]]:
    """A community with ``members`` members (the first one its facilitator) and ``rooms``
    rooms; returns the room ids and one session token per member. Users are reused between
    runs; the community is made afresh."""
    from community import services
    from community.models import Community, Membership, User

    Community.objects.filter(slug=slug).delete()
    existing = set(User.objects.filter(email__startswith="bench-").values_list("email", flat=True))
    User.objects.bulk_create(
        [User(email=f"bench-{i}@bench.test", display_name=f"Bench Teacher {i}", handle=f"bench-{i}")
         for i in range(members) if f"bench-{i}@bench.test" not in existing],
        batch_size=2000,
    )  # fmt: skip
    users = list(User.objects.filter(email__startswith="bench-").order_by("pk")[:members])
    community = services.community_create(creator=users[0], name=slug, kind="hub", slug=slug)
    Membership.objects.bulk_create(
        [Membership(community=community, user=u) for u in users[1:]], batch_size=2000
    )
    for i in range(1, rooms):
        services.room_create(community=community, name=f"room-{i}")
    room_ids = list(community.rooms.order_by("pk").values_list("pk", flat=True))
    return room_ids, session_tokens(users)
