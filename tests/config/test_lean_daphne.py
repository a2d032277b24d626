"""What daphne keeps per open socket (config.lean_daphne, bench S1): the input queue behaves as
daphne's ``asyncio.Queue`` did for the two methods daphne uses, connections take their
settings from their class, and an open socket lets go of its handshake. And what an idle socket
costs (S1's idle CPU): autobahn's writes (pings, pongs, ASGI-path frames) go straight to the
socket when nothing waits, and applications are reaped as they end instead of by a walk of
every connection each second. The whole server with these parts is what the end-to-end,
reliability and browser tests run against."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from types import SimpleNamespace

import pytest
from daphne.ws_protocol import WebSocketFactory
from twisted.internet import abstract
from twisted.internet.testing import StringTransport

from config import lean_daphne
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


PING_1234 = b"\x89\x041234"  # FIN + ping, unmasked, 4 bytes of payload


class _Kernel(abstract.FileDescriptor):
    """Twisted's real buffering over a real socket; flushed by hand (no reactor)."""

    connected = True

    def __init__(self, ours: socket.socket) -> None:
        super().__init__(reactor=object())
        self.socket = ours

    def startWriting(self) -> None:  # registering with a reactor
        pass

    def stopWriting(self) -> None:
        pass

    def writeSomeData(self, data: bytes) -> int:
        return self.socket.send(data)


def _open_socket() -> tuple[object, _Kernel, socket.socket]:
    """An open Kring WebSocket connection over a socket pair, and the client's end."""
    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    theirs.setblocking(False)
    protocol = _connected(LeanWebSocketFactory(SimpleNamespace(), server="kring"))
    protocol.transport = transport = _Kernel(ours)
    protocol.state = protocol.STATE_OPEN
    return protocol, transport, theirs


def test_a_ping_goes_straight_to_the_socket_when_nothing_waits() -> None:
    protocol, transport, theirs = _open_socket()
    protocol.sendPing(b"1234")
    assert theirs.recv(100) == PING_1234
    assert not transport._tempDataLen and not transport.dataBuffer  # Twisted held nothing


def test_a_ping_waits_behind_what_twisted_still_holds() -> None:
    protocol, transport, theirs = _open_socket()
    transport.write(b"x" * 100)  # a frame Twisted has not sent yet
    protocol.sendPing(b"1234")
    with pytest.raises(BlockingIOError):
        theirs.recv(200)  # nothing jumped ahead of it
    transport.doWrite()
    assert theirs.recv(200) == b"x" * 100 + PING_1234


def test_a_write_while_autobahn_queues_goes_autobahn_s_way() -> None:
    protocol, _transport, theirs = _open_socket()
    protocol.send_queue.append((b"earlier", True))
    protocol.triggered = True  # autobahn is sending its queue, one write per loop turn
    protocol.sendPing(b"1234")
    assert [data for data, _sync in protocol.send_queue] == [b"earlier", PING_1234]
    with pytest.raises(BlockingIOError):
        theirs.recv(100)


class _Connection:
    def __init__(self) -> None:
        self.failures: list[BaseException] = []

    def handle_exception(self, exception: BaseException) -> None:
        self.failures.append(exception)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> KringServer:
    # The checker reschedules itself on the reactor each second; here it is called by hand.
    monkeypatch.setattr(lean_daphne, "reactor", SimpleNamespace(callLater=lambda *_a: None))
    server = KringServer(application=None, endpoints=["tcp:port=0:interface=127.0.0.1"])
    server.connections = {}  # as daphne's run() starts it
    return server


def _with_application(server: KringServer) -> tuple[_Connection, asyncio.Future[None]]:
    connection = _Connection()
    server.protocol_connected(connection)
    instance: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    server.connections[connection]["application_instance"] = instance
    server.watch_application(connection, instance)
    return connection, instance


async def test_an_application_that_fails_is_reaped_at_once(server, caplog) -> None:
    connection, instance = _with_application(server)
    failure = RuntimeError("boom")
    with caplog.at_level(logging.ERROR, logger="daphne.server"):
        instance.set_exception(failure)
        await asyncio.sleep(0)  # its done callback runs: no checker needed
    assert connection.failures == [failure]  # its socket is closed with an error
    assert "Exception inside application" in caplog.text
    assert "application_instance" not in server.connections[connection]
    server.protocol_disconnected(connection)
    server.application_checker()
    assert connection not in server.connections


async def test_the_checker_walks_only_the_connections_that_closed(server) -> None:
    still_open, running = _with_application(server)
    closed, ended = _with_application(server)
    server.protocol_disconnected(closed)
    ended.set_result(None)
    await asyncio.sleep(0)
    assert closed not in server.connections  # its application ended after it closed
    server.protocol_disconnected(still_open)
    assert server._closed_connections == {still_open}  # waits for its application
    running.set_result(None)
    await asyncio.sleep(0)
    assert server.connections == {} and server._closed_connections == set()


async def test_an_application_outliving_its_closed_connection_is_cancelled(server) -> None:
    connection, instance = _with_application(server)
    server.protocol_disconnected(connection)
    server.application_checker()
    assert not instance.cancelled()  # within application_close_timeout: it may still finish
    server.connections[connection]["disconnected"] = time.time() - (
        server.application_close_timeout + 1
    )
    server.application_checker()
    assert instance.cancelled()
    await asyncio.sleep(0)
    assert connection not in server.connections
