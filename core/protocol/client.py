"""Frames a client may send, validated with pydantic (documented in docs/protocol.md).

``CLIENT_FRAMES`` is the one list: the validating union, the accepted ``type`` names and the
consumer's handler map are all derived from it.

Strict types: ``"room": "5"`` is a bad request, not room 5. Unknown extra keys are ignored so
newer clients keep working with older servers.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal, Union

from django.utils.translation import gettext as _
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
)

from ..textcheck import DETAIL, has_unsafe_text
from .base import frame_type

Ref = Annotated[StrictStr, Field(max_length=64)]
# A row id: positive and within what the databases store (64-bit signed).
Id = Annotated[StrictInt, Field(ge=1, le=2**63 - 1)]
Seq = Annotated[StrictInt, Field(ge=0)]


class ClientFrame(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)
    ref: Ref | None = None


class Subscribe(ClientFrame):
    type: Literal["subscribe"]
    room: Id
    since: Seq | None = None


class Unsubscribe(ClientFrame):
    type: Literal["unsubscribe"]
    room: Id


class Post(ClientFrame):
    type: Literal["post"]
    room: Id
    body: StrictStr
    reply_to: Id | None = None
    # In a teaching material's thread: the version the comment is about.
    version: Id | None = None


class Edit(ClientFrame):
    type: Literal["edit"]
    message: Id
    body: StrictStr


class Delete(ClientFrame):
    type: Literal["delete"]
    message: Id


class Typing(ClientFrame):
    type: Literal["typing"]
    room: Id


class Read(ClientFrame):
    type: Literal["read"]
    room: Id
    seq: Seq


class Ping(ClientFrame):
    type: Literal["ping"]


class Notifications(ClientFrame):
    """Catch up on notifications after a reconnect: everything with seq > since."""

    type: Literal["notifications"]
    since: Seq = 0


CLIENT_FRAMES: tuple[type[ClientFrame], ...] = (
    Subscribe,
    Unsubscribe,
    Post,
    Edit,
    Delete,
    Typing,
    Read,
    Ping,
    Notifications,
)
FRAME_TYPES: tuple[str, ...] = tuple(frame_type(cls) for cls in CLIENT_FRAMES)
AnyFrame = Annotated[Union[CLIENT_FRAMES], Field(discriminator="type")]  # type: ignore[valid-type]  # noqa: UP007
_frame_adapter: TypeAdapter[ClientFrame] = TypeAdapter(AnyFrame)


class FrameError(Exception):
    """A frame that cannot be acted on; ``ref`` is echoed when the client sent a valid one."""

    def __init__(self, detail: str, ref: str | None = None, code: str = "bad_request") -> None:
        super().__init__(detail)
        self.detail = detail
        self.ref = ref
        self.code = code


def parse_frame(text: str) -> ClientFrame:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise FrameError(_("Frames must be JSON objects.")) from None
    if not isinstance(data, dict):
        raise FrameError(_("Frames must be JSON objects."))
    ref = data.get("ref")
    ref = ref if isinstance(ref, str) and len(ref) <= 64 else None
    # NUL and lone surrogates only get in as \u escapes: most frames have none to look for.
    if "\\u" in text and has_unsafe_text(data):
        raise FrameError(DETAIL, ref if ref is None or not has_unsafe_text(ref) else None)
    frame_type = data.get("type")
    if not isinstance(frame_type, str):
        raise FrameError(_("Every frame needs a string 'type'."), ref)
    if frame_type not in FRAME_TYPES:
        raise FrameError(
            _("Unknown frame type '%(frame_type)s'; expected one of %(value)s.")
            % {"frame_type": frame_type[:40], "value": ", ".join(FRAME_TYPES)},
            ref,
        )
    try:
        return _frame_adapter.validate_python(data)
    except ValidationError as exc:
        raise FrameError(_describe(exc), ref) from None


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False)[:3]:
        location = ".".join(str(p) for p in error["loc"][1:]) or "frame"
        parts.append(f"{location}: {error['msg']}")
    return "; ".join(parts)
