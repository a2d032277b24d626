"""Room events as clients see them: the ``event`` frame (live, on resume, and from the HTTP
history, byte for byte the same) and the ``ack`` that answers a post, edit or delete."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import Field
from pydantic_core import to_json

from .base import Frame, Shape
from .people import AuthorOut, Person, author_out

REPLY_EXCERPT_LENGTH = 140
# Everything an event or ack frame carries besides the text twice (body and html): ids, seq,
# author and reply preview (names and an excerpt, JSON-escaped), times, data, ref.
EVENT_FRAME_OVERHEAD_BYTES = 4096


class StoredEvent(Protocol):
    """What the protocol reads of a stored room event (the community app's ``RoomEvent``)."""

    pk: Any
    room_id: int
    seq: int
    kind: str
    author: Person | None
    target_id: int | None
    reply_to_id: int | None
    body: str
    html: str
    data: dict[str, Any]
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    hidden_at: datetime | None
    hidden_reason: str
    pinned_at: datetime | None

    @property
    def target(self) -> StoredEvent | None: ...

    @property
    def reply_to(self) -> StoredEvent | None: ...


class ReplyPreviewOut(Shape):
    id: int
    author: AuthorOut
    excerpt: str


class EventOut(Shape):
    id: int
    kind: str
    author: AuthorOut
    body: str
    html: str
    # For replies: the message replied to, with a short excerpt so clients can show it
    # without having that message loaded.
    reply_to: int | None = None
    reply_preview: ReplyPreviewOut | None = None
    # For edit/delete events: the message they change.
    message: int | None = None
    created_at: datetime
    edited_at: datetime | None = None
    deleted: bool = False
    # Hidden by a facilitator: members get empty body/html and the reason; facilitators get
    # the text too (history and resume only).
    hidden: bool = False
    hidden_reason: str = ""
    pinned: bool = False
    # Moderation, room and membership events: what changed (see docs/protocol.md).
    data: dict[str, Any] = Field(default_factory=dict)


class EventFrame(Frame):
    type: Literal["event"] = "event"
    room: int
    seq: int
    event: EventOut


class AckFrame(Frame):
    """The answer to post/edit/delete: the stored event, with the client's ref."""

    type: Literal["ack"] = "ack"
    room: int
    seq: int
    event: EventOut
    ref: str | None = None


def event_out(event: StoredEvent, *, reveal_hidden: bool = False) -> EventOut:
    """The payload of one stored room event. Needs ``author``, ``target`` and
    ``reply_to__author`` loaded (the selectors do this) to avoid a query per event.

    The text of a hidden message (and of its edit and unhide events) is left out unless
    ``reveal_hidden`` (the viewer facilitates the community)."""
    reply_preview = None
    reply = event.reply_to if event.reply_to_id else None
    if reply is not None:
        concealed_reply = reply.deleted_at is not None or reply.hidden_at is not None
        excerpt = "" if concealed_reply else reply.body[:REPLY_EXCERPT_LENGTH]
        reply_preview = ReplyPreviewOut(
            id=reply.pk, author=author_out(reply.author), excerpt=excerpt
        )
    message = event if event.kind == "message" else (event.target if event.target_id else None)
    conceal = message is not None and message.hidden_at is not None and not reveal_hidden
    return EventOut(
        id=event.pk,
        kind=event.kind,
        author=author_out(event.author),
        body="" if conceal else event.body,
        html="" if conceal else event.html,
        reply_to=event.reply_to_id,
        reply_preview=reply_preview,
        message=event.target_id,
        created_at=event.created_at,
        edited_at=event.edited_at,
        deleted=event.deleted_at is not None,
        hidden=event.hidden_at is not None,
        hidden_reason=event.hidden_reason,
        pinned=event.pinned_at is not None,
        data=event.data,
    )


def event_frame(event: StoredEvent, *, reveal_hidden: bool = False) -> EventFrame:
    return EventFrame(
        room=event.room_id, seq=event.seq, event=event_out(event, reveal_hidden=reveal_hidden)
    )


def ack_frame(event: StoredEvent, ref: str | None) -> AckFrame:
    return AckFrame(room=event.room_id, seq=event.seq, event=event_out(event), ref=ref)


# Where a stored event object keeps its members' ``event`` frame text once encoded.
_EVENT_TEXT = "_kring_event_text"
_EVENT_PREFIX = '{"type":"event",'


def event_text(event: StoredEvent) -> str:
    """``encode(event_frame(event))``, the members' view, encoded once per event object: a
    post's broadcast and its ack are built from the same text."""
    text = getattr(event, _EVENT_TEXT, None)
    if text is None:
        text = event_frame(event).model_dump_json(by_alias=True)
        setattr(event, _EVENT_TEXT, text)
    return text


def ack_text(event: StoredEvent, ref: str | None) -> str:
    """``encode(ack_frame(event, ref))`` without building and encoding the event again: an
    ack has the event frame's fields in the same order, its own type, and the ref last (left
    out when there is none). Tested byte for byte against the model's encoding."""
    text = event_text(event)
    if not text.startswith(_EVENT_PREFIX):  # pragma: no cover - the model fixes the order
        exclude = {"ref"} if ref is None else None
        return ack_frame(event, ref).model_dump_json(by_alias=True, exclude=exclude)
    ack = '{"type":"ack",' + text[len(_EVENT_PREFIX) : -1]
    if ref is not None:
        ack += ',"ref":' + to_json(ref).decode()
    return ack + "}"


def event_frame_size(body: str, html: str) -> int:
    """An upper bound of the bytes of the ``event`` (or ``ack``) frame of a message with this
    text: what must fit ``KRING_MAX_OUTGOING_FRAME_BYTES``."""
    return (
        len(json.dumps(body, ensure_ascii=False).encode("utf-8"))
        + len(json.dumps(html, ensure_ascii=False).encode("utf-8"))
        + EVENT_FRAME_OVERHEAD_BYTES
    )
