"""Chat: reactions on messages and direct conversations, as frames and API answers.

A reaction is a room event (``kind: "reaction"``) whose ``data`` is a ``ReactionDataOut``;
the message it is on carries the same summary in ``data.reactions``, so history and resume
show the current counts without replaying every reaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .base import Shape
from .people import AuthorOut, Person, author_out


class ReactionOut(Shape):
    emoji: str
    count: int
    # The first ``KRING_REACTION_NAMES_SHOWN`` people, oldest reaction first.
    users: list[AuthorOut]


class ReactionDataOut(Shape):
    """``data`` of a ``reaction`` event."""

    emoji: str
    added: bool
    reactions: list[ReactionOut]


def reactions_out(
    rows: Iterable[tuple[str, Person]], *, order: list[str], names_shown: int
) -> list[ReactionOut]:
    """The summary of a message's reactions from ``(emoji, user)`` rows (oldest first), in
    the order of the configured emoji set (unknown ones after, as they came)."""
    by_emoji: dict[str, list[Person]] = {}
    for emoji, user in rows:
        by_emoji.setdefault(emoji, []).append(user)
    ranked = sorted(by_emoji, key=lambda e: order.index(e) if e in order else len(order))
    return [
        ReactionOut(
            emoji=emoji,
            count=len(by_emoji[emoji]),
            users=[author_out(u) for u in by_emoji[emoji][:names_shown]],
        )
        for emoji in ranked
    ]


def reaction_data(emoji: str, added: bool, reactions: list[ReactionOut]) -> dict[str, Any]:
    return ReactionDataOut(emoji=emoji, added=added, reactions=reactions).model_dump(mode="json")


class ConversationOut(Shape):
    """A direct conversation as its participants see it (never anyone else)."""

    id: int
    room: int
    title: str
    group: bool
    # Everyone in it but the reader.
    others: list[AuthorOut]
    url: str
    last_seq: int
    unread: int
    last_message_at: datetime | None
    last_excerpt: str


def conversation_out(conversation: Any, *, reader_id: int) -> ConversationOut:
    """Needs ``participants__user`` prefetched and the reader's ``unread`` annotated (the
    selectors do both)."""
    others = [p.user for p in conversation.participants.all() if p.user_id != reader_id]
    return ConversationOut(
        id=conversation.pk,
        room=conversation.room_id,
        title=conversation.title,
        group=conversation.pair_key is None,
        others=[author_out(u) for u in others],
        url=f"/messages/{conversation.room_id}/",
        last_seq=conversation.room.last_seq,
        unread=getattr(conversation, "unread", 0) or 0,
        last_message_at=getattr(conversation, "last_message_at", None),
        last_excerpt=(getattr(conversation, "last_body", "") or "")[:140],
    )


class BlockOut(Shape):
    user: AuthorOut
    created_at: datetime


def block_out(block: Any) -> BlockOut:
    return BlockOut(user=author_out(block.blocked), created_at=block.created_at)


class DirectReportOut(Shape):
    id: int
    message: int
    reason: str
    state: str
    created_at: datetime


def direct_report_out(report: Any) -> DirectReportOut:
    return DirectReportOut(
        id=report.pk,
        message=report.message_id,
        reason=report.reason,
        state=report.state,
        created_at=report.created_at,
    )


class ChatSettingsOut(Shape):
    from_anyone: bool


class SearchRoomOut(Shape):
    id: int
    kind: str
    # How a sentence names it: "#general", "“Fractions with pizza”", "Marieke Jansen".
    label: str
    url: str


class SearchHitOut(Shape):
    message: int
    seq: int
    room: SearchRoomOut
    author: AuthorOut
    created_at: datetime
    # The text around the matches, HTML-escaped, matches in <mark>: safe to insert.
    snippet_html: str
    # The message in its room, with the history around it loaded.
    url: str


class SearchOut(Shape):
    results: list[SearchHitOut]
    more: bool


def search_hit_out(hit: Any, *, label: str, room_url: str) -> SearchHitOut:
    message = hit.message
    return SearchHitOut(
        message=message.pk,
        seq=message.seq,
        room=SearchRoomOut(id=message.room_id, kind=message.room.kind, label=label, url=room_url),
        author=author_out(message.author),
        created_at=message.created_at,
        snippet_html=hit.snippet_html,
        url=f"{room_url}?at={message.seq}#m{message.pk}",
    )


class AttachmentOut(Shape):
    """A file of a message, in its ``data.attachments``."""

    id: str
    kind: str  # "image" or "file"
    name: str
    content_type: str
    size: int
    url: str
    # Images: a small copy, and the original's size in pixels.
    thumbnail_url: str | None = None
    width: int | None = None
    height: int | None = None


def attachment_data(attachment: Any) -> dict[str, Any]:
    image = attachment.kind == "image"
    return AttachmentOut(
        id=str(attachment.key),
        kind=attachment.kind,
        name=attachment.name,
        content_type=attachment.content_type,
        size=attachment.size,
        url=f"/files/{attachment.key}/",
        thumbnail_url=f"/files/{attachment.key}/thumbnail" if image else None,
        width=attachment.width if image else None,
        height=attachment.height if image else None,
    ).model_dump(mode="json")
