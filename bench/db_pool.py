"""P1: PostgreSQL connections under ASGI, pooled (psycopg pool, CONN_MAX_AGE=0, the default)
against persistent per-thread connections (KRING_DB_POOL=false, CONN_MAX_AGE=60), in the same
run. One daphne process each (config.server), 8 closed-loop HTTP clients for a few seconds on
/healthz/ready (a SELECT 1 and a channel-layer publish per request); reports requests/s, p50,
p99 and the server's open PostgreSQL connections afterwards.

    python -m bench.db_pool        (needs PostgreSQL at 127.0.0.1:5432, user postgres)

Run it only on an otherwise idle machine; it takes about 15 s.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE = "kring_bench_pool"
# Small on purpose: persistent connections pile up on the (possibly shared) PostgreSQL.
CLIENTS = 8
SECONDS = 3.0


def psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-Atc", sql],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(pool: bool) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(
        os.environ, KRING_DEV="1", DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        KRING_DB_POOL="true" if pool else "false", LOG_LEVEL="WARNING",
    )  # fmt: skip
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "config.server", "--host", "127.0.0.1", "--port", str(port)],
        cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/healthz/ready"
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start")


def load(url: str, seconds: float = SECONDS) -> tuple[int, list[float], int]:
    """Requests answered 200, their latencies, and how many were not (503: no database)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        mine, failed = [], 0
        while time.monotonic() < stop:
            began = time.monotonic()
            try:
                urllib.request.urlopen(url, timeout=10).read()
            except OSError:  # HTTPError 503 included
                failed += 1
                continue
            mine.append(time.monotonic() - began)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), latencies, errors[0]


def main() -> None:
    if psql(f"select 1 from pg_database where datname = '{DATABASE}'") != "1":
        psql(f"create database {DATABASE}")
    rows = []
    for pool in (False, True):
        process, url = serve(pool)
        try:
            load(url, seconds=0.5)  # warm up
            count, latencies, errors = load(url)
            connections = psql(
                f"select count(*) from pg_stat_activity where datname = '{DATABASE}'"
            )
        finally:
            process.terminate()
            process.wait()
        latencies.sort()
        rows.append((
            "pool (CONN_MAX_AGE=0)" if pool else "persistent (CONN_MAX_AGE=60)",
            count / SECONDS, statistics.median(latencies) * 1000,
            latencies[int(len(latencies) * 0.99)] * 1000, errors, connections,
        ))  # fmt: skip
    print("| connections | answered/s | p50 ms | p99 ms | failed | server connections after |")
    print("|---|---|---|---|---|---|")
    for name, rate, p50, p99, errors, connections in rows:
        print(f"| {name} | {rate:.0f} | {p50:.1f} | {p99:.1f} | {errors} | {connections} |")


if __name__ == "__main__":
    main()
