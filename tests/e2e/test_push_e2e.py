"""Web Push end to end: real daphne and `run_worker` processes (killed with SIGKILL mid-job and
mid-send, then replaced) posting to a real push service of the tests' own, which checks each
push's VAPID token and decrypts it with the device's keys. Every notification reaches every
device exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.test.utils import override_settings
from notifications.models import Notification

from delivery.models import DeliverySettings, OutboxJob, PushDelivery, PushSubscription
from delivery.push.services import endpoint_hash
from facilitators.services import announcement_post
from tests.conftest import http_json, make_member, server_env, start_worker, stop_process
from tests.factories import CommunityFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _wait_for(predicate, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.05)


def _members_with_devices(push_service, community, count: int) -> dict[str, int]:
    """``count`` members without quiet hours, each with a phone and a laptop; returns
    {device name: user id}."""
    devices = {}
    for i in range(count):
        member = make_member(community).user
        DeliverySettings.objects.create(user=member, quiet_start=None, quiet_end=None)
        for kind in ("phone", "laptop"):
            device = push_service.device(f"{kind}-{i}")
            PushSubscription.objects.create(
                user=member, endpoint=device.endpoint, endpoint_hash=endpoint_hash(device.endpoint),
                p256dh=device.p256dh, auth=device.subscription()["keys"]["auth"],
            )  # fmt: skip
            devices[device.name] = member.pk
    return devices


def _announce(community, queue: str) -> OutboxJob:
    facilitator = make_member(community, role="facilitator")
    with override_settings(KRING_OUTBOX_QUEUE=queue):
        announcement_post(actor=facilitator.user, community=community, body="Lisbon agenda is out")
    return OutboxJob.objects.get(queue=queue)


def _kill_when_logged(worker, log: str, line: str) -> None:
    try:
        _wait_for(
            lambda: os.path.exists(log) and line in Path(log).read_text(),
            60,
            f"the worker never logged {line!r}",
        )
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    finally:
        if worker.poll() is None:
            stop_process(worker)


def _assert_each_device_once(push_service, devices: dict[str, int], job: OutboxJob) -> None:
    ids = dict(Notification.objects.filter(data__job=job.pk).values_list("recipient_id", "pk"))
    got = Counter((r.device, r.payload["id"]) for r in push_service.received)
    expected = Counter({(name, ids[user]): 1 for name, user in devices.items()})
    assert push_service.problems == []
    assert got == expected, "every device got its notification, exactly once"
    assert {r.payload["body"] for r in push_service.received} == {"Lisbon agenda is out"}
    assert all(" posted an announcement in " in r.payload["title"] for r in push_service.received)


def test_a_worker_killed_mid_job_pushes_to_every_device_exactly_once(
    transactional_db, push_service
):
    queue = "push-crash-job"
    community = CommunityFactory()
    devices = _members_with_devices(push_service, community, 40)
    job = _announce(community, queue)

    log = f"/tmp/kring-test-push-crash-job-{job.pk}-{os.getpid()}.log"
    first = start_worker(
        server_env({"KRING_OUTBOX_QUEUE": queue, "KRING_FAULT_FANOUT_PAUSE": "30"}),
        log_name=f"push-crash-job-{job.pk}",
    )
    _kill_when_logged(first, log, "paused mid-transaction")
    assert not PushDelivery.objects.exists(), "the push rows rolled back with the job"
    assert push_service.received == []

    second = start_worker(server_env({"KRING_OUTBOX_QUEUE": queue}), log_name="push-crash-job-2")
    try:
        _wait_for(lambda: len(push_service.received) >= len(devices), 60, "pushes not sent")
        time.sleep(1.0)  # anything sent twice would arrive now
    finally:
        stop_process(second)
    _assert_each_device_once(push_service, devices, job)


def test_a_worker_killed_after_claiming_pushes_leaves_them_to_the_next_exactly_once(
    transactional_db, push_service
):
    queue = "push-crash-send"
    community = CommunityFactory()
    devices = _members_with_devices(push_service, community, 20)
    job = _announce(community, queue)

    log = f"/tmp/kring-test-push-crash-send-{job.pk}-{os.getpid()}.log"
    first = start_worker(
        server_env({"KRING_OUTBOX_QUEUE": queue, "KRING_FAULT_PUSH_PAUSE": "30"}),
        log_name=f"push-crash-send-{job.pk}",
    )
    _kill_when_logged(first, log, "pushes claimed by")
    assert PushDelivery.objects.filter(state="sending").count() == len(devices)
    assert push_service.received == []

    second = start_worker(
        server_env({"KRING_OUTBOX_QUEUE": queue, "KRING_PUSH_CLAIM_SECONDS": "2"}),
        log_name="push-crash-send-2",
    )
    try:
        _wait_for(lambda: len(push_service.received) >= len(devices), 60, "pushes not sent")
        time.sleep(3.0)  # past another claim time: nothing may be sent again
    finally:
        stop_process(second)
    _assert_each_device_once(push_service, devices, job)
    assert set(PushDelivery.objects.values_list("state", flat=True)) == {"sent"}


async def test_a_mention_on_the_socket_reaches_the_phone_of_the_mentioned_teacher(
    e2e_worker, transactional_db, push_service
):
    """The deployment's own worker (inside daphne, or `run_worker` with Redis) pushes; the
    phone was registered over HTTP with an app session token, as a mobile client does."""
    server = e2e_worker
    community = await sync_to_async(CommunityFactory)()
    room = await sync_to_async(lambda: community.rooms.get(name="general"))()
    alice = await sync_to_async(make_member)(community, display_name="Alice Anders")
    bob = await sync_to_async(make_member)(community, display_name="Bob Berg")
    headers = {"X-Session-Token": bob.token}
    status, _ = await sync_to_async(http_json)(
        "PATCH", f"{server.url}/api/me/notification-settings",
        {"quiet_start": None, "quiet_end": None, "timezone": "Europe/Stockholm"}, headers,
    )  # fmt: skip
    assert status == 200
    phone = push_service.device("bob's phone")
    status, device = await sync_to_async(http_json)(
        "POST", f"{server.url}/api/me/push-subscriptions", phone.subscription(), headers
    )
    assert status == 201, device

    socket = await websockets.connect(
        server.ws_url, additional_headers={"X-Session-Token": alice.token}
    )
    await socket.send(
        json.dumps({"type": "post", "room": room.pk, "body": "@bob-berg the rubric?", "ref": "p"})
    )
    deadline = time.monotonic() + 15
    while not push_service.received:
        assert time.monotonic() < deadline, "no push reached the phone"
        await asyncio.sleep(0.05)
    await socket.close()

    (payload,) = push_service.payloads()
    notification = await sync_to_async(Notification.objects.get)(recipient=bob.user)
    assert payload["title"] == "Alice Anders mentioned you in #general"
    assert payload["url"] == f"/notifications/{notification.pk}/open/"
    assert push_service.problems == []
