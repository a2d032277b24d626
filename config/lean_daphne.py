"""What daphne keeps for every open WebSocket, made smaller (bench S1: memory per socket).

Measured with tracemalloc on a server holding 2,000 subscribed sockets, three things daphne
and autobahn keep for a socket's whole life cost ~7 KB of its ~23:

* ``InputQueue``: daphne gives every connection an ``asyncio.Queue``, of which it uses
  ``put_nowait`` and ``get`` (the application's ``receive``). That queue holds three deques and
  an ``Event`` with a fourth, ~3.2 KB, for a queue that is empty nearly all the time.
* ``LeanWebSocketFactory``: autobahn copies each of its ~30 settings from the factory onto
  every connection, unless the protocol class already has it; here the class has them (one
  class per factory and setting), so a connection's attribute table is half the size.
* ``LeanWebSocketProtocol``: once open, the handshake's headers, request and response text
  are never read again; they are let go.

(Daphne's HTTP request that was upgraded is let go in ``config.server.BoundedRequest``.)

And what an idle socket costs in CPU (bench S1: 10,000 idle sockets, ~55 ms of CPU per second
against R1's ~23; py-spy: pings a quarter, daphne's per-second walk of every connection a
seventh):

* ``LeanWebSocketProtocol.sendData`` writes straight to the socket when nothing waits, as the
  hub's fan-out does (``realtime.transport``), instead of Twisted's register-send-unregister
  on the next loop turn: every ping, pong and ASGI-path frame;
* ``ApplicationsReapedOnEnd``: an application's end is handled when it happens, and the
  checker daphne runs every second walks only the connections that closed, not all of them.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections import deque
from typing import Any

from autobahn.websocket.protocol import WebSocketServerProtocol
from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol
from twisted.internet import reactor

from realtime.transport import write_frame

# daphne's logger: its messages about applications read as they did.
logger = logging.getLogger("daphne.server")


class InputQueue:
    """An unbounded FIFO with ``put_nowait`` and ``async get``, as ``asyncio.Queue`` for those
    two methods: messages come out in the order they went in, and a ``get`` that is cancelled
    takes nothing out (the next ``get`` has it)."""

    __slots__ = ("_items", "_waiters")

    def __init__(self) -> None:
        self._items: deque[Any] | None = None  # made on the first put, dropped when emptied
        self._waiters: list[asyncio.Future[None]] | None = None

    def put_nowait(self, item: Any) -> None:
        if self._items is None:
            self._items = deque()
        self._items.append(item)
        if self._waiters:
            self._wake_next()

    async def get(self) -> Any:
        while not self._items:
            waiter = asyncio.get_running_loop().create_future()
            if self._waiters is None:
                self._waiters = []
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if self._waiters is not None and waiter in self._waiters:
                    self._waiters.remove(waiter)
                    if not self._waiters:
                        self._waiters = None
                elif self._items:
                    # Woken and cancelled before it ran: pass the wake-up on, as asyncio does.
                    self._wake_next()
                raise
        items = self._items
        item = items.popleft()
        if not items:
            self._items = None
        return item

    def _wake_next(self) -> None:
        waiters = self._waiters
        while waiters:
            waiter = waiters.pop(0)
            if not waiter.done():
                waiter.set_result(None)
                break
        if not waiters:
            self._waiters = None

    def qsize(self) -> int:
        return len(self._items) if self._items else 0


class LeanWebSocketProtocol(WebSocketProtocol):
    """Daphne's WebSocket protocol, letting go of the handshake once the socket is open."""

    def onOpen(self) -> None:
        super().onOpen()
        # autobahn reads these only while the handshake runs. ``request`` stays (daphne logs
        # its path); its headers are the same dict as ``http_headers``.
        self.http_headers.clear()
        self.http_request_data = None
        self.http_response_data = None

    def sendData(self, data: bytes, sync: bool = False, chopsize: int | None = None) -> None:
        """autobahn's write, sent at once when nothing waits (Twisted's ``write`` registers the
        socket for writing and sends on the next loop turn: two ``epoll_ctl`` and a turn for
        every ping and pong). Chopped or synchronous writes, and any while autobahn's own
        queue holds some, go autobahn's way, so the order is kept. autobahn's traffic
        counters, which neither daphne nor Kring reads, are not kept."""
        if chopsize or sync or self.send_queue:
            super().sendData(data, sync, chopsize)
        else:
            write_frame(self, data)


class LeanWebSocketFactory(WebSocketFactory):
    """Daphne's factory building ``LeanWebSocketProtocol`` connections whose settings live on
    their class, made again whenever the factory's settings change."""

    protocol = LeanWebSocketProtocol

    def resetProtocolOptions(self) -> None:
        super().resetProtocolOptions()
        self._settle_protocol()

    def setProtocolOptions(self, *args: Any, **kwargs: Any) -> None:
        super().setProtocolOptions(*args, **kwargs)
        self._settle_protocol()

    def _settle_protocol(self) -> None:
        settings = {}
        for name in WebSocketServerProtocol.CONFIG_ATTRS:
            value = getattr(self, name)
            # A function setting (``perMessageCompressionAccept``) must not become a method.
            settings[name] = staticmethod(value) if inspect.isfunction(value) else value
        self.protocol = type("KringWebSocketProtocol", (LeanWebSocketProtocol,), settings)


class ApplicationsReapedOnEnd:
    """For daphne's ``Server``: what its ``application_checker`` does for a connection (log an
    application's exception, close a socket whose application failed, forget a connection
    once it and its application are both gone, cancel an application that outlives its
    closed connection by ``application_close_timeout``), done when the application ends and,
    each second, for the connections that closed and wait for their application. Daphne's
    checker walks every connection every second: ~5 ms of CPU a second at 10,000 idle
    sockets, for nothing."""

    connections: dict[Any, dict[str, Any]]
    application_close_timeout: float

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._closed_connections: set[Any] = set()

    def watch_application(self, protocol: Any, instance: asyncio.Future[Any]) -> None:
        instance.add_done_callback(lambda _instance: self._check_application(protocol))

    def protocol_disconnected(self, protocol: Any) -> None:
        super().protocol_disconnected(protocol)  # type: ignore[misc]
        self._closed_connections.add(protocol)  # checked from the next second on, as daphne

    def application_checker(self) -> None:
        for protocol in list(self._closed_connections):
            self._check_application(protocol)
        reactor.callLater(1, self.application_checker)

    def _check_application(self, protocol: Any) -> None:
        """daphne's ``application_checker``, for one connection."""
        details = self.connections.get(protocol)
        if details is None:
            self._closed_connections.discard(protocol)
            return
        disconnected = details.get("disconnected")
        instance = details.get("application_instance")
        overdue = disconnected and time.time() - disconnected > self.application_close_timeout
        if overdue and instance is not None and not instance.done():
            logger.warning(
                "Application instance %r for connection %s took too long to shut down "
                "and was killed.",
                instance,
                repr(protocol),
            )
            instance.cancel()
        if instance is not None and instance.done():
            try:
                exception = instance.exception()
            except asyncio.CancelledError:
                exception = None
            if isinstance(exception, KeyboardInterrupt):
                self.stop()  # type: ignore[attr-defined]  # the server is asked to exit (tests)
            elif exception is not None:
                logger.error("Exception inside application: %s", exception, exc_info=exception)
                if not disconnected:
                    protocol.handle_exception(exception)
            del details["application_instance"]
            instance = None
        if instance is None and disconnected:
            del self.connections[protocol]
            self._closed_connections.discard(protocol)
