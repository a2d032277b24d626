"""Server-to-client frames about the socket itself, rooms and membership (room events are in
``room_events``, moderation in ``moderation``, notifications in ``notifications``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from .base import Frame
from .people import AuthorOut


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

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


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


ResumeReason = Literal["slow_consumer", "idle", "session_ended"]


class ResumeFrame(Frame):
    """The server is closing this socket; reconnect and resume with ``since`` (nothing is
    lost). ``reason``: ``slow_consumer`` (the client did not keep up), ``idle``,
    ``session_ended`` (sign in again)."""

    type: Literal["resume"] = "resume"
    reason: ResumeReason


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


class PongFrame(Frame):
    type: Literal["pong"] = "pong"
    ref: str | None = None


ErrorCode = Literal[
    "bad_request",
    "forbidden",
    "not_found",
    "conflict",
    "gone",
    "rate_limited",
    "too_large",
    "unavailable",
]


class ErrorFrame(Frame):
    type: Literal["error"] = "error"
    code: ErrorCode
    detail: str
    ref: str | None = None
