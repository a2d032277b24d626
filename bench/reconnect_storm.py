"""S6 — a reconnect storm: every client of a process comes back at once and resumes.

N clients (BENCH_STORM_CLIENTS, a list: default 1,000 and 5,000; try 10,000), each with a session and
subscribed to one of 20 rooms with history, are connected to one server process. The process
is killed (SIGKILL) and, while it is down, more events are stored (as other processes would).
It is started again; once it answers, every client reconnects with the reference client's
jittered backoff (first try after 0.25-0.5 s, doubling on a refusal) and subscribes with
``since`` = the last seq it had, reading the replay until it has caught up.

Reported for Kring, for R1 (a bare ``websockets`` server: reconnect + subscribe, no auth, no
database, no replay) and for R1d (the same protocol in daphne with an empty application, served
as Kring is: what daphne alone costs) in the same run: time until the last client has resumed, handshakes per
second (from the first handshake to the last, and from the storm's start), SQL statements per reconnect, server CPU per reconnect; and for Kring that every client
got every missed event exactly once. Goal (issue 20): >= 0.5x R1's handshake rate.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import websockets

from bench.common import (
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
from bench.room_fanout import start_reference

# One storm per count, a table each: a small storm is bounded by how fast the clients arrive
# (their backoff spreads them), a large one by how fast the server takes handshakes.
CLIENT_COUNTS = [int(n) for n in os.environ.get("BENCH_STORM_CLIENTS", "1000,5000").split(",")]
ROOMS = 20
HISTORY = 30  # events per room before the crash
MISSED = 5  # events per room stored while the process is down
QUERY_FILE = Path(f"/tmp/kring-bench-s6-queries-{os.getpid()}")


@dataclass
class Client:
    room: int
    headers: dict[str, str] | None
    since: int = 0
    seqs: list[int] = field(default_factory=list)
    attempts: int = 0
    handshake_at: float = 0.0
    resumed_at: float = 0.0


async def _resume(url: str, client: Client, target: int, replay: bool) -> None:
    """Reconnect like the reference client (static/kring/kring.js): jittered exponential
    backoff, then subscribe with ``since`` and read until caught up to ``target``."""
    attempt = 0
    while True:
        await asyncio.sleep(min(10.0, 0.5 * 2**attempt) * (0.5 + random.random() / 2))
        attempt += 1
        try:
            socket = await websockets.connect(
                url, additional_headers=client.headers, compression=None, max_size=2**22,
                ping_interval=None, open_timeout=30,
            )  # fmt: skip
        except (OSError, websockets.InvalidHandshake, TimeoutError):
            continue
        client.attempts = attempt
        client.handshake_at = time.monotonic()
        frame = {"type": "subscribe", "room": client.room}
        if replay:
            frame["since"] = client.since
        await socket.send(json.dumps(frame))
        try:
            while True:
                raw = await asyncio.wait_for(socket.recv(), 60)
                if '"type":"event"' in raw:
                    at = raw.find('"seq":') + 6
                    client.seqs.append(int(raw[at : raw.find(",", at)]))
                    if client.seqs[-1] >= target:
                        break
                elif '"type":"subscribed"' in raw and (not replay or client.since >= target):
                    break
        finally:
            client.resumed_at = time.monotonic()
            await socket.close()
        return


async def _connect_and_subscribe(url: str, clients: list[Client]) -> list:
    sockets = []
    for start in range(0, len(clients), 200):
        batch = clients[start : start + 200]
        opened = await asyncio.gather(*(
            websockets.connect(url, additional_headers=c.headers, compression=None,
                               max_size=2**22, ping_interval=None, open_timeout=60)
            for c in batch
        ))  # fmt: skip
        for socket, client in zip(opened, batch, strict=True):
            await socket.send(json.dumps({"type": "subscribe", "room": client.room, "since": 0}))
        for socket, client in zip(opened, batch, strict=True):
            while True:
                raw = await socket.recv()
                if '"type":"subscribed"' in raw:
                    client.since = json.loads(raw)["seq"]
                    break
        sockets += opened
    return sockets


def _queries() -> int:
    """SQL statements the server has run so far (bench.counting_server writes them)."""
    return int(QUERY_FILE.read_text()) if QUERY_FILE.exists() else 0


def _cpu(pid: int) -> float:
    from bench.common import cpu_seconds

    return cpu_seconds(pid)


async def _storm(url: str, clients: list[Client], targets: dict[int, int], pid: int,
                 replay: bool) -> dict:  # fmt: skip
    queries_before = _queries()
    cpu_before = _cpu(pid)
    started = time.monotonic()
    await asyncio.gather(*(_resume(url, c, targets[c.room], replay) for c in clients))
    ended = time.monotonic()
    await asyncio.sleep(1.5)  # the query count is written every second
    queries = _queries() - queries_before
    handshakes = sorted(c.handshake_at for c in clients)
    resumes = [c.resumed_at - started for c in clients]
    return {
        "last_resumed_s": ended - started,
        "p50_resumed_s": percentile(resumes, 50),
        "handshakes_per_s": len(clients) / max(handshakes[-1] - handshakes[0], 1e-3),
        # The same from the moment the clients start back: the rate above leaves out how long
        # the first handshake took, and one client process bunches its handshakes.
        "handshakes_per_s_from_start": len(clients) / max(handshakes[-1] - started, 1e-3),
        "retries": sum(c.attempts - 1 for c in clients),
        "queries_per_reconnect": queries / len(clients) if replay else float("nan"),
        "cpu_ms_per_reconnect": (_cpu(pid) - cpu_before) * 1000 / len(clients),
    }


def _store_events(room_ids: list[int], per_room: int, author_email: str) -> dict[int, int]:
    from community import services
    from community.models import Room, User

    author = User.objects.get(email=author_email)
    for room_id in room_ids:
        for i in range(per_room):
            services.message_post(room_id=room_id, author=author, body=f"storm history {i}")
    return dict(Room.objects.filter(pk__in=room_ids).values_list("pk", "last_seq"))


async def _kill_and_restart(
    server: Process,
    restart: Callable[[], Process],
    sockets: list,
    while_down: Callable[[], None] | None = None,
) -> Process:
    """SIGKILL the server, (store what other processes would meanwhile), drop the clients'
    sockets without a close handshake, as a crash does, and start the server again. All in
    the loop the clients live in: the sockets are aborted by the loop that owns them."""
    server.popen.send_signal(signal.SIGKILL)
    await asyncio.to_thread(server.popen.wait)
    if while_down is not None:
        await asyncio.to_thread(while_down)
    for socket in sockets:
        socket.transport.abort()
    await asyncio.sleep(0)  # let the aborts run
    return await asyncio.to_thread(restart)


async def _kring_storm(env: dict[str, str], url: str, port: int, clients: list[Client],
                       room_ids: list[int]) -> tuple[dict, dict[int, int]]:  # fmt: skip
    """Every client in this one event loop, as a real crowd of browsers is one crowd: a loop
    per client would measure the clients' start-up, not the server."""
    targets: dict[int, int] = {}

    def start() -> Process:
        return start_daphne(env, "s6", port=port, module="bench.counting_server")

    def store_missed() -> None:
        targets.update(_store_events(room_ids, MISSED, "bench-0@bench.test"))

    server = await asyncio.to_thread(start)
    sockets = await _connect_and_subscribe(url, clients)
    server = await _kill_and_restart(server, start, sockets, store_missed)
    try:
        return await _storm(url, clients, targets, server.pid, replay=True), targets
    finally:
        await asyncio.to_thread(server.stop)


def run_kring(count: int) -> dict:
    ensure_postgres_database()
    env = bench_env(
        KRING_WORKER_IN_PROCESS="0", KRING_MAX_SOCKETS_PER_USER="5",
        KRING_IDLE_TIMEOUT_SECONDS="0", BENCH_QUERY_COUNT_FILE=str(QUERY_FILE),
    )  # fmt: skip
    setup_django(env)
    room_ids, tokens = bench_community("bench-storm", count, rooms=ROOMS)
    _store_events(room_ids, HISTORY, "bench-0@bench.test")
    clients = [
        Client(room=room_ids[i % ROOMS], headers={"X-Session-Token": tokens[i]})
        for i in range(count)
    ]
    port = free_port()
    url = f"ws://127.0.0.1:{port}/ws/"
    result, targets = asyncio.run(_kring_storm(env, url, port, clients, room_ids))
    missed = {room: set(range(targets[room] - MISSED + 1, targets[room] + 1)) for room in room_ids}
    result["lost"] = sum(len(missed[c.room] - set(c.seqs)) for c in clients)
    result["duplicates"] = sum(len(c.seqs) - len(set(c.seqs)) for c in clients)
    return result


async def _reference_storm(port: int, start: Callable[[], Process], count: int) -> dict:
    """A storm against a reference server (no auth, no replay) that ``start`` starts."""
    url = f"ws://127.0.0.1:{port}/"
    clients = [Client(room=1 + i % ROOMS, headers=None) for i in range(count)]
    server = await asyncio.to_thread(start)
    sockets = await _connect_and_subscribe(url, clients)
    server = await _kill_and_restart(server, start, sockets)
    try:
        return await _storm(url, clients, dict.fromkeys(range(1, ROOMS + 1), 0), server.pid,
                            replay=False)  # fmt: skip
    finally:
        await asyncio.to_thread(server.stop)


def run_reference(count: int) -> dict:
    """R1: a bare ``websockets`` server."""
    port = free_port()
    return asyncio.run(_reference_storm(port, lambda: start_reference(port, name="s6-r1"), count))


def run_daphne_reference(count: int) -> dict:
    """R1d: R1's protocol in daphne with an empty application (bench.daphne_reference)."""
    port, env = free_port(), bench_env()
    return asyncio.run(_reference_storm(port, lambda: start_daphne(
        env, "s6-r1d", port=port, module="bench.daphne_reference"), count))  # fmt: skip


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x"


def main() -> str:
    return "\n".join(storm_table(count) for count in CLIENT_COUNTS)


def storm_table(count: int) -> str:
    kring = run_kring(count)
    print(f"[S6 {count}] Kring: {kring}", file=sys.stderr, flush=True)
    ref = run_reference(count)
    print(f"[S6 {count}] R1: {ref}", file=sys.stderr, flush=True)
    bare = run_daphne_reference(count)
    print(f"[S6 {count}] R1d: {bare}", file=sys.stderr, flush=True)
    table = Table(
        f"S6 reconnect storm: {count:,} clients of one process come back at once after a "
        f"SIGKILL and resume ({ROOMS} rooms, {MISSED} events missed per room)",
        ["measure", "Kring (auth, membership, replay)", "R1 (reconnect + subscribe)",
         "ratio Kring/R1", "R1d (daphne, empty app)", "ratio R1d/R1", "target"],
    )  # fmt: skip
    for label, key, target in (
        ("time until the last client resumed (s)", "last_resumed_s", ""),
        ("handshakes/s", "handshakes_per_s", ">= 0.5x"),
        ("handshakes/s from the storm's start", "handshakes_per_s_from_start", ""),
        ("server CPU-ms per reconnect", "cpu_ms_per_reconnect", ""),
    ):
        table.add(label, kring[key], ref[key], _ratio(kring[key], ref[key]), bare[key],
                  _ratio(bare[key], ref[key]), target)  # fmt: skip
    table.add("median client resumed after (s)", kring["p50_resumed_s"], ref["p50_resumed_s"],
              "", bare["p50_resumed_s"], "", "")  # fmt: skip
    table.add("refused tries (backoff retries)", str(kring["retries"]), str(ref["retries"]), "",
              str(bare["retries"]), "", "")  # fmt: skip
    table.add("SQL statements per reconnect", kring["queries_per_reconnect"], "—", "", "—", "", "")
    table.add("missed events lost / duplicated", f"{kring['lost']} / {kring['duplicates']}", "—",
              "", "—", "", "0 / 0")  # fmt: skip
    return table.markdown()


if __name__ == "__main__":
    from bench.common import write_results

    text = main()
    print(text)
    write_results("S6", text)
