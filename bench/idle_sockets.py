"""S1 — idle sockets held by one daphne process, and memory per socket, against R1.

Opens BENCH_IDLE_SOCKETS (10,000) authenticated sockets, each subscribed to one of 20 rooms,
and reads the server's resident memory before and after, then the CPU the server spends per
second while every socket sits idle (pings, timers: what an idle night costs). Targets
(issue 6): >= 10,000 sockets on one process; memory per socket <= 2x R1.
"""

from __future__ import annotations

import asyncio
import os
import time

from bench.common import (
    Table,
    bench_community,
    bench_env,
    cpu_seconds,
    ensure_postgres_database,
    free_port,
    rss_kb,
    setup_django,
    start_daphne,
)
from bench.load import close_all, connect_many
from bench.room_fanout import start_reference

SOCKETS = int(os.environ.get("BENCH_IDLE_SOCKETS", "10000"))
IDLE_SECONDS = float(os.environ.get("BENCH_IDLE_SECONDS", "20"))  # one ping round (20 s)
PER_USER = 20
ROOMS = 20


async def hold(ws_url: str, tokens: list[str] | None, room_ids: list[int], pid: int) -> dict:
    count = len(tokens) * PER_USER if tokens else SOCKETS
    headers = (
        [{"X-Session-Token": tokens[i % len(tokens)]} for i in range(count)] if tokens else None
    )
    before = rss_kb(pid)
    started = time.monotonic()
    sockets = await connect_many(ws_url, count, headers, batch=200)
    for i, socket in enumerate(sockets):
        await socket.send(f'{{"type":"subscribe","room":{room_ids[i % len(room_ids)]}}}')
    for socket in sockets:
        while '"subscribed"' not in await socket.recv():
            pass
    opened = time.monotonic() - started
    await asyncio.sleep(2)  # let the server settle
    after = rss_kb(pid)
    cpu_before = cpu_seconds(pid)
    await asyncio.sleep(IDLE_SECONDS)
    idle_cpu_ms = (cpu_seconds(pid) - cpu_before) / IDLE_SECONDS * 1000
    alive = sum(1 for s in sockets if s.state.name == "OPEN")
    await close_all(sockets)
    return {
        "sockets": alive,
        "kb_per_socket": (after - before) / count,
        "rss_mb": after / 1024,
        "open_s": opened,
        "idle_cpu_ms": idle_cpu_ms,
    }


def main() -> str:
    ensure_postgres_database()
    env = bench_env(KRING_WORKER_IN_PROCESS="0", KRING_MAX_SOCKETS_PER_USER=str(PER_USER))
    setup_django(env)
    room_ids, tokens = bench_community("bench-idle", SOCKETS // PER_USER, rooms=ROOMS)
    daphne = start_daphne(env)
    try:
        kring = asyncio.run(hold(f"ws://127.0.0.1:{daphne.port}/ws/", tokens, room_ids, daphne.pid))
    finally:
        daphne.stop()
    reference = start_reference(free_port())
    try:
        ref = asyncio.run(hold(f"ws://127.0.0.1:{reference.port}/", None, room_ids, reference.pid))
    finally:
        reference.stop()
    table = Table(
        f"S1 idle sockets on one process ({ROOMS} rooms, every socket subscribed)",
        ["measure", "Kring (daphne)", "R1 (websockets)", "ratio Kring/R1", "target"],
    )
    table.add("sockets held open", f"{kring['sockets']:,}", f"{ref['sockets']:,}", "", ">= 10,000")
    table.add("memory per socket (KB, RSS growth)", kring["kb_per_socket"], ref["kb_per_socket"],
              f"{kring['kb_per_socket'] / ref['kb_per_socket']:.2f}x", "<= 2x")  # fmt: skip
    table.add("server RSS with all sockets (MB)", kring["rss_mb"], ref["rss_mb"], "", "")
    table.add("time to open and subscribe all (s)", kring["open_s"], ref["open_s"], "", "")
    table.add(f"server CPU-ms per second with every socket idle ({IDLE_SECONDS:g} s)",
              kring["idle_cpu_ms"], ref["idle_cpu_ms"],
              f"{kring['idle_cpu_ms'] / max(ref['idle_cpu_ms'], 0.01):.2f}x", "")  # fmt: skip
    return table.markdown()


if __name__ == "__main__":
    from bench.common import write_results

    text = main()
    print(text)
    write_results("S1", text)
