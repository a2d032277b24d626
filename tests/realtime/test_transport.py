"""Writing frames straight to daphne's transport: the encoding, the buffer it reads, and a
broadcast that neither waits on nor stops at any one socket."""

from __future__ import annotations

import asyncio
import socket
from types import SimpleNamespace

import pytest
from channels.layers import get_channel_layer
from twisted.internet import abstract
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from core.protocol.base import encode
from core.protocol.frames import ResumeFrame
from realtime.hub import Hub
from realtime.transport import buffered_bytes, text_frame, write_frame


def _parse(data: bytes) -> Frame:
    """Read one server frame back with the `websockets` library's own parser."""
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        assert reader.at_eof(), "bytes left after the frame"
        return done.value
    raise AssertionError("the frame was incomplete")


@pytest.mark.parametrize("length", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_text_frames_at_every_length_boundary_parse_back(length):
    text = "é" * (length // 2) + "a" * (length % 2)  # two bytes per é: byte lengths as given
    assert len(text.encode()) == length
    frame = _parse(text_frame(text))
    assert frame.opcode == Opcode.TEXT and frame.fin and frame.data.decode() == text


def test_payload_length_header_uses_the_shortest_form():
    assert len(text_frame("a" * 125)) == 2 + 125  # 7-bit length
    assert len(text_frame("a" * 126)) == 4 + 126  # 16-bit length
    assert len(text_frame("a" * 65535)) == 4 + 65535
    assert len(text_frame("a" * 65536)) == 10 + 65536  # 64-bit length


class _SlowKernel(abstract.FileDescriptor):
    """Twisted's real buffering, over a "kernel" that accepts ``accept`` bytes per write."""

    connected = True

    def __init__(self, accept: int) -> None:
        super().__init__(reactor=object())  # no reactor: writes are flushed by hand
        self.accept = accept

    def startWriting(self) -> None:  # registering with a reactor
        pass

    def writeSomeData(self, data: bytes) -> int:
        return min(self.accept, len(data))


def test_buffered_bytes_counts_what_twisted_has_not_handed_to_the_kernel():
    transport = _SlowKernel(accept=40)
    protocol = SimpleNamespace(transport=transport)
    assert buffered_bytes(protocol) == 0
    transport.write(b"x" * 100)
    assert buffered_bytes(protocol) == 100  # waiting in Twisted's temporary buffer
    transport.doWrite()
    assert buffered_bytes(protocol) == 60  # 40 taken by the kernel
    transport.write(b"y" * 10)
    assert buffered_bytes(protocol) == 70


def test_buffered_bytes_of_an_unknown_transport_is_zero():
    assert buffered_bytes(SimpleNamespace(transport=object())) == 0


class _Socket:
    """A socket on the ASGI path, as the hub sees it (the consumer's interface)."""

    def __init__(self, user_id: int, *, fails: bool = False, unsent: int = 0) -> None:
        self.user_id, self.fails, self.unsent = user_id, fails, unsent
        self.rooms: set[int] = set()
        self.direct = None
        self.session_key = None
        self.last_seen = 0.0
        self.queued: list[str] = []
        self.closed: tuple[str | None, int] | None = None

    def queue_text(self, text: str) -> int:
        if self.fails:
            raise ConnectionResetError("gone")
        self.queued.append(text)
        return self.unsent + len(text)

    async def send_text(self, text: str) -> None:
        self.queue_text(text)

    async def close_with(self, text: str | None, code: int) -> None:
        self.closed = (text, code)


async def test_one_failing_socket_does_not_skip_the_rest(settings):
    settings.KRING_SLOW_CONSUMER_BYTES = 1000
    hub = Hub(get_channel_layer())
    first, failing, last = _Socket(1), _Socket(2, fails=True), _Socket(3)
    await hub.broadcast({first, failing, last}, '{"type":"pong"}')
    assert first.queued == last.queued == ['{"type":"pong"}']


async def test_slow_consumer_on_the_asgi_path_is_told_to_resume_and_closed(settings):
    settings.KRING_SLOW_CONSUMER_BYTES = 1000
    hub = Hub(get_channel_layer())
    keeping_up, slow = _Socket(1), _Socket(2, unsent=5000)
    await hub.broadcast({keeping_up, slow}, '{"type":"pong"}')
    await asyncio.sleep(0)
    assert slow.closed == (encode(ResumeFrame(reason="slow_consumer")), 4008)
    assert keeping_up.closed is None


def _direct(accept: int = 1 << 20) -> tuple[SimpleNamespace, socket.socket]:
    """An open connection on the direct path: Twisted's buffering over a real socket, and the
    socket's other end."""
    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    theirs.setblocking(False)
    transport = _SlowKernel(accept)
    transport.socket = ours
    return SimpleNamespace(transport=transport, state=3, STATE_OPEN=3), theirs


def test_a_direct_write_sends_at_once_when_nothing_waits():
    protocol, theirs = _direct()
    assert write_frame(protocol, b"abc", limit=50)
    assert theirs.recv(100) == b"abc"
    assert buffered_bytes(protocol) == 0


def test_a_direct_write_queues_behind_what_waits_and_refuses_past_the_limit():
    protocol, theirs = _direct()
    protocol.transport.write(b"x" * 100)  # Twisted holds these, not yet sent
    # when more than the limit waits, then nothing is written: the caller closes the socket
    assert not write_frame(protocol, b"def", limit=50)
    assert buffered_bytes(protocol) == 100
    # when the limit allows it, then the frame goes behind what waits, never ahead of it
    assert write_frame(protocol, b"def", limit=500)
    assert buffered_bytes(protocol) == 103
    with pytest.raises(BlockingIOError):
        theirs.recv(100)


class _DirectSocket(_Socket):
    def __init__(self, user_id: int, protocol: SimpleNamespace) -> None:
        super().__init__(user_id)
        self.direct = protocol


async def test_slow_consumer_on_the_direct_path_is_told_to_resume_and_closed(settings):
    settings.KRING_SLOW_CONSUMER_BYTES = 1000
    hub = Hub(get_channel_layer())
    fast_protocol, fast_end = _direct()
    slow_protocol, _slow_end = _direct()
    slow_protocol.transport.write(b"x" * 5000)
    keeping_up, slow = _DirectSocket(1, fast_protocol), _DirectSocket(2, slow_protocol)
    await hub.broadcast({keeping_up, slow}, '{"type":"pong"}')
    await asyncio.sleep(0)
    assert slow.closed == (encode(ResumeFrame(reason="slow_consumer")), 4008)
    assert keeping_up.closed is None
    assert _parse(fast_end.recv(100)).data == b'{"type":"pong"}'
