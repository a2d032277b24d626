"""The one WebSocket a client opens (``/ws/``): parse, authorise, call a service, answer.

No business rules live here; services decide and raise domain errors, which become error
frames in one place (``receive``). A bad frame never closes the socket and never writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError
from django.utils import translation
from django.utils.translation import get_supported_language_variant
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

from community import services
from core import metrics
from core.errors import Forbidden, KringError, TooLarge
from core.protocol.base import encode, frame_type
from core.protocol.client import (
    CLIENT_FRAMES,
    ClientFrame,
    Delete,
    Edit,
    FrameError,
    Notifications,
    Ping,
    Post,
    Read,
    Subscribe,
    Typing,
    Unsubscribe,
    parse_frame,
)
from core.protocol.frames import (
    ErrorFrame,
    PongFrame,
    ReadFrame,
    TypingFrame,
    UnsubscribedFrame,
)
from core.protocol.notifications import (
    NotificationFrame,
    NotificationsSyncedFrame,
    notification_out,
)
from core.protocol.people import AuthorOut, author_out
from core.protocol.room_events import ack_text
from delivery import selectors as delivery_selectors

from .auth import authenticate_handshake
from .hub import get_hub
from .post_batch import get_post_batcher
from .readers import reader_rights
from .transport import (
    buffered_bytes,
    daphne_protocol,
    direct_writer,
    is_open,
    text_frame,
    write_frame,
)

logger = logging.getLogger(__name__)
# Database work of different sockets runs in parallel threads (each with its own connection),
# not all on asgiref's one shared thread: eight posters in eight rooms should not queue behind
# each other. Frames of one socket are still handled one after the other.
in_db_thread = functools.partial(database_sync_to_async, thread_sensitive=False)

WEBSOCKET_PATH = "/ws/"
MESSAGE_TOO_BIG = 1009  # RFC 6455 close code
# How long a closing socket may take to write what is queued for it (the ASGI path).
FLUSH_BEFORE_CLOSE_SECONDS = 1.0
# Notifications replayed on `{"type":"notifications"}`; beyond this the client pages over HTTP.
NOTIFICATION_CATCH_UP_MAX = 200


class KringConsumer(AsyncWebsocketConsumer):
    # No per-socket layer channel: room and user messages reach this socket through the
    # process's hub (realtime.hub), one layer message per process instead of per socket.
    channel_layer_alias = "__kring_hub_only__"

    user: Any
    user_id: int
    _typing_sent: dict[int, float] | None = None

    rooms: set[int]
    # daphne's protocol: ``direct`` when frames are written straight to its transport,
    # ``transport`` on either path (its buffer tells a slow client). None elsewhere.
    direct: Any = None
    transport: Any = None
    session_key: str | None = None
    last_seen: float = 0.0
    # The language errors are told in: the teacher's own, else their browser's.
    language: str = "en"
    # The ASGI path: frames wait here for the socket's writer task, so no send to a slow
    # client holds up anyone else. Created on first use; the direct path never needs them.
    _queue: deque[str] | None = None
    _queued_bytes: int = 0
    _writer: asyncio.Task[None] | None = None

    @property
    def author(self) -> AuthorOut:
        """The user as others see them; built when needed (typing, presence), not kept."""
        return author_out(self.user)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Channels' loop, minus what this consumer does not use: no layer channel to wait on
        (so no extra task and ``asyncio.wait`` per socket and per frame), and no
        ``close_old_connections`` hop to a thread per frame (database work goes through
        ``in_db_thread``, which closes stale connections itself). Per socket, that is memory
        at 10,000 sockets and CPU on every post."""
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        try:
            while True:
                message = await receive()
                handler = self._asgi_handlers.get(message["type"])
                if handler is None:
                    raise ValueError(f"No handler for message type {message['type']}")
                await handler(self, message)
        except StopConsumer:
            pass

    async def connect(self) -> None:

        user, session_key = (None, None)
        if self.scope.get("path") == WEBSOCKET_PATH:
            user, session_key = await authenticate_handshake(self.scope)
        if user is None or not user.is_authenticated:
            await self.close()  # before accept: the handshake is refused with 403
            return

        self.hub = get_hub()
        if self.hub.sockets_of(user.pk) >= settings.KRING_MAX_SOCKETS_PER_USER:
            logger.info("user %s has too many sockets; refusing another", user.pk)
            await self.close()
            return
        self.user = user
        self.user_id = user.pk

        self.session_key = session_key
        self.language = user.language or _browser_language(self.scope)

        self.rooms = set()

        self._closing = False
        self.last_seen = time.monotonic()
        self.transport = daphne_protocol(self.base_send)
        if self.transport is not None:
            # A frame over the size limit gets a 1009 close with the reason, not a dropped
            # connection (autobahn's default), so the client can tell why.
            self.transport.failByDrop = False
        await self.accept()
        self.direct = direct_writer(self.transport)
        # The handshake's headers (cookies, user agent, ...) are not needed any more, but
        # every middleware's copy of the scope shares the one list: empty it, for memory.
        self.scope.get("headers", []).clear()
        await self.hub.register(self)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        """Channels' own minus its layer groups (this consumer has none) and its
        ``aclose_old_connections``: a thread hop at the end of every socket (~80 us of CPU
        each in a reconnect storm, py-spy) for what ``in_db_thread`` does on every use."""
        await self.disconnect(message.get("code", 1000))
        raise StopConsumer()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "user"):
            await self.hub.unregister(self)

    async def send_text(self, text: str) -> None:
        """Every frame of this socket takes one road, so they arrive in order: straight to
        daphne's transport, or through the socket's queue (never waiting on the client)."""
        if self.direct is not None:
            if is_open(self.direct):
                write_frame(self.direct, text_frame(text))
        else:
            self.queue_text(text)

    def queue_text(self, text: str) -> int:
        """Queue a frame for the writer task; returns the bytes this socket has not sent yet
        (its queue, plus daphne's buffer when it is known)."""
        if self._queue is None:
            self._queue = deque()
        self._queue.append(text)
        self._queued_bytes += len(text)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.ensure_future(self._write_queued())
        buffered = buffered_bytes(self.transport) if self.transport is not None else 0
        return self._queued_bytes + buffered

    async def _write_queued(self) -> None:
        queue = self._queue
        while queue:
            text = queue.popleft()
            self._queued_bytes -= len(text)
            try:
                await self.base_send({"type": "websocket.send", "text": text})
            except Exception:
                logger.debug("send to a closing socket failed", exc_info=True)
                queue.clear()
                self._queued_bytes = 0

    async def close_with(self, text: str | None, code: int, reason: str | None = None) -> None:
        """Tell the client why (a ``resume`` frame), then close; the client reconnects and
        resumes from its last seq."""
        if self._closing:
            return
        self._closing = True
        await self.hub.unregister(self)
        with contextlib.suppress(Exception):
            if text:
                await self.send_text(text)
            if self._writer is not None:
                await asyncio.wait_for(asyncio.shield(self._writer), FLUSH_BEFORE_CLOSE_SECONDS)
        with contextlib.suppress(Exception):
            await self.close(code=code, reason=reason)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        self.last_seen = time.monotonic()
        ref = None
        try:
            if text_data is None:
                raise FrameError(_("Send JSON as text frames; binary frames are not supported."))
            if _too_big(text_data):
                # A fragmented message may pass the server's frame limit; it can never be
                # acted on, and a client re-sending it would loop: close, saying why.
                await self.close_with(
                    None,
                    MESSAGE_TOO_BIG,
                    f"Frames can be at most {settings.KRING_MAX_FRAME_BYTES} bytes.",
                )
                return
            frame = parse_frame(text_data)
            ref = frame.ref
            with translation.override(self.language):
                await self._handlers[type(frame)](self, frame)
        except FrameError as exc:
            await self._send_error(exc.code, exc.detail, exc.ref)
        except KringError as exc:
            await self._send_error(exc.code, exc.detail, ref)
        except DatabaseError:
            logger.exception("database error while handling a frame")
            metrics.DB_ERRORS.labels(where="socket").inc()
            await self._send_error(
                "unavailable", "The server could not store this; nothing was saved. Retry.", ref
            )
        except Exception:
            # A fault (Redis restarting, a bug) must not take the socket down with it.
            logger.exception("unexpected error while handling a frame")
            await self._send_error("unavailable", "Something failed on the server. Retry.", ref)

    async def _send_error(self, code: str, detail: str, ref: str | None) -> None:
        await self.send_text(encode(ErrorFrame(code=code, detail=detail, ref=ref)))  # type: ignore[arg-type]

    # --- handlers, one per client frame type (``_on_<type>``) ------------------------------------

    async def _on_subscribe(self, frame: Subscribe) -> None:
        if (
            frame.room not in self.rooms
            and len(self.rooms) >= settings.KRING_MAX_SUBSCRIPTIONS_PER_SOCKET
        ):
            raise TooLarge(
                _("A socket can follow at most %(max_subscriptions_per_socket)s rooms.")
                % {"max_subscriptions_per_socket": settings.KRING_MAX_SUBSCRIPTIONS_PER_SOCKET}
            )
        reveal_hidden, last_seq = await reader_rights(self.user, frame.room, self.language)
        await self.hub.subscribe(
            self, frame.room, frame.since, frame.ref, reveal_hidden=reveal_hidden, seen=last_seq
        )

    async def _on_unsubscribe(self, frame: Unsubscribe) -> None:
        await self.hub.unsubscribe(self, frame.room)
        await self.send_text(encode(UnsubscribedFrame(room=frame.room, ref=frame.ref)))

    async def _on_post(self, frame: Post) -> None:
        request = services.PostRequest(
            room_id=frame.room,
            author=self.user,
            body=frame.body,
            reply_to_id=frame.reply_to,
            ref=frame.ref,
            version=frame.version,
            language=self.language,
        )
        event, _created = await get_post_batcher().post(request)
        await self._ack(event, frame.ref)

    async def _ack(self, event: Any, ref: str | None) -> None:
        """Answer a stored write. It is stored: whatever happens now, the client must not be
        told to retry (``unavailable``); the event also reaches it in the room's stream."""
        try:
            await self.send_text(ack_text(event, ref))
        except Exception:
            logger.exception("the ack of stored event %s could not be sent", event.pk)

    async def _on_edit(self, frame: Edit) -> None:
        event = await in_db_thread(services.message_edit)(
            actor=self.user, message_id=frame.message, body=frame.body
        )
        await self._ack(event, frame.ref)

    async def _on_delete(self, frame: Delete) -> None:
        event = await in_db_thread(services.message_delete)(
            actor=self.user, message_id=frame.message
        )
        await self._ack(event, frame.ref)

    async def _on_typing(self, frame: Typing) -> None:
        if frame.room not in self.rooms:
            raise Forbidden(_("Subscribe to a room before sending typing notices to it."))
        now = time.monotonic()
        if self._typing_sent is None:
            self._typing_sent = {}
        if now - self._typing_sent.get(frame.room, 0.0) < settings.KRING_TYPING_INTERVAL_SECONDS:
            return  # throttled silently: typing notices are best effort
        self._typing_sent[frame.room] = now
        typing = TypingFrame(room=frame.room, user=self.author)
        await self.hub.publish_typing(frame.room, self.user_id, encode(typing))

    async def _on_read(self, frame: Read) -> None:
        marker, unread = await in_db_thread(services.read_mark)(
            user=self.user, room_id=frame.room, seq=frame.seq
        )
        await self.send_text(
            encode(ReadFrame(room=frame.room, seq=marker, unread=unread, ref=frame.ref))
        )

    async def _on_notifications(self, frame: Notifications) -> None:
        texts, synced = await in_db_thread(self._notifications_since)(frame.since)
        for text in texts:
            await self.send_text(text)
        await self.send_text(encode(synced.model_copy(update={"ref": frame.ref})))

    def _notifications_since(self, since: int) -> tuple[list[str], NotificationsSyncedFrame]:
        missed = delivery_selectors.notification_list(
            user=self.user, after=since, limit=NOTIFICATION_CATCH_UP_MAX + 1
        )
        more = len(missed) > NOTIFICATION_CATCH_UP_MAX
        missed = missed[:NOTIFICATION_CATCH_UP_MAX]
        unread = delivery_selectors.unread_count(user=self.user)
        texts = [
            encode(NotificationFrame(seq=n.pk, notification=notification_out(n), unread=unread))
            for n in missed
        ]
        last = missed[-1].pk if missed else since
        return texts, NotificationsSyncedFrame(seq=last, unread=unread, more=more)

    async def _on_ping(self, frame: Ping) -> None:
        await self.send_text(encode(PongFrame(ref=frame.ref)))

    _asgi_handlers: dict[str, Callable[[Any, Any], Awaitable[None]]] = {
        "websocket.connect": AsyncWebsocketConsumer.websocket_connect,
        "websocket.receive": AsyncWebsocketConsumer.websocket_receive,
        "websocket.disconnect": websocket_disconnect,
    }

    _handlers: dict[type[ClientFrame], Callable[[Any, Any], Awaitable[None]]]


# One handler per client frame, found by name from the one list of client frames (never from
# a name the client sent): a frame type without a handler fails at import, not in production.
KringConsumer._handlers = {
    frame: getattr(KringConsumer, f"_on_{frame_type(frame)}") for frame in CLIENT_FRAMES
}


def _too_big(text: str) -> bool:
    """Over the incoming frame limit in UTF-8 bytes (counted only when it could be)."""
    limit = settings.KRING_MAX_FRAME_BYTES
    return len(text) > limit // 4 and len(text.encode("utf-8")) > limit


def _browser_language(scope: dict[str, Any]) -> str:
    """The best of Kring's languages for the handshake's Accept-Language."""
    for name, value in scope.get("headers", []):
        if name == b"accept-language":
            for code, _quality in parse_accept_lang_header(value.decode("latin1")):
                try:
                    return get_supported_language_variant(code)
                except LookupError:
                    continue
    return settings.LANGUAGE_CODE
