"""Moderating messages: hide, unhide, delete and pin."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community import selectors
from community.models import EventKind, RoomEvent, User
from community.permissions import can_moderate_message, membership_of
from community.services import message_delete, room_event_append
from core.audit import AuditAction, audit_message_action
from core.errors import Conflict, Forbidden, Invalid, NotFound

from .base import require_moderator


def _message_for_moderation(actor: User, message_id: int) -> RoomEvent:
    message = selectors.message_get(message_id=message_id)
    require_moderator(actor, message.room)
    author_membership = membership_of(message.author, message.room) if message.author else None
    if not can_moderate_message(actor, message, author_membership):
        raise Forbidden(_("You can only moderate messages of members below your own role."))
    if message.deleted_at is not None:
        raise NotFound(_("Message %(message_id)s was deleted.") % {"message_id": message_id})
    return message


def message_hide(*, actor: User, message_id: int, reason: str) -> RoomEvent:
    """Hide a message: members see a placeholder with the reason, facilitators the text."""
    reason = reason.strip()
    if not reason:
        raise Invalid(_("Say why the message is hidden; members see the reason."))
    with transaction.atomic():
        message = _message_for_moderation(actor, message_id)
        if message.hidden_at is not None:
            raise Conflict(_("This message is already hidden."))
        RoomEvent.objects.filter(pk=message.pk).update(
            hidden_at=timezone.now(), hidden_reason=reason[:300]
        )
        event = room_event_append(
            room_id=message.room_id,
            kind=EventKind.HIDE,
            author=actor,
            target=message,
            data={"reason": reason[:300]},
        )
        audit_message_action(
            message=message,
            actor=actor,
            action=AuditAction.HIDE,
            reason=reason,
        )
    return event


def message_unhide(*, actor: User, message_id: int, reason: str = "") -> RoomEvent:
    """Show a hidden message again; the event carries its text so clients can restore it."""
    with transaction.atomic():
        message = _message_for_moderation(actor, message_id)
        if message.hidden_at is None:
            raise Conflict(_("This message is not hidden."))
        RoomEvent.objects.filter(pk=message.pk).update(hidden_at=None, hidden_reason="")
        event = room_event_append(
            room_id=message.room_id,
            kind=EventKind.UNHIDE,
            author=actor,
            target=message,
            body=message.body,
            html=message.html,
        )
        audit_message_action(
            message=message,
            actor=actor,
            action=AuditAction.UNHIDE,
            reason=reason,
        )
    return event


def message_moderate_delete(*, actor: User, message_id: int, reason: str = "") -> RoomEvent:
    """A facilitator deletes someone's message (audited by ``message_delete`` itself)."""
    _message_for_moderation(actor, message_id)
    return message_delete(actor=actor, message_id=message_id, reason=reason)


def _set_pinned(*, actor: User, message_id: int, pinned: bool) -> RoomEvent:
    with transaction.atomic():
        message = _message_for_moderation(actor, message_id)
        if (message.pinned_at is not None) == pinned:
            raise Conflict("Already pinned." if pinned else "Not pinned.")
        RoomEvent.objects.filter(pk=message.pk).update(pinned_at=timezone.now() if pinned else None)
        event = room_event_append(
            room_id=message.room_id,
            kind=EventKind.PIN if pinned else EventKind.UNPIN,
            author=actor,
            target=message,
        )
        audit_message_action(
            message=message,
            actor=actor,
            action=AuditAction.PIN if pinned else AuditAction.UNPIN,
        )
    return event


def message_pin(*, actor: User, message_id: int) -> RoomEvent:
    return _set_pinned(actor=actor, message_id=message_id, pinned=True)


def message_unpin(*, actor: User, message_id: int) -> RoomEvent:
    return _set_pinned(actor=actor, message_id=message_id, pinned=False)
