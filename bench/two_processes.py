"""S4 — two server processes over Redis: 250 subscribers on each, the poster on the first.

Kring (two daphne processes, PostgreSQL, both channels_redis layers in turn) against R2 (two
R1 processes fanning out through Redis PUBLISH), in the same run: delivered messages/s, and
every subscriber's received seqs checked: lost (never delivered) and duplicates must be 0.
Target (issue 6): throughput >= 0.5x R2, lost = 0.
"""

from __future__ import annotations

import asyncio
import os

from bench.common import (
    BENCH_REDIS,
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
from bench.room_fanout import start_reference

SUBSCRIBERS = int(os.environ.get("BENCH_SUBSCRIBERS", "500"))
RATE = float(os.environ.get("BENCH_SATURATION_RATE", "80"))
POSTS = int(os.environ.get("BENCH_SATURATION_POSTS", "120"))


async def measure(urls: list[str], tokens: list[str] | None, room: int, processes: list) -> dict:
    half = SUBSCRIBERS // 2
    headers = [{"X-Session-Token": t} for t in tokens] if tokens else None
    first = await connect_many(urls[0], half + 1, headers[: half + 1] if headers else None)
    second = await connect_many(
        urls[1], SUBSCRIBERS - half, headers[half + 1 :] if headers else None
    )
    poster, subscribers = first[0], first[1:] + second
    await subscribe_all(subscribers, room)
    cpu_before = sum(p.cpu_seconds() for p in processes)
    result = await room_load(subscribers, poster, room, RATE, POSTS, keep_seqs=True, tag="s4")
    cpu = sum(p.cpu_seconds() for p in processes) - cpu_before
    await close_all(first + second)
    expected = set(range(1, POSTS + 1))
    lost = duplicates = 0
    for seqs in result.seqs_per_subscriber:
        base = min(seqs) - 1 if seqs else 0  # R2 seqs continue between runs
        got = [s - base for s in seqs]
        duplicates += len(got) - len(set(got))
        lost += len(expected - set(got))
    return {"rate": result.delivered_per_second(), "lost": lost, "duplicates": duplicates,
            "p99": percentile(result.latencies_ms, 99), "cpu": cpu / max(1, result.delivered) * 1000,
            "acked": result.acked}  # fmt: skip


def kring(flavour: str, room: int, tokens: list[str]) -> dict:
    env = bench_env(KRING_WORKER_IN_PROCESS="0", CHANNEL_LAYER_FLAVOUR=flavour)
    a, b = start_daphne(env, f"daphne-a-{flavour}"), start_daphne(env, f"daphne-b-{flavour}")
    try:
        return asyncio.run(
            measure(
                [f"ws://127.0.0.1:{a.port}/ws/", f"ws://127.0.0.1:{b.port}/ws/"],
                tokens,
                room,
                [a, b],
            )
        )
    finally:
        a.stop()
        b.stop()


def main() -> str:
    ensure_postgres_database()
    setup_django(bench_env(KRING_WORKER_IN_PROCESS="0"))
    room_ids, tokens = bench_community("bench-two", SUBSCRIBERS + 1)
    results = {flavour: kring(flavour, room_ids[0], tokens) for flavour in ("core", "pubsub")}
    r2a, r2b = (
        start_reference(free_port(), BENCH_REDIS, "r2-a"),
        start_reference(free_port(), BENCH_REDIS, "r2-b"),
    )
    try:
        reference = asyncio.run(
            measure(
                [f"ws://127.0.0.1:{r2a.port}/", f"ws://127.0.0.1:{r2b.port}/"], None, 1, [r2a, r2b]
            )
        )
    finally:
        r2a.stop()
        r2b.stop()
    table = Table(
        f"S4 two processes over Redis: {SUBSCRIBERS} subscribers split over both, poster on the first, {POSTS} posts offered at {RATE:.0f}/s",
        [
            "measure",
            "Kring, RedisChannelLayer",
            "Kring, RedisPubSubChannelLayer",
            "R2 (2 x websockets + PUBLISH)",
            "ratio (best Kring / R2)",
            "target",
        ],
    )
    best = max(results.values(), key=lambda r: r["rate"])
    table.add("delivered messages/s", results["core"]["rate"], results["pubsub"]["rate"], reference["rate"],
              f"{best['rate'] / reference['rate']:.2f}x", ">= 0.5x")  # fmt: skip
    table.add(
        "lost messages",
        str(results["core"]["lost"]),
        str(results["pubsub"]["lost"]),
        str(reference["lost"]),
        "",
        "0",
    )
    table.add("duplicate deliveries", str(results["core"]["duplicates"]), str(results["pubsub"]["duplicates"]),
              str(reference["duplicates"]), "", "0")  # fmt: skip
    table.add(
        "p99 latency at saturation (ms)",
        results["core"]["p99"],
        results["pubsub"]["p99"],
        reference["p99"],
        "",
        "",
    )
    table.add("server CPU-s per 1,000 deliveries (both processes)", results["core"]["cpu"], results["pubsub"]["cpu"],
              reference["cpu"], f"{best['cpu'] / reference['cpu']:.2f}x", "")  # fmt: skip
    return table.markdown()


if __name__ == "__main__":
    from bench.common import write_results

    text = main()
    print(text)
    write_results("S4", text)
