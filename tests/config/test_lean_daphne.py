"""What daphne keeps per open socket (config.lean_daphne, bench S1): the input queue behaves as
daphne's ``asyncio.Queue`` did for the two methods daphne uses, connections take their
settings from their class, and an open socket lets go of its handshake. The whole server with
these parts is what the end-to-end, reliability and browser tests run against."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from daphne.ws_protocol import WebSocketFactory
from twisted.internet.testing import StringTransport

from config.lean_daphne import InputQueue, LeanWebSocketFactory
from config.server import KringServer, defer_autobahn_formatting


async def test_messages_come_out_in_the_order_they_went_in() -> None:
    queue = InputQueue()
    for n in range(5):
        queue.put_nowait(n)
    assert [await queue.get() for _ in range(5)] == [0, 1, 2, 3, 4]
    assert queue.qsize() == 0


async def test_a_waiting_get_gets_the_next_message() -> None:
    queue = InputQueue()
    getter = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    assert not getter.done()
    queue.put_nowait({"type": "websocket.connect"})
    assert await asyncio.wait_for(getter, 1) == {"type": "websocket.connect"}


async def test_a_cancelled_get_takes_nothing_out() -> None:
    queue = InputQueue()
    cancelled = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    queue.put_nowait("first")
    queue.put_nowait("second")
    assert await queue.get() == "first"
    assert await queue.get() == "second"


async def test_a_get_woken_and_cancelled_before_it_ran_passes_the_message_on() -> None:
    queue = InputQueue()
    first = asyncio.ensure_future(queue.get())
    second = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    queue.put_nowait("only")  # wakes the first getter...
    first.cancel()  # ...which is cancelled before it runs
    assert await asyncio.wait_for(second, 1) == "only"
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_an_emptied_queue_holds_nothing() -> None:
    queue = InputQueue()
    queue.put_nowait("a")
    await queue.get()
    getter = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    getter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await getter
    assert queue._items is None and queue._waiters is None


def _connected(factory: WebSocketFactory) -> object:
    defer_autobahn_formatting()  # autobahn would pretty-print the settings (and fail here)
    protocol = factory.buildProtocol(None)
    protocol.transport = StringTransport()
    protocol._connectionMade()
    return protocol


def test_connections_read_their_settings_from_their_class() -> None:
    factory = LeanWebSocketFactory(SimpleNamespace(), server="kring")
    factory.setProtocolOptions(maxFramePayloadSize=1234, autoPingInterval=7)
    protocol = _connected(factory)
    assert protocol.maxFramePayloadSize == 1234 and protocol.autoPingInterval == 7
    assert "maxFramePayloadSize" not in vars(protocol)
    # a function setting stays a function (it is not bound to the connection as a method)
    assert protocol.perMessageCompressionAccept([]) is None
    daphnes = _connected(WebSocketFactory(SimpleNamespace(), server="kring"))
    assert len(vars(protocol)) < len(vars(daphnes)) * 0.6

    protocol.failByDrop = False  # one connection's own setting (the consumer does this)
    assert protocol.failByDrop is False and type(protocol).failByDrop is True

    factory.setProtocolOptions(maxFramePayloadSize=99)
    assert _connected(factory).maxFramePayloadSize == 99  # later settings reach new sockets


def test_an_open_socket_lets_go_of_its_handshake() -> None:
    protocol = _connected(LeanWebSocketFactory(SimpleNamespace(), server="kring"))
    headers = {"host": "kring.test", "cookie": "sessionid=x"}
    logged: list = []
    protocol.server = SimpleNamespace(log_action=lambda *args: logged.append(args))
    protocol.request = SimpleNamespace(path="/ws/", headers=headers)
    protocol.client_addr = ["127.0.0.1", 5000]
    protocol.http_headers = headers
    protocol.http_request_data = b"GET /ws/ HTTP/1.1\r\n..."
    protocol.http_response_data = "HTTP/1.1 101 Switching Protocols\r\n..."
    protocol.onOpen()
    assert logged and logged[0][1] == "connected"  # daphne's own onOpen ran
    assert headers == {} and protocol.http_request_data is None
    assert protocol.http_response_data is None and protocol.request.path == "/ws/"


def test_kring_s_server_builds_lean_sockets() -> None:
    server = KringServer(application=None, endpoints=["tcp:port=0:interface=127.0.0.1"])
    server.ws_factory = WebSocketFactory(server, server=server.server_name)  # as daphne does
    assert isinstance(server.ws_factory, LeanWebSocketFactory)
    assert server.ws_factory.server_class is server
