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
"""

from __future__ import annotations

import asyncio
import inspect
from collections import deque
from typing import Any

from autobahn.websocket.protocol import WebSocketServerProtocol
from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol


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
