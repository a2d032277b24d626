"""A TCP proxy in front of daphne that a test can make misbehave like a bad network.

Everything (pages, API calls, the WebSocket) goes through it. Modes:

* ``pass``  — bytes flow both ways;
* ``freeze`` — connections stay open but nothing flows either way (a dead Wi-Fi: the browser
  sees no close, only silence);
* ``blackhole_up`` — what the browser sends is swallowed (a post that never arrives);
* ``blackhole_down`` — what the server sends is swallowed (an ack that never arrives);
* ``refuse`` — new connections are closed at once (the server is unreachable); the times of
  those attempts are kept in ``refused_at`` (seconds).

``drop_all()`` closes every open connection at once (a socket dropped mid-send).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Literal

Mode = Literal["pass", "freeze", "blackhole_up", "blackhole_down", "refuse"]


class FlakyProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.mode: Mode = "pass"
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = False
        self.refused_at: list[float] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.mode == "refuse":
                self.refused_at.append(time.monotonic())
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._connections += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, "up"), daemon=True).start()
            threading.Thread(
                target=self._pipe, args=(upstream, client, "down"), daemon=True
            ).start()

    def _pipe(self, source: socket.socket, target: socket.socket, direction: str) -> None:
        held: list[bytes] = []  # frozen bytes, delivered when the network comes back
        source.settimeout(0.05)
        while True:
            try:
                data = source.recv(65536)
            except TimeoutError:
                data = None
            except OSError:
                break
            if data == b"":
                break
            mode = self.mode
            if mode == "freeze":
                if data:
                    held.append(data)
                continue
            try:
                for chunk in held:
                    target.sendall(chunk)
                held.clear()
                if data is None:
                    continue
                if mode == f"blackhole_{direction}":
                    continue
                target.sendall(data)
            except OSError:
                break
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def drop_all(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        self.drop_all()
