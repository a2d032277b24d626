"""Notifications end to end: real daphne, real worker processes (killed and restarted)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db.models import Count
from django.test.utils import override_settings
from notifications.models import Notification

from delivery.models import OutboxJob
from facilitators.services import announcement_post
from tests.conftest import make_member, server_env, start_worker, stop_process
from tests.factories import CommunityFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


async def _until(socket, frame_type, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), deadline - time.monotonic()))
        if frame["type"] == frame_type:
            return frame


async def _open(server, token):
    return await websockets.connect(server.ws_url, additional_headers={"X-Session-Token": token})


async def test_live_push_and_catch_up_after_reconnect(e2e_worker, transactional_db):
    daphne_server = e2e_worker
    community = await sync_to_async(CommunityFactory)()
    room = await sync_to_async(lambda: community.rooms.get(name="general"))()
    alice = await sync_to_async(make_member)(community, display_name="Alice Anders")
    bob = await sync_to_async(make_member)(community, display_name="Bob Berg")
    a = await _open(daphne_server, alice.token)
    b = await _open(daphne_server, bob.token)

    await a.send(
        json.dumps({"type": "post", "room": room.pk, "body": "@bob-berg hello!", "ref": "m1"})
    )
    pushed = await _until(b, "notification")
    assert (pushed["notification"]["verb"], pushed["unread"]) == ("mentioned you in #general", 1)
    await b.close()

    for i in (2, 3):
        await a.send(
            json.dumps(
                {"type": "post", "room": room.pk, "body": f"@bob-berg again {i}", "ref": f"m{i}"}
            )
        )
        await _until(a, "ack")
    # wait until the worker has stored both before reconnecting
    deadline = time.monotonic() + 10
    while await sync_to_async(Notification.objects.filter(recipient=bob.user).count)() < 3:
        assert time.monotonic() < deadline, "worker did not store the notifications"
        await asyncio.sleep(0.05)

    b = await _open(daphne_server, bob.token)
    await b.send(json.dumps({"type": "notifications", "since": pushed["seq"]}))
    missed = [await _until(b, "notification") for _ in range(2)]
    assert [m["notification"]["text"] for m in missed] == ["@bob-berg again 2", "@bob-berg again 3"]
    synced = await _until(b, "notifications_synced")
    assert (synced["seq"], synced["unread"]) == (missed[-1]["seq"], 3)
    await a.close()
    await b.close()


def _wait_for(predicate, timeout, message):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.05)


def test_worker_killed_mid_job_loses_nothing_and_notifies_nobody_twice(transactional_db, tmp_path):
    members = 300
    community = CommunityFactory()
    facilitator = make_member(community, role="facilitator")
    for _ in range(members):
        make_member(community)
    with override_settings(KRING_OUTBOX_QUEUE="crash-test"):
        announcement_post(actor=facilitator.user, community=community, body="Everyone, please read")
    job = OutboxJob.objects.get(queue="crash-test")

    env = server_env({"KRING_OUTBOX_QUEUE": "crash-test", "KRING_FAULT_FANOUT_PAUSE": "30"})
    first = start_worker(env, log_name=f"crash-worker-1-{job.pk}")
    log = f"/tmp/kring-test-crash-worker-1-{job.pk}-{os.getpid()}.log"
    _wait_for(
        lambda: os.path.exists(log) and "paused mid-transaction" in Path(log).read_text(),
        30,
        "the first worker never reached the middle of the job",
    )
    os.kill(first.pid, signal.SIGKILL)  # mid-job: its rows are inserted but not committed
    first.wait()

    assert not Notification.objects.filter(data__job=job.pk).exists(), (
        "uncommitted rows must vanish"
    )
    job.refresh_from_db()
    assert job.state == "pending"

    second = start_worker(
        server_env({"KRING_OUTBOX_QUEUE": "crash-test"}), log_name="crash-worker-2"
    )
    try:
        _wait_for(
            lambda: OutboxJob.objects.get(pk=job.pk).state == "done", 60, "the job was not redone"
        )
    finally:
        stop_process(second)
    per_recipient = (
        Notification.objects.filter(data__job=job.pk).values("recipient_id").annotate(n=Count("id"))
    )
    counts = [row["n"] for row in per_recipient]
    assert len(counts) == members, "every member told"
    assert set(counts) == {1}, "nobody told twice"
    assert not Notification.objects.filter(data__job=job.pk, recipient=facilitator.user).exists()


async def test_the_deployments_worker_pushes_to_sockets(e2e_worker, transactional_db):
    """Embedded: the worker inside daphne. With Redis: the separate `run_worker` process,
    whose pushes reach daphne's sockets through the Redis channel layer."""
    daphne_server = e2e_worker

    community = await sync_to_async(CommunityFactory)()
    room = await sync_to_async(lambda: community.rooms.get(name="general"))()
    alice = await sync_to_async(make_member)(community)
    bob = await sync_to_async(make_member)(community, display_name="Bob Berg")
    assert (daphne_server.worker is not None) == bool(settings.REDIS_URL)
    b = await _open(daphne_server, bob.token)
    a = await _open(daphne_server, alice.token)
    await a.send(
        json.dumps(
            {"type": "post", "room": room.pk, "body": "@bob-berg via the worker", "ref": "w"}
        )
    )
    assert (await _until(b, "notification"))["notification"]["text"] == "@bob-berg via the worker"
    await a.close()
    await b.close()
