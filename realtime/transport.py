"""Writing one pre-built WebSocket frame straight to many daphne connections.

A room broadcast through the ASGI ``send`` callable costs, per socket, a coroutine, a message
dict, daphne's checks, a UTF-8 encode and autobahn's frame assembly. The payload is the same
for every socket, so the hub builds the frame bytes once and writes them to each connection's
transport, as ``websockets.broadcast`` does. This needs daphne's protocol object, which daphne
binds into the ``send`` it gives the application (``partial(server.handle_reply, protocol)``);
where that is not available (another ASGI server, channels' test communicator) or the
connection negotiated compression, the hub falls back to ``send`` and nothing changes.

The transport also tells how much is still buffered for a client: a socket whose client
cannot keep up is found before it eats the server's memory, and is told to resume instead.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings

try:  # autobahn comes with daphne; keep the module importable without it
    from autobahn.websocket.protocol import WebSocketServerProtocol
except ImportError:  # pragma: no cover
    WebSocketServerProtocol = None  # type: ignore[assignment,misc]

logger = logging.getLogger(__name__)
_OPCODE_TEXT = 0x81  # FIN + text frame
# What the fast path reads of a Twisted TCP transport (private: checked before first use).
_TRANSPORT_ATTRIBUTES = ("socket", "connected", "_writeDisconnected", "dataBuffer", "offset",
                         "_tempDataLen")  # fmt: skip
_reported: set[str] = set()


def daphne_protocol(send: Any) -> Any | None:
    """The autobahn protocol behind daphne's ``send`` (daphne binds it into the callable it
    gives the application), or ``None`` under another server or the test communicator."""
    if WebSocketServerProtocol is None:
        return None
    if not isinstance(send, functools.partial) or not send.args:
        return None
    protocol = send.args[0]
    if not isinstance(protocol, WebSocketServerProtocol):
        return None
    if getattr(protocol, "transport", None) is None:
        return None
    return protocol


def direct_writer(protocol: Any | None) -> Any | None:
    """``protocol`` if frames may be written straight to its transport, else ``None`` (the
    ASGI path). Says once per process and reason which path sockets take."""
    if protocol is None:
        return None
    if not settings.KRING_DIRECT_WRITES:
        _report("not engaged: KRING_DIRECT_WRITES is off")
        return None
    if getattr(protocol, "_perMessageCompress", None) is not None:
        return None  # a compressed connection needs frames of its own (rare; not reported)
    missing = [a for a in _TRANSPORT_ATTRIBUTES if not hasattr(protocol.transport, a)]
    if missing:
        _report(f"not engaged: this Twisted's transport lacks {', '.join(missing)}")
        return None
    _report("engaged")
    return protocol


def _report(state: str) -> None:
    if state not in _reported:
        _reported.add(state)
        log = logger.info if state == "engaged" else logger.warning
        log("direct writes %s", state)


def text_frame(text: str) -> bytes:
    """An unmasked, unfragmented server-to-client text frame (RFC 6455, section 5.2)."""
    payload = text.encode("utf-8")
    length = len(payload)
    if length < 126:
        header = bytes((_OPCODE_TEXT, length))
    elif length < 65536:
        header = bytes((_OPCODE_TEXT, 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((_OPCODE_TEXT, 127)) + length.to_bytes(8, "big")
    return header + payload


def is_open(protocol: Any) -> bool:
    return protocol.state == protocol.STATE_OPEN


def write_frame(protocol: Any, frame: bytes, limit: int = 0) -> bool:
    """Write a frame to one open connection; False (nothing written) if more than ``limit``
    bytes (when not 0) already wait to be sent, as for a client that does not keep up.

    Twisted's ``transport.write`` always queues, registers the socket for writing (an
    ``epoll_ctl``), and sends on the next loop turn, then unregisters (another ``epoll_ctl``):
    three system calls per delivery. When nothing is queued, send right away, as asyncio's
    transports do, and hand only an unsent remainder to Twisted, which keeps the order and
    handles errors. One call per socket does it all: it runs 500 times per room message."""
    transport = protocol.transport
    try:
        # buffered_bytes, inline (as is_open below): this runs for every socket of a room
        waiting = len(transport.dataBuffer) - transport.offset + transport._tempDataLen
        if waiting:
            if limit and waiting > limit:
                return False
        elif (
            transport.connected
            and not transport._writeDisconnected
            and not getattr(transport, "TLS", False)
        ):
            try:
                sent = transport.socket.send(frame)
            except (BlockingIOError, InterruptedError):
                sent = 0
            if sent == len(frame):
                return True
            frame = frame[sent:]
    except (AttributeError, OSError):
        pass  # not a plain Twisted TCP transport, or the socket failed: Twisted will handle it
    transport.write(frame)
    return True


def buffered_bytes(protocol: Any) -> int:
    """Bytes written to the connection but not yet accepted by the kernel (Twisted keeps
    them in ``dataBuffer`` from ``offset``, plus ``_tempDataBuffer``)."""
    transport = protocol.transport
    try:
        return len(transport.dataBuffer) - transport.offset + transport._tempDataLen
    except AttributeError:  # another transport type: cannot tell
        return 0


def write_to_many(sockets: Iterable[Any], text: str) -> list[Any]:
    """Write one frame to many sockets (the hub's ``Connection``) without waiting on any of
    them: built once, written straight to each daphne transport (the direct path) or queued on
    the socket (the ASGI path). A socket with more than ``KRING_SLOW_CONSUMER_BYTES`` unsent is
    not written to but returned, for the caller to close; one that fails is skipped, never the
    rest."""
    frame: bytes | None = None
    slow: list[Any] = []
    limit = settings.KRING_SLOW_CONSUMER_BYTES
    for conn in tuple(sockets):
        try:
            protocol = conn.direct
            if protocol is None:
                if limit and conn.queue_text(text) > limit:
                    slow.append(conn)
                continue
            if protocol.state != protocol.STATE_OPEN:  # is_open, inline: the hot loop
                continue
            if frame is None:
                frame = text_frame(text)
            if not write_frame(protocol, frame, limit):
                slow.append(conn)
        except Exception:
            logger.warning("a write to one socket failed (user %s)", conn.user_id, exc_info=True)
    return slow
