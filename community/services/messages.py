"""The room event log: editing and deleting messages, events others append, and read
markers (posting is in ``posting``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import ratelimit, rows
from core.audit import AuditAction, audit_message_action
from core.emitters import room_event_on_commit, user_frame_on_commit
from core.errors import Forbidden, Invalid, NotFound, TooLarge
from core.protocol.frames import ReadFrame
from core.protocol.room_events import event_frame_size

from .. import selectors
from ..models import EventKind, RoomEvent, RoomReadState, User
from ..permissions import can_moderate_message, can_read_room, membership_of, post_refusal
from ..posting import take_seq
from ..registry import message_deleted
from ..text import render_markdown


def clean_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise Invalid(_("A message needs some text."))
    limit = settings.KRING_MAX_MESSAGE_LENGTH
    if len(body) > limit:
        raise TooLarge(
            _("A message can be at most %(limit)s characters (this one has %(body)s).")
            % {"limit": limit, "body": len(body)}
        )
    return body


def rendered(body: str) -> str:
    """The message's HTML, refused (``too_large``) before anything is stored when its event
    could not be sent to the room."""
    html = render_markdown(body)
    if event_frame_size(body, html) > settings.KRING_MAX_OUTGOING_FRAME_BYTES:
        raise TooLarge(_("This message is too long once formatted; shorten it or split it up."))
    return html


def room_event_append(
    *,
    room_id: int,
    kind: str,
    author: User | None,
    target: RoomEvent | None = None,
    body: str = "",
    html: str = "",
    data: dict[str, Any] | None = None,
) -> RoomEvent:
    """Store one event with the room's next seq and broadcast it after commit. Call inside a
    transaction, after the caller's permission checks."""
    room = take_seq(room_id)
    event = rows.insert(
        RoomEvent(
            room_id=room_id,
            seq=room.last_seq,
            kind=kind,
            author=author,
            target=target,
            body=body,
            html=html,
            data=data or {},
        )
    )
    room_event_on_commit(event)
    return event


def message_edit(*, actor: User, message_id: int, body: str) -> RoomEvent:
    """Change the text of one's own message; stores an ``edit`` event with the new text."""
    body = clean_body(body)
    html = rendered(body)
    ratelimit.limit("post", actor_id=actor.pk, what=_("posts and edits"))
    with transaction.atomic():
        message = selectors.message_get(message_id=message_id)
        if message.author_id != actor.pk:
            raise Forbidden(_("You can only edit your own messages."))
        if message.deleted_at is not None:
            raise NotFound(_("Message %(message_id)s was deleted.") % {"message_id": message_id})
        if message.hidden_at is not None:
            raise Forbidden(_("A facilitator hid this message; it cannot be edited."))
        refusal = post_refusal(actor, message.room)
        if refusal:
            raise Forbidden(refusal)
        RoomEvent.objects.filter(pk=message.pk).update(
            body=body, html=html, edited_at=timezone.now()
        )
        return room_event_append(
            room_id=message.room_id,
            kind=EventKind.EDIT,
            author=actor,
            target=message,
            body=body,
            html=html,
        )


def message_delete(*, actor: User, message_id: int, reason: str = "") -> RoomEvent:
    """Delete a message: one's own, or, for a facilitator, a message of someone below their
    role (recorded in the audit log). Its text and the text of its edits are erased, and a
    ``delete`` event tells every client to remove it."""
    with transaction.atomic():
        message = selectors.message_get(message_id=message_id)
        if message.deleted_at is not None:
            raise NotFound(
                _("Message %(message_id)s was already deleted.") % {"message_id": message_id}
            )
        own = message.author_id == actor.pk
        if own:
            if not can_read_room(actor, message.room):
                raise Forbidden(_("Only members can delete their messages in this room."))
        else:
            author_membership = membership_of(message.author, message.room)
            if not can_moderate_message(actor, message, author_membership):
                raise Forbidden(_("You can only delete your own messages."))
        RoomEvent.objects.filter(pk=message.pk).update(body="", html="", deleted_at=timezone.now())
        RoomEvent.objects.filter(target=message).update(body="", html="")
        for hook in message_deleted.values():
            hook(message)
        data = {} if own else {"moderated": True, "reason": reason}
        event = room_event_append(
            room_id=message.room_id,
            kind=EventKind.DELETE,
            author=actor,
            target=message,
            data=data,
        )
        if not own:
            audit_message_action(
                message=message,
                actor=actor,
                action=AuditAction.DELETE,
                reason=reason,
            )
        return event


def read_mark(*, user: User, room_id: int, seq: int) -> tuple[int, int]:
    """Move the user's read marker in a room forward to ``seq`` (never backwards, never past
    the newest event). Returns ``(marker, unread)``; the user's other sockets are told."""
    room = selectors.room_for_reader(user=user, room_id=room_id)
    seq = max(0, min(seq, room.last_seq))
    with transaction.atomic():
        state, _created = RoomReadState.objects.get_or_create(user=user, room=room)
        if seq > state.last_read_seq:
            RoomReadState.objects.filter(pk=state.pk, last_read_seq__lt=seq).update(
                last_read_seq=seq
            )
            state.refresh_from_db(fields=["last_read_seq"])
        marker = state.last_read_seq
        unread = selectors.unread_count(user=user, room_id=room.pk, after_seq=marker)
        user_frame_on_commit(user.pk, ReadFrame(room=room.pk, seq=marker, unread=unread))
    return marker, unread
