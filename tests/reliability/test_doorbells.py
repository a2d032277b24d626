"""Doorbells that commits ring together reach Redis together (``config.channel_layer``): every
one arrives, once, in the order the commits rang them."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from core import emitters

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


async def test_doorbells_of_a_burst_arrive_once_and_in_order(redis_server, settings) -> None:
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "config.channel_layer.PipelinedPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": redis_server.url}]},
        }
    }
    layer = get_channel_layer()
    listener = await layer.new_channel()
    for room in range(3):
        await layer.group_add(emitters.room_group(room), listener)

    def commits() -> None:  # in a database thread, as services run
        for batch in range(4):
            with transaction.atomic():
                for n in range(batch * 5, batch * 5 + 5):
                    emitters.send_on_commit(emitters.room_group(n % 3), {"type": "t", "n": n})

    await database_sync_to_async(commits)()
    received = [(await layer.receive(listener))["n"] for _ in range(20)]
    assert received == list(range(20))
    await layer.flush()


def test_group_sends_waiting_together_go_together_and_everything_else_alone():
    class Pipelined:
        async def group_send_many(self, sends):  # pragma: no cover - only its presence counts
            pass

    class Plain:
        pass

    pipelined, plain = Pipelined(), Plain()

    def send(layer, n):
        return (emitters._GroupSend(layer, "room.1", {"n": n}), f"send {n}")

    other = (object(), "a worker doorbell")  # any other call
    calls = [send(pipelined, 1), send(pipelined, 2), other, send(pipelined, 3), send(plain, 4),
             send(plain, 5), send(pipelined, 6), send(pipelined, 7)]  # fmt: skip
    runs = [[what for _call, what in run] for run in emitters._runs_of_sends(calls)]
    assert runs == [
        ["send 1", "send 2"],
        ["a worker doorbell"],
        ["send 3"],
        ["send 4"],
        ["send 5"],
        ["send 6", "send 7"],
    ]
