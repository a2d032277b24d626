"""S2 — one room, 500 subscribers, one server process: how fast does a message reach everyone?

For Kring (daphne, PostgreSQL, channel layer as configured) and for R1 (a minimal `websockets`
broadcast server, same protocol) in the same run:
* saturation: posts offered faster than the server can deliver; delivered messages/s;
* latency at half of Kring's saturation rate: p50 / p99 from post to arrival;
* server CPU per 1,000 deliveries at 10,000 and 30,000 deliveries/s (issue 20's rates), paired:
  both servers stay up and take turns, Kring first in one round and R1 first in the next, so
  the machine's drift falls on both; the median of the rounds is reported with each round's
  ratio. Each run starts once the server is at rest after its 500 subscribes (what a subscribe
  costs is S1's and S6's measure, not a delivery's) and lasts long enough for /proc's 10 ms
  clock ticks to be a small part of it. CPU comes from /proc: steadier than wall time.
* where that CPU goes, paired the same way: what a post costs apart from its fan-out (one
  subscriber, at the 10,000/s run's 20 posts/s and at 100 posts/s), and what each further
  delivery costs (the 10,000/s run less the one-subscriber run, per delivery).
Targets: delivered/s >= 0.5x R1; p99 <= 50 ms at half rate; CPU per delivery <= 1.3x R1 at
both paired rates (issue 20).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable

from bench.common import (
    BASE_DIR,
    Process,
    Table,
    bench_community,
    bench_env,
    ensure_postgres_database,
    free_port,
    median,
    percentile,
    processes,
    setup_django,
    start_daphne,
)
from bench.load import close_all, connect_many, room_load, subscribe_all

SUBSCRIBERS = int(os.environ.get("BENCH_SUBSCRIBERS", "500"))
SATURATION_RATE = float(os.environ.get("BENCH_SATURATION_RATE", "80"))
SATURATION_POSTS = int(os.environ.get("BENCH_SATURATION_POSTS", "240"))
LATENCY_SECONDS = float(os.environ.get("BENCH_LATENCY_SECONDS", "8"))
LAYER = os.environ.get("BENCH_LAYER", "redis")  # "redis" or "memory"
PAIRED_RATES = (10_000, 30_000)  # deliveries/s
PAIRED_ROUNDS = int(os.environ.get("BENCH_PAIRED_ROUNDS", "3"))
PAIRED_SECONDS = float(os.environ.get("BENCH_PAIRED_SECONDS", "8"))
PER_POST_RATES = (20, 100)  # posts/s to one subscriber: the 10,000/s run's rate, and warmer
# At rest: a half-second window with at most this much server CPU (one /proc tick is 10 ms).
REST_CPU_SECONDS = 0.01
REST_MAX_WAIT = 10.0
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


async def _at_rest(server: Process) -> None:
    """Wait (at most ``REST_MAX_WAIT`` s) for a half-second in which the server did nothing."""
    deadline = time.monotonic() + REST_MAX_WAIT
    while time.monotonic() < deadline:
        before = server.cpu_seconds()
        await asyncio.sleep(0.5)
        if server.cpu_seconds() - before <= REST_CPU_SECONDS:
            return


async def measure(
    ws_url: str,
    tokens: list[str] | None,
    room: int,
    server: Process,
    rate: float,
    posts: int,
    tag: str,
    *,
    from_rest: bool = False,
    subscriber_count: int = SUBSCRIBERS,
) -> dict:
    print(
        f"[S2] {tag}: {rate:.1f} posts/s x {posts} to {subscriber_count} subscribers",
        file=sys.stderr,
        flush=True,
    )
    headers = [{"X-Session-Token": t} for t in tokens[: subscriber_count + 1]] if tokens else None

    sockets = await connect_many(ws_url, subscriber_count + 1, headers)
    poster, subscribers = sockets[0], sockets[1:]
    await subscribe_all(subscribers, room)
    if from_rest:
        await _at_rest(server)
    cpu_before = server.cpu_seconds()
    result = await room_load(subscribers, poster, room, rate, posts, tag=tag)
    cpu = server.cpu_seconds() - cpu_before
    await close_all(sockets)
    return {
        "rate": result.delivered_per_second(),
        "delivered": result.delivered,
        "expected": posts * subscriber_count,
        "p50": percentile(result.latencies_ms, 50),
        "p99": percentile(result.latencies_ms, 99),
        "cpu_per_1000": cpu / max(1, result.delivered) * 1000,
        "errors": result.errors,
    }


async def cpu_per_1000(
    ws_url: str, tokens: list[str] | None, room: int, server: Process, deliveries_per_second: int
) -> float:
    """Server CPU-ms per 1,000 deliveries at a steady rate, measured from rest."""
    rate = deliveries_per_second / SUBSCRIBERS
    posts = int(rate * PAIRED_SECONDS)
    run = await measure(ws_url, tokens, room, server, rate, posts, "cpu", from_rest=True)
    if run["delivered"] < run["expected"]:
        print(f"[S2] {server.name}: {run['delivered']:,} of {run['expected']:,} delivered",
              file=sys.stderr)  # fmt: skip
    return run["cpu_per_1000"] * 1000


async def cpu_ms_per_post(
    ws_url: str, tokens: list[str] | None, room: int, server: Process, posts_per_second: int
) -> float:
    """Server CPU-ms per post to a single subscriber at a steady rate, measured from rest."""
    posts = int(posts_per_second * PAIRED_SECONDS)
    run = await measure(ws_url, tokens, room, server, posts_per_second, posts, "post",
                        from_rest=True, subscriber_count=1)  # fmt: skip
    return run["cpu_per_1000"]  # one delivery per post: CPU-s per 1,000 = CPU-ms per post


def take_turns(
    kring: tuple[str, list[str], Process],
    reference: tuple[str, Process],
    room: int,
    rates: tuple[int, ...],
    run_one: Callable[[str, list[str] | None, int, Process, int], Awaitable[float]],
) -> dict[int, list[tuple[float, float]]]:
    """(Kring, R1) figures of ``run_one`` per rate and round: Kring first in one round, R1
    first in the next, so the machine's drift falls on both."""
    kring_ws, tokens, daphne = kring
    reference_ws, r1 = reference
    servers = {"kring": (kring_ws, tokens, daphne), "r1": (reference_ws, None, r1)}
    runs: dict[int, list[tuple[float, float]]] = {}
    for rate in rates:
        for round_ in range(PAIRED_ROUNDS):
            print(f"[S2] {run_one.__name__} at {rate:,}/s, round {round_ + 1}", file=sys.stderr)
            measured = {}
            for which in ("kring", "r1") if round_ % 2 == 0 else ("r1", "kring"):
                ws_url, which_tokens, server = servers[which]
                measured[which] = asyncio.run(run_one(ws_url, which_tokens, room, server, rate))
            runs.setdefault(rate, []).append((measured["kring"], measured["r1"]))
    return runs


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
    reference = start_reference(free_port())
    reference_ws = f"ws://127.0.0.1:{reference.port}/"
    with processes(daphne, reference):
        kring_sat = asyncio.run(
            measure(kring_ws, tokens, room, daphne, SATURATION_RATE, SATURATION_POSTS, "ks")
        )
        half_rate = max(1.0, kring_sat["rate"] / 2 / SUBSCRIBERS)
        latency_posts = max(20, int(half_rate * LATENCY_SECONDS))
        kring_lat = asyncio.run(
            measure(kring_ws, tokens, room, daphne, half_rate, latency_posts, "kl")
        )
        ref_sat = asyncio.run(
            measure(reference_ws, None, room, reference, SATURATION_RATE, SATURATION_POSTS, "rs")
        )
        ref_lat = asyncio.run(
            measure(reference_ws, None, room, reference, half_rate, latency_posts, "rl")
        )
        servers = (kring_ws, tokens, daphne), (reference_ws, reference)
        paired = take_turns(*servers, room, PAIRED_RATES, cpu_per_1000)
        per_post = take_turns(*servers, room, PER_POST_RATES, cpu_ms_per_post)

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
    table.add("server CPU-ms per 1,000 deliveries (saturation run, from the last subscribe)",
              kring_sat["cpu_per_1000"] * 1000, ref_sat["cpu_per_1000"] * 1000,
              f"{kring_sat['cpu_per_1000'] / ref_sat['cpu_per_1000']:.2f}x", "")  # fmt: skip
    table.add("server CPU-ms per 1,000 deliveries (half-rate run, from the last subscribe)",
              kring_lat["cpu_per_1000"] * 1000, ref_lat["cpu_per_1000"] * 1000,
              f"{kring_lat['cpu_per_1000'] / ref_lat['cpu_per_1000']:.2f}x", "")  # fmt: skip
    for deliveries_per_second, pairs in paired.items():
        kring_cpu, ref_cpu = medians(pairs)
        each = ", ".join(f"{k / r:.2f}" for k, r in pairs)
        table.add(f"server CPU-ms per 1,000 deliveries at {deliveries_per_second:,}/s, from rest "
                  f"(median of {len(pairs)} paired runs of {PAIRED_SECONDS:g} s; each run's ratio: {each})",
                  kring_cpu, ref_cpu, f"{kring_cpu / ref_cpu:.2f}x", "<= 1.3x")  # fmt: skip
    add_parts(table, paired, per_post)
    return table.markdown()


def medians(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    """The median of Kring's figures and of R1's, over paired rounds."""
    return median([k for k, _r in pairs]), median([r for _k, r in pairs])


def add_parts(
    table: Table,
    paired: dict[int, list[tuple[float, float]]],
    per_post: dict[int, list[tuple[float, float]]],
) -> None:
    """Rows saying where the paired CPU goes: per post (one subscriber) and per delivery."""
    for posts_per_second, pairs in per_post.items():
        kring_post, ref_post = medians(pairs)
        table.add(f"server CPU-ms per post, one subscriber, {posts_per_second} posts/s, from rest "
                  f"(median of {len(pairs)} paired runs)",
                  kring_post, ref_post, f"{kring_post / ref_post:.2f}x", "")  # fmt: skip
    rate = PAIRED_RATES[0]
    posts_per_second = rate / SUBSCRIBERS
    if posts_per_second not in per_post:
        return
    # The 10,000/s run less the one-subscriber run at the same post rate, per delivery beyond
    # the first: what the fan-out itself costs. Per post, in ms, Kring's then R1's.
    one_subscriber = medians(per_post[posts_per_second])
    all_subscribers = [m * SUBSCRIBERS / 1000 for m in medians(paired[rate])]
    kring_us, ref_us = ((a - o) / (SUBSCRIBERS - 1) * 1000
                        for a, o in zip(all_subscribers, one_subscriber, strict=True))  # fmt: skip
    table.add(f"server CPU-us per delivery beyond the first (the {rate:,}/s run less the one-subscriber run)",
              kring_us, ref_us, f"{kring_us / ref_us:.2f}x", "")  # fmt: skip


if __name__ == "__main__":
    from bench.common import write_results

    text = main()
    print(text)
    write_results("S2", text)
