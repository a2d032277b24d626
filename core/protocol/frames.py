"""Server-to-client frames about the socket itself, rooms and membership (room events are in
``room_events``, moderation in ``moderation``, notifications in ``notifications``)."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from .base import Frame, encode
from .people import AuthorOut


class SubscribedFrame(Frame):
    type: Literal["subscribed"] = "subscribed"
    room: int
    seq: int
    presence: list[int]
    # The same people with their names, so a client can show who is here right away.
    presence_users: list[AuthorOut]
    ref: str | None = None


_NOBODY = '"presence":[],"presence_users":[]'


class PresentPeople:
    """Who is present in a room (by id), as ``subscribed`` frames list them, each person
    encoded once: in a reconnect storm hundreds of sockets subscribe to a room of hundreds
    between two changes, and encoding everyone per subscribe was a tenth of the server's work
    (bench S6)."""

    __slots__ = ("_ids", "_texts", "people")

    def __init__(self, people: Sequence[AuthorOut]) -> None:
        self.people = tuple(people)
        self._ids: list[int] = [person.id for person in self.people]  # type: ignore[misc]
        self._texts: tuple[list[str], list[str]] | None = None

    def arrays(self, subscriber: AuthorOut) -> str:
        """The frame's ``presence`` and ``presence_users`` members as wire text, with the
        subscriber in its place if the list was read before they arrived."""
        if self._texts is None:
            self._texts = ([str(i) for i in self._ids], [_person_json(p) for p in self.people])
        ids, users = self._texts
        at = bisect.bisect_left(self._ids, subscriber.id)  # type: ignore[type-var]
        if at == len(self._ids) or self._ids[at] != subscriber.id:
            ids = [*ids[:at], str(subscriber.id), *ids[at:]]
            users = [*users[:at], _person_json(subscriber), *users[at:]]
        return f'"presence":[{",".join(ids)}],"presence_users":[{",".join(users)}]'


def _person_json(person: AuthorOut) -> str:
    return person.model_dump_json(by_alias=True)


def subscribed_text(
    room: int, seq: int, present: PresentPeople, subscriber: AuthorOut, ref: str | None
) -> str:
    """The wire text of ``SubscribedFrame``: the frame built and encoded as every other, its
    (empty) presence members then replaced by ``present``'s shared encoding."""
    frame = encode(SubscribedFrame(room=room, seq=seq, presence=[], presence_users=[], ref=ref))
    before, marker, after = frame.partition(_NOBODY)
    if not marker:  # the model's fields were changed: fail loudly, not with an empty list
        raise ValueError("the subscribed frame has no empty presence members to fill in")
    return f"{before}{present.arrays(subscriber)}{after}"


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
