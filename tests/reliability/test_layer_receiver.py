"""The pub/sub layer's receiver (``config.channel_layer``) waits for messages instead of asking
Redis ten times a second, and still receives everything, including after Redis restarts."""

from __future__ import annotations

import asyncio

import pytest
import redis
from channels.layers import get_channel_layer
from redis.exceptions import ConnectionError as RedisConnectionError

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def layer(redis_server, settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "config.channel_layer.PipelinedPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": redis_server.url, "health_check_interval": 30}]},
        }
    }
    return get_channel_layer()


def _count_reads(layer) -> list[int]:
    """Counts the receiver's asks for the next message (wrapping the real call)."""
    [shard] = layer._get_layer()._shards
    pubsub, reads = shard._pubsub, [0]
    real = pubsub.get_message

    async def counted(*args, **kwargs):
        reads[0] += 1
        return await real(*args, **kwargs)

    pubsub.get_message = counted
    return reads


async def test_an_idle_receiver_waits_for_messages_instead_of_polling(layer) -> None:
    listener = await layer.new_channel()
    await layer.group_add("room.1", listener)
    await asyncio.sleep(0.1)  # the receiver is waiting in its first read
    reads = _count_reads(layer)
    await asyncio.sleep(1.0)  # channels_redis' receiver would ask ten times
    assert reads[0] <= 1
    await layer.group_send("room.1", {"type": "t", "n": 1})
    assert (await asyncio.wait_for(layer.receive(listener), 5))["n"] == 1
    await layer.flush()


async def test_the_receiver_comes_back_after_redis_restarts(layer, redis_server) -> None:
    listener = await layer.new_channel()
    await layer.group_add("room.1", listener)
    await layer.group_send("room.1", {"type": "t", "n": 1})
    assert (await asyncio.wait_for(layer.receive(listener), 5))["n"] == 1
    # when Redis goes away and comes back on the same port
    await asyncio.to_thread(redis_server.kill)
    await asyncio.sleep(0.5)
    await asyncio.to_thread(redis_server.start)
    # then the receiver reconnects, subscribes again, and the next message arrives
    for _attempt in range(50):
        try:
            await layer.group_send("room.1", {"type": "t", "n": 2})
            message = await asyncio.wait_for(layer.receive(listener), 0.2)
        except (TimeoutError, RedisConnectionError, OSError):  # Redis not back yet
            await asyncio.sleep(0.1)
            continue
        assert message["n"] == 2
        break
    else:
        pytest.fail("no message arrived after Redis restarted")
    await layer.flush()


async def test_the_health_check_still_goes_out_on_time(redis_server, settings) -> None:
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "config.channel_layer.PipelinedPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": redis_server.url, "health_check_interval": 1}]},
        }
    }
    layer = get_channel_layer()
    listener = await layer.new_channel()
    await layer.group_add("room.1", listener)
    await asyncio.sleep(2.6)  # idle: the receiver wakes only for the checks
    admin = redis.Redis.from_url(redis_server.url)
    pings = admin.info("commandstats").get("cmdstat_ping", {}).get("calls", 0)
    admin.close()
    assert pings >= 2, "the PING that keeps the connection alive went out every second"
    await layer.group_send("room.1", {"type": "t", "n": 1})
    assert (await asyncio.wait_for(layer.receive(listener), 5))["n"] == 1
    await layer.flush()
