"""Kring's daphne: the daphne command line with a front door that bounds what a client may send.

``python -m config.server --host H --port P [--proxy-headers]`` serves Kring (``make serve``,
the Procfile's ``web``, the end-to-end tests and the benchmarks use it), with the WebSocket
limits and pings of the settings. Daphne hands a request to the application only after Twisted has
received the whole body, and then queues all of it in memory at once; a 1 GB POST to any URL
costs a gigabyte before Django's or Kring's code runs. Daphne's own ``--http-timeout`` limits
how long the *application* takes, and Twisted's idle timeout is reset by every byte, so a
client that trickles its headers or body holds a connection for ever (slowloris).

Here, per connection, on Twisted's side:

* a ``Content-Length`` over the path's limit (``config.limits``) is answered 413 as soon as
  the headers are in, before one byte of the body is read; a chunked body is cut off with 413
  when it passes the limit;
* the request line and headers must arrive within ``KRING_HTTP_HEADER_TIMEOUT`` seconds and
  the body within ``KRING_HTTP_BODY_TIMEOUT``, or the client gets 408 and the connection is
  closed; a connection silent for ``KRING_HTTP_IDLE_TIMEOUT`` is closed (Twisted's timeout).

Refused connections are half-closed: the answer is flushed, what the client still sends is
dropped unread for a moment (so it sees the answer instead of a reset), then it is aborted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import pprint
import time
from functools import partial
from typing import Any

import django
from daphne.cli import CommandLineInterface
from daphne.http_protocol import HTTPFactory, WebRequest
from daphne.server import Server
from twisted.internet import reactor

from config.lean_daphne import ApplicationsReapedOnEnd, InputQueue, LeanWebSocketFactory

# How long a refused client may keep sending (dropped, unread) before it is cut off.
LINGER_SECONDS = 2.0


def _settings() -> Any:
    from django.conf import settings

    return settings


class BoundedRequest(WebRequest):
    """Daphne's request, refusing oversized and slow requests before the application runs."""

    def __init__(self, channel: Any, *args: Any, **kwargs: Any) -> None:
        self._kring_began = time.monotonic()
        self._kring_headers_done: float | None = None
        self._kring_limit = 0
        self._kring_received = 0
        self._kring_refused = False
        channel._kring_requests = getattr(channel, "_kring_requests", 0) + 1
        super().__init__(channel, *args, **kwargs)

    def _kring_path(self) -> str:
        raw = getattr(self.channel, "_path", b"") or b""  # set by HTTPChannel from the first line
        return raw.split(b"?", 1)[0].decode("latin1")

    def gotLength(self, length: int | None) -> None:
        """All headers are in; the body has not been read."""
        from config.limits import body_limit

        self._kring_headers_done = time.monotonic()
        self._kring_limit = body_limit(self._kring_path())
        if length is not None and length > self._kring_limit:
            self._kring_refuse(413)
            return
        super().gotLength(length)

    def handleContentChunk(self, data: bytes) -> None:
        if self._kring_refused:
            return
        self._kring_received += len(data)
        if self._kring_received > self._kring_limit:
            self._kring_refuse(413)
            return
        super().handleContentChunk(data)

    def requestReceived(self, command: bytes, path: bytes, version: bytes) -> None:
        if self._kring_refused:
            return  # answered already; the application never sees it
        super().requestReceived(command, path, version)

    def process(self) -> Any:
        result = super().process()
        if self.transport is None and self.channel is not None:
            # Handed over to a WebSocket (daphne took the transport). Twisted's channel stays
            # registered as the TCP transport's producer for the socket's whole life and keeps
            # this request in its list, with its headers and body: ~4 KB per open socket
            # (tracemalloc, bench S1) that nothing reads again. The channel is not told of the
            # connection's end any more (the WebSocket is), so it need not know the request.
            with contextlib.suppress(ValueError):
                self.channel.requests.remove(self)
        return result

    def check_timeouts(self) -> None:
        """Called every 2 s by daphne for every request it knows."""
        if self._kring_refused:
            return
        if not hasattr(self, "request_start"):  # still receiving
            now, settings = time.monotonic(), _settings()
            if self._kring_headers_done is None:
                late = now - self._kring_began > settings.KRING_HTTP_HEADER_TIMEOUT
            else:
                late = now - self._kring_headers_done > settings.KRING_HTTP_BODY_TIMEOUT
            if late:
                self._kring_refuse(408)
            return
        super().check_timeouts()

    def finish(self) -> None:
        channel = getattr(self, "channel", None)  # Twisted lets go of it in finish()
        super().finish()
        if (
            channel is not None
            and getattr(channel, "persistent", False)
            and not self._kring_refused
        ):
            _await_request_line(channel, started_only=True)

    def _kring_refuse(self, status: int) -> None:
        from config.limits import refusal

        self._kring_refused = True
        path = self._kring_path()
        content_type, body = refusal(path, status)
        reason = b"Payload Too Large" if status == 413 else b"Request Timeout"
        head = (
            b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
            % (status, reason, content_type, len(body))
        )
        _hang_up(self.channel, head + body)


def _hang_up(channel: Any, answer: bytes) -> None:
    """Send ``answer``, read nothing more, and drop the connection shortly after."""
    transport = channel.transport
    if transport is None:
        return
    channel.dataReceived = lambda data: None  # whatever else comes is dropped unread
    channel.persistent = False
    transport.write(answer)
    try:
        transport.loseWriteConnection()
    except AttributeError:  # not a TCP transport (a UNIX socket under test, say)
        transport.loseConnection()
    reactor.callLater(LINGER_SECONDS, transport.abortConnection)


class BoundedHTTPFactory(HTTPFactory):
    def __init__(self, server: Any) -> None:
        super().__init__(server)
        # Twisted closes a connection silent for this long (it is reset by every byte).
        self.timeOut = _settings().KRING_HTTP_IDLE_TIMEOUT

    def buildProtocol(self, addr: Any) -> Any:
        protocol = super().buildProtocol(addr)
        protocol.requestFactory = BoundedRequest
        _await_request_line(protocol)
        return protocol


def _await_request_line(protocol: Any, *, started_only: bool = False) -> None:
    """The request line must arrive in time too (before it, no request object exists). After
    a keep-alive response (``started_only``) a connection may sit silent until Twisted's idle
    timeout, but one whose next request line has begun must finish it in time."""
    channel = getattr(protocol, "_channel", protocol)
    seen = getattr(channel, "_kring_requests", 0)

    def check() -> None:
        transport = channel.transport
        if getattr(channel, "_kring_requests", 0) != seen:
            return  # a new request began: its own deadlines apply
        if not getattr(transport, "connected", False):
            return
        if started_only and not getattr(channel, "_buffer", b""):  # LineReceiver's buffer
            return
        _hang_up(channel, b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n")

    reactor.callLater(_settings().KRING_HTTP_HEADER_TIMEOUT, check)


class KringServer(ApplicationsReapedOnEnd, Server):
    """Daphne's server with the bounded HTTP front (daphne builds its factories in ``run``),
    leaner WebSocket connections and applications reaped as they end
    (``config.lean_daphne``)."""

    def create_application(self, protocol: Any, scope: dict[str, Any]) -> InputQueue | None:
        """Daphne's ``create_application`` with an ``InputQueue`` for its ``asyncio.Queue``."""
        assert "application_instance" not in self.connections[protocol]
        input_queue = InputQueue()
        scope.setdefault("asgi", {"version": "3.0"})
        application_instance = self.application(
            scope=scope, receive=input_queue.get, send=partial(self.handle_reply, protocol)
        )
        if protocol not in self.connections:
            return None
        instance = asyncio.ensure_future(application_instance, loop=asyncio.get_event_loop())
        self.connections[protocol]["application_instance"] = instance
        self.watch_application(protocol, instance)
        return input_queue

    @property
    def http_factory(self) -> Any:
        return self._kring_http_factory

    @http_factory.setter
    def http_factory(self, factory: Any) -> None:
        self._kring_http_factory = BoundedHTTPFactory(self)

    @property
    def ws_factory(self) -> Any:
        return self._kring_ws_factory

    @ws_factory.setter
    def ws_factory(self, factory: Any) -> None:
        # Built as daphne builds its own (daphne then sets its options on it).
        self._kring_ws_factory = LeanWebSocketFactory(self, server=self.server_name)


class KringCommandLineInterface(CommandLineInterface):
    server_class = KringServer


class _Deferred:
    """``function(*args)`` as text, computed only if a log line is actually written."""

    __slots__ = ("args", "function")

    def __init__(self, function: Any, *args: Any) -> None:
        self.function = function
        self.args = args

    def __str__(self) -> str:
        return str(self.function(*self.args))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def _deferring(function: Any) -> Any:
    return lambda *args: _Deferred(function, *args)


def defer_autobahn_formatting() -> None:
    """autobahn formats its debug lines' arguments before the logger decides to drop them:
    it pretty-prints every connection's ~40 settings (about 11% of the event loop's CPU in a
    reconnect storm: py-spy, bench S6) and colours type names and values with click on every
    connection and every frame received (31 ``click.style`` calls per reconnect, cProfile).
    Hand it values that are formatted only when a debug line is written, so debugging
    autobahn still shows it all."""
    try:
        from autobahn.twisted import websocket as twisted_websocket
        from autobahn.websocket import protocol
    except ImportError:  # pragma: no cover - autobahn comes with daphne
        return
    from autobahn import util

    protocol.pformat = _deferring(pprint.pformat)  # type: ignore[attr-defined]
    for module in (protocol, twisted_websocket):
        module.hltype = _deferring(util.hltype)  # type: ignore[attr-defined]
        module.hlval = _deferring(util.hlval)  # type: ignore[attr-defined]
    # The one use that must return a str at once.
    protocol.Timings.__str__ = lambda self: pprint.pformat(self._timings)  # type: ignore[method-assign]


def daphne_arguments(*, host: str, port: int, proxy_headers: bool = False) -> list[str]:
    """daphne's command line for the settings. autobahn applies the message size to what the
    server sends too (on the ASGI path), so it gets the outgoing limit; the frame size takes
    the incoming one, and the consumer refuses larger incoming messages itself."""
    settings = _settings()
    # Twisted listens with a backlog of 50: after a deploy or a crash every client reconnects
    # within a second, the kernel drops the SYNs beyond it and those clients back off and
    # retry for seconds (bench S6). The kernel caps it at net.core.somaxconn.
    interface = host.strip("[]").replace(":", r"\:")
    endpoint = f"tcp:port={port}:interface={interface}:backlog={settings.KRING_LISTEN_BACKLOG}"
    arguments = [
        "-e", endpoint,
        "--websocket-max-message-size", str(settings.KRING_MAX_OUTGOING_FRAME_BYTES),
        "--websocket-max-frame-size", str(settings.KRING_MAX_FRAME_BYTES),
        "--ping-interval", str(settings.KRING_PING_INTERVAL_SECONDS),
        "--ping-timeout", str(settings.KRING_PING_TIMEOUT_SECONDS),
    ]  # fmt: skip
    if proxy_headers:
        arguments.append("--proxy-headers")
    # daphne writes an access line for every request and three for every socket (connecting,
    # connected, disconnected) unless told where: about 0.6 ms of CPU per reconnect (bench
    # S6). Kring logs its requests itself (django-structlog), so daphne's is opt-in. Without
    # it, verbosity 0 keeps daphne from formatting lines for /dev/null (Kring's logging is
    # configured by Django before daphne starts, so it is not affected).
    if settings.KRING_ACCESS_LOG:
        arguments += ["--access-log", settings.KRING_ACCESS_LOG]
    else:
        arguments += ["--verbosity", "0"]
    return [*arguments, "config.asgi:application"]


def tune_garbage_collector() -> None:
    """Collect cycles less often than Python's default (a young-generation pass every 700 new
    container objects): a reconnect storm allocates hundreds of objects per handshake, and
    the default spent a fifth of the server's CPU in collections (bench S6, measured with
    ``gc.callbacks``). What exists after start-up (Django, the URL conf, every module) is
    never garbage: frozen, it is left out of every collection."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*_settings().KRING_GC_THRESHOLDS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve Kring (daphne with a bounded front).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--proxy-headers", action="store_true", help="trust X-Forwarded-For (see deploy/)"
    )
    options = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    defer_autobahn_formatting()
    tune_garbage_collector()
    KringCommandLineInterface().run(
        daphne_arguments(host=options.host, port=options.port, proxy_headers=options.proxy_headers)
    )


if __name__ == "__main__":
    main()
