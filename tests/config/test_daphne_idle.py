"""What an idle socket costs the server (config.lean_daphne, bench S1's idle CPU): autobahn's
writes (pings, pongs, frames on the ASGI path) go straight to the socket when nothing waits,
and daphne's applications are reaped as they end instead of by a walk of every connection
each second. The end-to-end, reliability and browser tests run the whole server with both."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from types import SimpleNamespace

import pytest
from twisted.internet import abstract
from twisted.internet.testing import StringTransport

from config import lean_daphne
from config.lean_daphne import LeanWebSocketFactory
from config.server import KringServer, defer_autobahn_formatting

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
    defer_autobahn_formatting()
    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    theirs.setblocking(False)
    protocol = LeanWebSocketFactory(SimpleNamespace(), server="kring").buildProtocol(None)
    protocol.transport = StringTransport()
    protocol._connectionMade()
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
