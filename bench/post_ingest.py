"""S3 — post ingest with persistence and seq: acknowledged posts/s and latency, against R3.

BENCH_POSTERS (8) sockets post as fast as their acks come back (closed loop), each in its own
room, for BENCH_INGEST_SECONDS. R3, in the same run: the same number of rows written with
plain SQL by as many connections, each row its own transaction (the same durability an
acknowledged post has): take the room's next seq, insert the event, commit.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from pathlib import Path

from bench.common import (
    BENCH_DB,
    Table,
    bench_community,
    bench_env,
    ensure_postgres_database,
    percentile,
    setup_django,
    start_daphne,
)
from bench.load import close_all, connect_many

POSTERS = int(os.environ.get("BENCH_POSTERS", "8"))
QUERY_FILE = Path(f"/tmp/kring-bench-s3-queries-{os.getpid()}")
SECONDS = float(os.environ.get("BENCH_INGEST_SECONDS", "10"))


async def kring_ingest(ws_url: str, tokens: list[str], room_ids: list[int]) -> dict:
    sockets = await connect_many(
        ws_url, POSTERS, [{"X-Session-Token": t} for t in tokens[:POSTERS]]
    )
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + SECONDS

    async def post_loop(socket, room: int, index: int) -> None:
        nonlocal errors
        n = 0
        while time.monotonic() < deadline:
            started = time.monotonic()
            await socket.send(
                json.dumps(
                    {
                        "type": "post",
                        "room": room,
                        "body": f"ingest {index}-{n}",
                        "ref": f"i{index}-{n}-{started}",
                    }
                )
            )
            while True:
                raw = await socket.recv()
                if '"type":"ack"' in raw:
                    break
                if '"type":"error"' in raw:
                    errors += 1
                    break
            latencies.append((time.monotonic() - started) * 1000)
            n += 1

    started = time.monotonic()
    await asyncio.gather(*(post_loop(s, room_ids[i], i) for i, s in enumerate(sockets)))
    elapsed = time.monotonic() - started
    await close_all(sockets)
    return {"rate": len(latencies) / elapsed, "p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
            "count": len(latencies), "errors": errors}  # fmt: skip


def raw_ingest(room_ids: list[int], author_id: int, total: int) -> dict:
    import psycopg

    per_thread = total // POSTERS
    latencies: list[float] = []
    lock = threading.Lock()

    def writer(room: int) -> None:
        with psycopg.connect(BENCH_DB) as connection:
            for n in range(per_thread):
                started = time.monotonic()
                with connection.transaction():
                    seq = connection.execute(
                        "UPDATE community_room SET last_seq = last_seq + 1 WHERE id = %s RETURNING last_seq",
                        [room],
                    ).fetchone()[0]
                    connection.execute(
                        "INSERT INTO community_roomevent (room_id, seq, kind, author_id, body, html, data, created_at, hidden_reason) "
                        "VALUES (%s, %s, 'message', %s, %s, %s, '{}', now(), '')",
                        [room, seq, author_id, f"raw {n}", f"<p>raw {n}</p>"],
                    )
                with lock:
                    latencies.append((time.monotonic() - started) * 1000)

    threads = [threading.Thread(target=writer, args=(room_ids[i],)) for i in range(POSTERS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "rate": len(latencies) / elapsed,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
    }


def _queries() -> int:
    """SQL statements the server has run so far (bench.counting_server writes them)."""
    return int(QUERY_FILE.read_text()) if QUERY_FILE.exists() else 0


def _batches(url: str) -> tuple[float, float]:
    """Posts and batches (transactions) the server's group commit has stored so far, from its
    ``kring_post_batch_posts`` histogram."""
    import urllib.request

    with urllib.request.urlopen(f"{url}/metrics", timeout=5) as response:
        text = response.read().decode()
    values = {}
    for line in text.splitlines():
        for name in ("kring_post_batch_posts_sum", "kring_post_batch_posts_count"):
            if line.startswith(name + " "):
                values[name] = float(line.split()[1])
    return values.get("kring_post_batch_posts_sum", 0.0), values.get(
        "kring_post_batch_posts_count", 0.0
    )


def main() -> str:
    ensure_postgres_database()
    env = bench_env(KRING_WORKER_IN_PROCESS="0", BENCH_QUERY_COUNT_FILE=str(QUERY_FILE))
    setup_django(env)
    room_ids, tokens = bench_community("bench-ingest", POSTERS, rooms=POSTERS)
    from community.models import User

    author_id = User.objects.get(email="bench-0@bench.test").pk
    daphne = start_daphne(env, module="bench.counting_server")
    try:
        cpu_before = daphne.cpu_seconds()
        queries_before = _queries()
        posts_before, batches_before = _batches(daphne.url)
        kring = asyncio.run(kring_ingest(f"ws://127.0.0.1:{daphne.port}/ws/", tokens, room_ids))
        cpu = daphne.cpu_seconds() - cpu_before
        posts_after, batches_after = _batches(daphne.url)
        time.sleep(1.5)  # the count is written every second
        queries = _queries() - queries_before
    finally:
        daphne.stop()
    raw = raw_ingest(room_ids, author_id, kring["count"])
    table = Table(
        f"S3 post ingest: {POSTERS} closed-loop posters, own rooms, PostgreSQL, one daphne process",
        [
            "measure",
            "Kring (socket post -> stored, seq, broadcast, ack)",
            "R3 (raw SQL: seq + insert + commit)",
            "ratio",
            "target",
        ],
    )
    table.add(
        "acknowledged posts/s",
        kring["rate"],
        raw["rate"],
        f"{kring['rate'] / raw['rate']:.2f}x",
        "",
    )
    table.add("p50 latency (ms)", kring["p50"], raw["p50"], f"{kring['p50'] / raw['p50']:.2f}x", "")
    table.add("p99 latency (ms)", kring["p99"], raw["p99"], f"{kring['p99'] / raw['p99']:.2f}x", "")
    table.add("errors", str(kring["errors"]), "0", "", "0")
    table.add("server CPU-ms per post", cpu / max(1, kring["count"]) * 1000, "—", "", "")
    table.add(
        "SQL statements per post (BEGIN/COMMIT not counted)",
        queries / max(1, kring["count"]),
        "2",
        "",
        "",
    )
    table.add(
        "posts per transaction (group commit)",
        (posts_after - posts_before) / max(1.0, batches_after - batches_before),
        "1",
        "",
        "",
    )
    return table.markdown()


if __name__ == "__main__":
    from bench.common import write_results

    text = main()
    print(text)
    write_results("S3", text)
