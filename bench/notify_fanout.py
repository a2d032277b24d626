"""N1 — an announcement to a 10,000-member community, on PostgreSQL + Redis.

Measures, per run:
* the posting request's own latency (POST /api/communities/{slug}/announcements);
* the time until all notification rows are committed (the outbox job is done);
* the time until every connected recipient (1,000 open sockets on one daphne process) has
  its `notification` frame;
* the time until every Web Push device (1,000 members with a subscription, on a push service
  the benchmark runs: tests/push_service.py, which verifies and decrypts each push) has its
  push — written in the job's transaction, sent by the worker;
and, in the same run, the reference R3: a raw PostgreSQL COPY of the same rows into the same
table. Prints medians and the ratio to the reference. Targets (issue 5): rows and pushes within
2 s, posting request under 50 ms.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import threading
import time
import urllib.request

from bench.common import (
    BENCH_DB,
    Table,
    bench_env,
    ensure_postgres_database,
    median,
    processes,
    session_tokens,
    setup_django,
    start_daphne,
    start_worker,
    write_results,
)

MEMBERS = int(os.environ.get("BENCH_MEMBERS", "10000"))
SOCKETS = int(os.environ.get("BENCH_SOCKETS", "1000"))
DEVICES = int(os.environ.get("BENCH_PUSH_DEVICES", "1000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SLUG = "bench-announcements"


def prepare(push_service) -> tuple[list[str], str]:
    """The community, its members, sessions and push devices (idempotent; reuses users
    between runs)."""
    from community import services
    from community.models import Community, Membership, User
    from delivery.models import DeliverySettings, PushSubscription
    from delivery.push.services import endpoint_hash

    Community.objects.filter(slug=SLUG).delete()
    existing = set(User.objects.filter(email__startswith="bench-").values_list("email", flat=True))
    User.objects.bulk_create(
        [
            User(
                email=f"bench-{i}@bench.test",
                display_name=f"Bench Teacher {i}",
                handle=f"bench-{i}",
            )
            for i in range(MEMBERS + 1)
            if f"bench-{i}@bench.test" not in existing
        ],
        batch_size=2000,
    )
    users = list(User.objects.filter(email__startswith="bench-").order_by("pk")[: MEMBERS + 1])
    facilitator, members = users[0], users[1:]
    community = services.community_create(
        creator=facilitator, name="Bench announcements", kind="cross_border", slug=SLUG
    )
    Membership.objects.bulk_create(
        [Membership(community=community, user=u) for u in members], batch_size=2000
    )
    # The last DEVICES members each have a phone (no quiet hours: the bench may run at night).
    PushSubscription.objects.filter(user__email__startswith="bench-").delete()
    with_devices = members[len(members) - DEVICES :] if DEVICES else []
    DeliverySettings.objects.filter(user__in=with_devices).delete()
    DeliverySettings.objects.bulk_create(
        [DeliverySettings(user=u, quiet_start=None, quiet_end=None) for u in with_devices]
    )
    subscriptions = []
    for user in with_devices:
        device = push_service.device(f"phone-{user.pk}")
        subscriptions.append(
            PushSubscription(
                user=user, endpoint=device.endpoint, endpoint_hash=endpoint_hash(device.endpoint),
                p256dh=device.p256dh, auth=device.subscription()["keys"]["auth"],
            )
        )  # fmt: skip
    PushSubscription.objects.bulk_create(subscriptions, batch_size=1000)
    tokens = session_tokens([*members[:SOCKETS], facilitator])
    return tokens[:-1], tokens[-1]


def copy_reference(rows: int) -> float:
    """R3: COPY the same number of notification rows straight into the table."""
    import psycopg
    from django.contrib.contenttypes.models import ContentType

    from community.models import User

    user_type = ContentType.objects.get_for_model(User).pk
    recipients = list(
        User.objects.filter(email__startswith="bench-").values_list("pk", flat=True)[1 : rows + 1]
    )
    data = json.dumps(
        {"category": "announcement", "community": SLUG, "room": None, "url": "", "email": None}
    )
    buffer = io.StringIO()
    for recipient in recipients:
        buffer.write(
            f"info\t{recipient}\tt\t{user_type}\t1\tposted an announcement\tbench\t2026-01-01 00:00:00+00\tt\tf\tt\t{data}\n"
        )
    payload = buffer.getvalue()
    with psycopg.connect(BENCH_DB) as connection:
        started = time.perf_counter()
        with (
            connection.cursor() as cursor,
            cursor.copy(
                "COPY notifications_notification (level, recipient_id, unread, actor_content_type_id, "
                "actor_object_id, verb, description, timestamp, public, deleted, emailed, data) FROM STDIN"
            ) as copy,
        ):
            copy.write(payload)
        connection.commit()
        elapsed = time.perf_counter() - started
        connection.execute("DELETE FROM notifications_notification WHERE description = 'bench'")
        connection.commit()
    return elapsed


def _job_done_watcher(started: float, result: dict) -> threading.Thread:
    """Poll (on its own connection) until this run's job is done: its rows are committed."""
    import psycopg

    with psycopg.connect(BENCH_DB, autocommit=True) as connection:
        previous = connection.execute(
            "SELECT coalesce(max(id), 0) FROM delivery_outboxjob"
        ).fetchone()[0]

    def watch() -> None:
        with psycopg.connect(BENCH_DB, autocommit=True) as connection:
            while time.perf_counter() - started < 30:
                row = connection.execute(
                    "SELECT state, recipients FROM delivery_outboxjob WHERE queue = 'bench' AND id > %s "
                    "ORDER BY id DESC LIMIT 1",
                    [previous],
                ).fetchone()
                if row and row[0] == "done":
                    result["rows_at"] = time.perf_counter() - started
                    result["rows"] = row[1]
                    return
                time.sleep(0.002)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def _pushes_watcher(push_service, started: float, result: dict) -> threading.Thread:
    """Until every device has its push (received, VAPID-checked and decrypted)."""

    def watch() -> None:
        while time.perf_counter() - started < 60:
            if len(push_service.received) >= DEVICES:
                result["devices_at"] = time.perf_counter() - started
                return
            time.sleep(0.005)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


async def one_run(
    server_url: str, ws_url: str, tokens: list[str], facilitator_token: str, push_service
) -> dict:
    import websockets

    sockets = []
    for start in range(0, len(tokens), 100):
        batch = tokens[start : start + 100]
        sockets += await asyncio.gather(
            *(
                websockets.connect(
                    ws_url, additional_headers={"X-Session-Token": t}, max_queue=None
                )
                for t in batch
            )
        )
    for s in sockets:  # every socket registered with the hub before we start the clock
        await s.send('{"type":"ping"}')
    for s in sockets:
        await s.recv()

    arrivals: list[float] = []
    started = time.perf_counter()

    async def wait_for_push(s) -> None:
        while True:
            frame = json.loads(await s.recv())
            if frame["type"] == "notification":
                arrivals.append(time.perf_counter() - started)
                return

    waiters = [asyncio.create_task(wait_for_push(s)) for s in sockets]
    result: dict = {"armed": False}
    watcher = _job_done_watcher(started, result)
    push_service.received.clear()
    devices_watcher = _pushes_watcher(push_service, started, result)

    def post() -> float:
        request = urllib.request.Request(
            f"{server_url}/api/communities/{SLUG}/announcements",
            data=json.dumps({"body": "Staff meeting moved to Thursday 15:00"}).encode(),
            headers={"content-type": "application/json", "X-Session-Token": facilitator_token},
            method="POST",
        )
        t0 = time.perf_counter()
        with urllib.request.urlopen(request) as response:
            assert response.status == 201
        return time.perf_counter() - t0

    result["armed"] = True
    post_latency = await asyncio.to_thread(post)
    await asyncio.wait_for(asyncio.gather(*waiters), 60)
    pushes_done = time.perf_counter() - started
    watcher.join(30)
    devices_watcher.join(60)
    for s in sockets:
        await s.close()
    return {
        "post_ms": post_latency * 1000,
        "rows_s": result.get("rows_at", float("nan")),
        "rows": result.get("rows", 0),
        "pushes_s": pushes_done,
        "push_p50_s": sorted(arrivals)[len(arrivals) // 2],
        "devices_s": result.get("devices_at", float("nan")),
        "devices": len(push_service.received),
        "push_problems": len(push_service.problems),
    }


def main() -> str:
    from tests.push_service import PushService

    ensure_postgres_database()
    env = bench_env(KRING_WORKER_IN_PROCESS="0")
    setup_django(env)
    push_service = PushService().start()
    tokens, facilitator_token = prepare(push_service)
    daphne = start_daphne(env)
    worker = start_worker(env)
    results, references, cpu = [], [], []
    with processes(daphne, worker):
        for _ in range(RUNS):
            from notifications.models import Notification

            Notification.objects.filter(data__community=SLUG).delete()
            cpu_before = daphne.cpu_seconds() + worker.cpu_seconds()
            results.append(
                asyncio.run(
                    one_run(
                        daphne.url,
                        f"ws://127.0.0.1:{daphne.port}/ws/",
                        tokens,
                        facilitator_token,
                        push_service,
                    )
                )
            )
            cpu.append(daphne.cpu_seconds() + worker.cpu_seconds() - cpu_before)
            references.append(copy_reference(MEMBERS))
    rows_s = median([r["rows_s"] for r in results])
    reference_s = median(references)
    table = Table(
        f"N1 announcement fan-out: {MEMBERS:,} members, {SOCKETS:,} open sockets, {DEVICES:,} Web Push devices, PostgreSQL + Redis (median of {RUNS})",
        ["measure", "Kring", "reference (R3: raw COPY of the same rows)", "ratio", "target"],
    )
    table.add(
        "posting request latency (ms)", median([r["post_ms"] for r in results]), "—", "—", "< 50 ms"
    )
    table.add(
        "all rows committed (s)", rows_s, reference_s, f"{rows_s / reference_s:.1f}x", "< 2 s"
    )
    table.add(
        "every connected recipient pushed (s)",
        median([r["pushes_s"] for r in results]),
        "—",
        "—",
        "< 2 s",
    )
    table.add("median push arrival (s)", median([r["push_p50_s"] for r in results]), "—", "—", "")
    table.add(
        f"every Web Push device pushed, {DEVICES:,} devices (s)",
        median([r["devices_s"] for r in results]),
        "—",
        "—",
        "",
    )
    table.add(
        "Web Pushes received / refused by the push service",
        f"{results[-1]['devices']:,} / {results[-1]['push_problems']}",
        f"{DEVICES:,} / 0",
        "",
        "",
    )
    table.add("rows stored per run", f"{results[-1]['rows']:,}", f"{MEMBERS:,}", "", "")
    table.add(
        "server CPU-s per 1,000 notifications (daphne + worker)",
        median(cpu) / MEMBERS * 1000,
        "—",
        "—",
        "",
    )
    push_service.stop()
    return table.markdown()


if __name__ == "__main__":
    text = main()
    print(text)
    write_results("N1", text)
