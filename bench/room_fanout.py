"""S2 — one room, 500 subscribers, one server process: how fast does a message reach everyone?

For Kring (daphne, PostgreSQL, channel layer as configured) and for R1 (a minimal `websockets`
broadcast server, same protocol) in the same run:
* saturation: posts offered faster than the server can deliver; delivered messages/s;
* latency at half of Kring's saturation rate: p50 / p99 from post to arrival;
* server CPU-seconds per 1,000 deliveries (from /proc: steadier than wall time).
Targets (issue 6): delivered/s >= 0.5x R1; p99 <= 50 ms at half rate.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

from bench.common import (
    BASE_DIR,
    Process,
    Table,
    bench_community,
    bench_env,
    ensure_postgres_database,
    free_port,
    percentile,
    setup_django,
    start_daphne,
)
from bench.load import close_all, connect_many, room_load, subscribe_all

SUBSCRIBERS = int(os.environ.get("BENCH_SUBSCRIBERS", "500"))
SATURATION_RATE = float(os.environ.get("BENCH_SATURATION_RATE", "80"))
SATURATION_POSTS = int(os.environ.get("BENCH_SATURATION_POSTS", "240"))
LATENCY_SECONDS = float(os.environ.get("BENCH_LATENCY_SECONDS", "8"))
LAYER = os.environ.get("BENCH_LAYER", "redis")  # "redis" or "memory"
SLUG = "bench-room"


def prepare_room() -> tuple[int, list[str]]:
    room_ids, tokens = bench_community(SLUG, SUBSCRIBERS + 1)
    return room_ids[0], tokens


def start_reference(port: int, redis_url: str | None = None, name: str = "r1") -> Process:
    command = [sys.executable, "-m", "bench.reference_server", "--port", str(port)]
    if redis_url:
        command += ["--redis", redis_url]
    log = open(f"/tmp/kring-bench-{name}.log", "w")  # noqa: SIM115 - the child keeps it
    popen = subprocess.Popen(command, cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT)
    time.sleep(1.0)
    return Process(popen, name, url=f"http://127.0.0.1:{port}", port=port)


async def measure(
    ws_url: str,
    tokens: list[str] | None,
    room: int,
    server: Process,
    rate: float,
    posts: int,
    tag: str,
) -> dict:
    print(
        f"[S2] {tag}: {rate:.1f} posts/s x {posts} to {SUBSCRIBERS} subscribers",
        file=sys.stderr,
        flush=True,
    )
    headers = [{"X-Session-Token": t} for t in tokens] if tokens else None

    sockets = await connect_many(ws_url, SUBSCRIBERS + 1, headers)
    poster, subscribers = sockets[0], sockets[1:]
    await subscribe_all(subscribers, room)
    cpu_before = server.cpu_seconds()
    result = await room_load(subscribers, poster, room, rate, posts, tag=tag)
    cpu = server.cpu_seconds() - cpu_before
    await close_all(sockets)
    return {
        "rate": result.delivered_per_second(),
        "delivered": result.delivered,
        "expected": posts * SUBSCRIBERS,
        "p50": percentile(result.latencies_ms, 50),
        "p99": percentile(result.latencies_ms, 99),
        "cpu_per_1000": cpu / max(1, result.delivered) * 1000,
        "errors": result.errors,
    }


def main() -> str:
    ensure_postgres_database()
    overrides = {"KRING_WORKER_IN_PROCESS": "0"}
    if LAYER == "memory":
        overrides["REDIS_URL"] = ""
    env = bench_env(**overrides)
    setup_django(env)
    room, tokens = prepare_room()

    daphne = start_daphne(env)
    kring_ws = f"ws://127.0.0.1:{daphne.port}/ws/"
    try:
        kring_sat = asyncio.run(
            measure(kring_ws, tokens, room, daphne, SATURATION_RATE, SATURATION_POSTS, "ks")
        )
        half_rate = max(1.0, kring_sat["rate"] / 2 / SUBSCRIBERS)
        latency_posts = max(20, int(half_rate * LATENCY_SECONDS))
        kring_lat = asyncio.run(
            measure(kring_ws, tokens, room, daphne, half_rate, latency_posts, "kl")
        )
    finally:
        daphne.stop()

    reference = start_reference(free_port())
    reference_ws = f"ws://127.0.0.1:{reference.port}/"
    try:
        ref_sat = asyncio.run(
            measure(reference_ws, None, room, reference, SATURATION_RATE, SATURATION_POSTS, "rs")
        )
        ref_lat = asyncio.run(
            measure(reference_ws, None, room, reference, half_rate, latency_posts, "rl")
        )
    finally:
        reference.stop()

    layer = "Redis channel layer" if LAYER == "redis" else "in-memory channel layer"
    table = Table(
        f"S2 one room, {SUBSCRIBERS} subscribers, one process (Kring: daphne + PostgreSQL + {layer})",
        ["measure", "Kring", "R1 (websockets.broadcast)", "ratio Kring/R1", "target"],
    )
    table.add("delivered messages/s at saturation", kring_sat["rate"], ref_sat["rate"],
              f"{kring_sat['rate'] / ref_sat['rate']:.2f}x", ">= 0.5x")  # fmt: skip
    table.add("deliveries received / expected (saturation)", f"{kring_sat['delivered']:,}/{kring_sat['expected']:,}",
              f"{ref_sat['delivered']:,}/{ref_sat['expected']:,}", "", "all")  # fmt: skip
    table.add(f"p50 latency (ms) at {half_rate:.1f} posts/s ({half_rate * SUBSCRIBERS:,.0f} deliveries/s)",
              kring_lat["p50"], ref_lat["p50"], f"{kring_lat['p50'] / ref_lat['p50']:.2f}x", "")  # fmt: skip
    table.add("p99 latency (ms) at the same rate", kring_lat["p99"], ref_lat["p99"],
              f"{kring_lat['p99'] / ref_lat['p99']:.2f}x", "<= 50 ms")  # fmt: skip
    table.add("server CPU-s per 1,000 deliveries (saturation)", kring_sat["cpu_per_1000"], ref_sat["cpu_per_1000"],
              f"{kring_sat['cpu_per_1000'] / ref_sat['cpu_per_1000']:.2f}x", "")  # fmt: skip
    table.add("server CPU-s per 1,000 deliveries (half rate)", kring_lat["cpu_per_1000"], ref_lat["cpu_per_1000"],
              f"{kring_lat['cpu_per_1000'] / ref_lat['cpu_per_1000']:.2f}x", "")  # fmt: skip
    return table.markdown()


if __name__ == "__main__":
    from bench.common import write_results

    text = main()
    print(text)
    write_results("S2", text)
