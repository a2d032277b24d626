"""The room event log: posting, editing and deleting messages, and read markers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from facilitators.permissions import can_post, can_read_rooms
from realtime.envelopes import ReadFrame
from realtime.events import room_event_on_commit, user_frame_on_commit

from .. import ratelimit, selectors
from ..errors import Forbidden, Invalid, NotFound, TooLarge
from ..models import EventKind, Room, RoomEvent, RoomReadState
from ..text import render_markdown


def _clean_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise Invalid("A message needs some text.")
    limit = settings.KRING_MAX_MESSAGE_LENGTH
    if len(body) > limit:
        raise TooLarge(f"A message can be at most {limit} characters (this one has {len(body)}).")
    return body


def _next_seq(room_id: int) -> tuple[int, int]:
    """Take the room's next seq; returns ``(seq, community_id)``. Call inside a transaction.

    The UPDATE locks the room row until commit, so concurrent posters (in any process) queue
    here and commit in seq order; a rollback gives the seq back. One statement, one round trip.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Room._meta.db_table} SET last_seq = last_seq + 1 "
            "WHERE id = %s RETURNING last_seq, community_id",
            [room_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound(f"No room {room_id}.")
    return int(row[0]), int(row[1])


def _append_event(room_id: int, **fields: Any) -> RoomEvent:
    """Store one event with the room's next seq and broadcast it after commit. Call inside a
    transaction; checks that need the community run before this."""
    seq, _ = _next_seq(room_id)
    event = RoomEvent.objects.create(room_id=room_id, seq=seq, **fields)
    room_event_on_commit(event)
    return event


def message_post(
    *,
    room_id: int,
    author: Any,
    body: str,
    reply_to_id: int | None = None,
    ref: str | None = None,
) -> tuple[RoomEvent, bool]:
    """Post a message. Returns ``(event, created)``.

    Idempotent per ``(author, ref)``: a retried post (same ref) is not stored again and returns
    the event stored the first time, with ``created=False``.
    """
    if ref is not None:
        existing = _event_by_ref(author, ref)
        if existing is not None:
            return existing, False
    body = _clean_body(body)
    ratelimit.hit(bucket=f"post:{author.pk}", limit=settings.KRING_POSTS_PER_MINUTE)
    try:
        with transaction.atomic():
            seq, community_id = _next_seq(room_id)
            if not can_post.test(author, community_id):
                raise Forbidden("Only active members (not observers) can post in this room.")
            reply_to = None
            if reply_to_id is not None:
                reply_to = (
                    RoomEvent.objects.select_related("author")
                    .filter(
                        pk=reply_to_id,
                        room_id=room_id,
                        kind=EventKind.MESSAGE,
                        deleted_at__isnull=True,
                    )
                    .first()
                )
                if reply_to is None:
                    raise NotFound(f"No message {reply_to_id} to reply to in this room.")
            event = RoomEvent.objects.create(
                room_id=room_id,
                seq=seq,
                kind=EventKind.MESSAGE,
                author=author,
                reply_to=reply_to,
                body=body,
                html=render_markdown(body),
                client_ref=ref,
            )
            room_event_on_commit(event)
    except IntegrityError:
        # Two retries of the same post raced; the other one won and is the answer.
        existing = _event_by_ref(author, ref) if ref is not None else None
        if existing is None:
            raise
        return existing, False
    return event, True


def _event_by_ref(author: Any, ref: str) -> RoomEvent | None:
    return (
        RoomEvent.objects.select_related("author", "reply_to", "reply_to__author")
        .filter(author_id=author.pk, client_ref=ref)
        .first()
    )


def _own_live_message(*, actor: Any, message_id: int) -> RoomEvent:
    message = selectors.message_get(message_id=message_id)
    if message.author_id != actor.pk:
        raise Forbidden("You can only change your own messages.")
    if message.deleted_at is not None:
        raise NotFound(f"Message {message_id} was deleted.")
    return message


def message_edit(*, actor: Any, message_id: int, body: str) -> RoomEvent:
    """Change the text of one's own message; stores an ``edit`` event with the new text."""
    body = _clean_body(body)
    ratelimit.hit(bucket=f"post:{actor.pk}", limit=settings.KRING_POSTS_PER_MINUTE)
    with transaction.atomic():
        message = _own_live_message(actor=actor, message_id=message_id)
        if not can_post.test(actor, message.room.community_id):
            raise Forbidden("Only active members can edit messages in this room.")
        now = timezone.now()
        html = render_markdown(body)
        RoomEvent.objects.filter(pk=message.pk).update(body=body, html=html, edited_at=now)
        return _append_event(
            message.room_id,
            kind=EventKind.EDIT,
            author=actor,
            target=message,
            body=body,
            html=html,
        )


def message_delete(*, actor: Any, message_id: int) -> RoomEvent:
    """Delete one's own message: its text (and the text of its edits) is erased, and a
    ``delete`` event tells every client to remove it."""
    with transaction.atomic():
        message = _own_live_message(actor=actor, message_id=message_id)
        if not can_read_rooms.test(actor, message.room.community_id):
            raise Forbidden("Only members can delete their messages in this room.")
        now = timezone.now()
        RoomEvent.objects.filter(pk=message.pk).update(body="", html="", deleted_at=now)
        RoomEvent.objects.filter(target=message, kind=EventKind.EDIT).update(body="", html="")
        return _append_event(message.room_id, kind=EventKind.DELETE, author=actor, target=message)


def read_mark(*, user: Any, room_id: int, seq: int) -> tuple[int, int]:
    """Move the user's read marker in a room forward to ``seq`` (never backwards, never past
    the newest event). Returns ``(marker, unread)``; the user's other sockets are told."""
    room = selectors.room_for_reader(user=user, room_id=room_id)
    seq = max(0, min(seq, room.last_seq))
    with transaction.atomic():
        state, _ = RoomReadState.objects.get_or_create(user=user, room=room)
        if seq > state.last_read_seq:
            RoomReadState.objects.filter(pk=state.pk, last_read_seq__lt=seq).update(
                last_read_seq=seq
            )
            state.refresh_from_db(fields=["last_read_seq"])
        marker = state.last_read_seq
        unread = selectors.unread_count(user=user, room_id=room.pk, after_seq=marker)
        user_frame_on_commit(user.pk, ReadFrame(room=room.pk, seq=marker, unread=unread))
    return marker, unread
