"""The base of every frame the server sends, and the one encoder of wire text."""

from __future__ import annotations

from typing import get_args

from pydantic import BaseModel, ConfigDict


class Shape(BaseModel):
    """A part of a frame: exactly these keys, no others (the frame tests hold every emitted
    frame to its model)."""

    model_config = ConfigDict(extra="forbid")


class Frame(BaseModel):
    """A server-to-client frame. Each subclass has a literal ``type`` and is listed in
    docs/protocol.md (a test compares the two)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def encode(frame: Frame) -> str:
    """Wire text of a frame, encoded once however many sockets receive it. Nulls are kept
    (``reply_to: null`` is information); only an absent ``ref`` is left out."""
    exclude = {"ref"} if getattr(frame, "ref", "") is None else None
    return frame.model_dump_json(by_alias=True, exclude=exclude)


def frame_type(frame_class: type[BaseModel]) -> str:
    """The literal ``type`` of a frame class (server or client)."""
    return str(get_args(frame_class.model_fields["type"].annotation)[0])
