"""Every frame the server sends, built here and nowhere else (documented in docs/protocol.md).

The models double as the JSON API's response schemas, so ``GET /api/rooms/{id}/events``
returns exactly the frames a socket receives. ``encode`` produces the wire text once; the
fan-out writes that same text to every local socket of a room.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from community.models import RoomEvent

DELETED_USER_NAME = "Deleted user"
REPLY_EXCERPT_LENGTH = 140


class Frame(BaseModel):
    model_config = ConfigDict(frozen=True)


class AuthorOut(BaseModel):
    id: int | None
    name: str
    # For @mentions; null for a deleted user.
    handle: str | None = None


class ReplyPreviewOut(BaseModel):
    id: int
    author: AuthorOut
    excerpt: str


class EventOut(BaseModel):
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


class SubscribedFrame(Frame):
    type: Literal["subscribed"] = "subscribed"
    room: int
    seq: int
    presence: list[int]
    # The same people with their names, so a client can show who is here right away.
    presence_users: list[AuthorOut]
    ref: str | None = None


class UnsubscribedFrame(Frame):
    type: Literal["unsubscribed"] = "unsubscribed"
    room: int
    ref: str | None = None


class GapFrame(Frame):
    type: Literal["gap"] = "gap"
    room: int
    # Inclusive seq range the client must page over HTTP ("from" is a Python keyword).
    from_: int = Field(alias="from")
    to: int

    model_config = ConfigDict(frozen=True, populate_by_name=True)


class TypingFrame(Frame):
    type: Literal["typing"] = "typing"
    room: int
    user: AuthorOut


class PresenceFrame(Frame):
    """Who arrived in and who left a room since the last presence frame (batched)."""

    type: Literal["presence"] = "presence"
    room: int
    joined: list[AuthorOut]
    left: list[int]


class ResumeFrame(Frame):
    """The server is closing this socket; reconnect and resume with ``since`` (nothing is
    lost). ``reason``: ``slow_consumer`` (the client did not keep up), ``idle``,
    ``session_ended`` (sign in again), ``shutdown``."""

    type: Literal["resume"] = "resume"
    reason: str


class ReadFrame(Frame):
    type: Literal["read"] = "read"
    room: int
    seq: int
    unread: int
    ref: str | None = None


class RemovedFrame(Frame):
    type: Literal["removed"] = "removed"
    community: str
    rooms: list[int]
    reason: Literal["left", "removed", "banned"]


class MembershipFrame(Frame):
    """To one user: their membership changed (approved, declined, role, invitation used)."""

    type: Literal["membership"] = "membership"
    community: str
    state: str
    role: str
    message: str = ""


class JoinRequestFrame(Frame):
    """To a community's facilitators: someone asks to join."""

    type: Literal["join_request"] = "join_request"
    community: str
    user: AuthorOut
    message: str = ""


class MuteFrame(Frame):
    """To one user: they were muted or unmuted (``room`` null: the whole community)."""

    type: Literal["mute"] = "mute"
    community: str
    room: int | None
    muted: bool
    until: datetime | None = None
    reason: str = ""


class AuditEntryOut(BaseModel):
    id: int
    community: str
    action: str
    actor: AuthorOut
    target_user: AuthorOut | None
    room: int | None
    message: int | None
    reason: str
    data: dict[str, Any]
    created_at: datetime


class AuditFrame(Frame):
    """To a community's facilitators: a moderation action was taken."""

    type: Literal["audit"] = "audit"
    community: str
    entry: AuditEntryOut


class ReportOut(BaseModel):
    id: int
    community: str
    room: int
    message: int
    message_author: AuthorOut
    excerpt: str
    reporter: AuthorOut
    reason: str
    state: str
    created_at: datetime
    resolution: str = ""
    resolution_note: str = ""


class ReportFrame(Frame):
    """To a community's facilitators: a member reported a message."""

    type: Literal["report"] = "report"
    community: str
    report: ReportOut


class PongFrame(Frame):
    type: Literal["pong"] = "pong"
    ref: str | None = None


class NotificationOut(BaseModel):
    id: int
    verb: str
    category: str
    actor: AuthorOut
    text: str
    community: str | None
    room: int | None
    target: dict[str, Any] | None
    url: str
    created_at: datetime
    unread: bool


class NotificationFrame(Frame):
    """A notification for this user; ``seq`` (= its id) grows per user, ``unread`` is the
    user's unread count after it."""

    type: Literal["notification"] = "notification"
    seq: int
    notification: NotificationOut
    unread: int


class NotificationsSyncedFrame(Frame):
    """After ``{"type":"notifications","since":N}``: everything newer was sent; ``more`` says
    the client should page the rest over HTTP."""

    type: Literal["notifications_synced"] = "notifications_synced"
    seq: int
    unread: int
    more: bool = False
    ref: str | None = None


def notification_out(notification: Any) -> NotificationOut:
    data = notification.data or {}
    target = None
    if notification.target_object_id:
        target = {
            "model": f"{notification.target_content_type.app_label}."
            f"{notification.target_content_type.model}",
            "id": int(notification.target_object_id),
        }
    return NotificationOut(
        id=notification.pk,
        verb=notification.verb,
        category=data.get("category", ""),
        actor=author_out(getattr(notification, "actor_user", None)),
        text=notification.description or "",
        community=data.get("community"),
        room=data.get("room"),
        target=target,
        url=data.get("url", ""),
        created_at=notification.timestamp,
        unread=notification.unread,
    )


def notification_texts(common: dict[str, Any], recipients: list[list[int]]) -> dict[int, str]:
    """Frames of one notification for many users, differing only in id/seq and unread count:
    the shared part is encoded once, each user's frame is assembled around it."""
    shared = json.dumps(common, separators=(",", ":"), ensure_ascii=False)[1:-1]
    return {
        user_id: (
            f'{{"type":"notification","seq":{nid},"notification":{{"id":{nid},'
            f'"unread":true,{shared}}},"unread":{unread}}}'
        )
        for user_id, nid, unread in recipients
    }


class ErrorFrame(Frame):
    type: Literal["error"] = "error"
    code: Literal[
        "bad_request",
        "forbidden",
        "not_found",
        "conflict",
        "rate_limited",
        "too_large",
        "unavailable",
    ]
    detail: str
    ref: str | None = None


def encode(frame: Frame) -> str:
    """Wire text of a frame, encoded once however many sockets receive it. Nulls are kept
    (``reply_to: null`` is information); only an absent ``ref`` is left out."""
    exclude = {"ref"} if getattr(frame, "ref", "") is None else None
    return frame.model_dump_json(by_alias=True, exclude=exclude)


def author_out(user: Any) -> AuthorOut:
    if user is None:
        return AuthorOut(id=None, name=DELETED_USER_NAME)
    return AuthorOut(id=user.pk, name=str(user.public_name), handle=user.handle)


def event_out(event: RoomEvent, *, reveal_hidden: bool = False) -> EventOut:
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


def event_frame(event: RoomEvent, *, reveal_hidden: bool = False) -> EventFrame:
    return EventFrame(
        room=event.room_id, seq=event.seq, event=event_out(event, reveal_hidden=reveal_hidden)
    )


def ack_frame(event: RoomEvent, ref: str | None) -> AckFrame:
    return AckFrame(room=event.room_id, seq=event.seq, event=event_out(event), ref=ref)
