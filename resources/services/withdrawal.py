"""Withdrawing a material from the library (its files no longer served, its thread closed)
and restoring it: a ``resource`` event in the general room each time; a facilitator's
withdrawal is audited and the author told."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.models import Room, User
from community.services import room_state_change
from core.audit import AuditAction, audit_record
from core.errors import Conflict, Forbidden, Invalid
from core.notify import Category, Verb, notify_users

from ..models import Resource
from ..permissions import can_restore_resource, can_withdraw_resource
from .sharing import _general_room_event


def _set_thread_locked(resource: Resource, actor: User, locked: bool) -> bool:
    """Close (or reopen) the material's thread: a ``room`` event, so open pages stop offering
    the composer, and every post is refused from the next frame on. False if it already was."""
    room = Room.objects.select_for_update().get(pk=resource.thread_id)
    if room.is_locked == locked:
        return False
    room_state_change(room=room, actor=actor, changes={"is_locked": locked})
    return True


WITHDRAWAL_FIELDS = ["withdrawn_at", "withdrawn_by", "withdrawn_reason", "withdrawal_locked_thread"]


def resource_withdraw(*, actor: User, resource: Resource, reason: str = "") -> Resource:
    """Take a material out of the library: its files are no longer served, its thread is
    closed, and it cannot be adapted; its page stays, saying who withdrew it and why, because
    adaptations still credit it. A facilitator must give a reason (the author is told, and
    the audit log keeps it); authors may withdraw their own material without one."""
    if not can_withdraw_resource(actor, resource):
        raise Forbidden(_("Only the author or the community's facilitators withdraw a material."))
    reason = " ".join(reason.split())[:500]
    by_author = resource.author_id == actor.pk
    if not by_author and not reason:
        raise Invalid(_("Say why it is withdrawn; the author and the community see the reason."))
    with transaction.atomic():
        locked = Resource.objects.select_for_update().get(pk=resource.pk)
        if locked.withdrawn_at is not None:
            raise Conflict(_("This material is already withdrawn."))
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_by = actor
        locked.withdrawn_reason = reason
        locked.withdrawal_locked_thread = _set_thread_locked(locked, actor, True)
        locked.save(update_fields=WITHDRAWAL_FIELDS)
        _general_room_event(locked, actor, "withdrawn", None, reason=reason)
        if not by_author:
            audit_record(
                community_id=locked.community_id, actor=actor,
                action=AuditAction.MATERIAL_WITHDRAW, target_user=locked.author,
                room=locked.thread, reason=reason,
                data={"resource": locked.pk, "title": locked.title},
            )  # fmt: skip
            if locked.author_id:
                notify_users(
                    actor=actor, user_ids=[locked.author_id], category=Category.YOUR_RESOURCE,
                    verb=Verb(gettext_noop("withdrew your “%(title)s”"), title=locked.title),
                    community_id=locked.community_id,
                    target=locked, text=reason, url=f"/resources/{locked.pk}/",
                )  # fmt: skip
    return locked


def resource_restore(*, actor: User, resource: Resource, reason: str = "") -> Resource:
    """Put a withdrawn material back in the library and reopen its thread."""
    with transaction.atomic():
        locked = Resource.objects.select_for_update().get(pk=resource.pk)
        if locked.withdrawn_at is None:
            raise Conflict(_("This material is not withdrawn."))
        if not can_restore_resource(actor, locked):
            raise Forbidden(
                _("A facilitator withdrew this material; only facilitators restore it.")
            )
        if locked.withdrawal_locked_thread:  # a lock a facilitator set before stays
            _set_thread_locked(locked, actor, False)
        locked.withdrawn_at, locked.withdrawn_by, locked.withdrawn_reason = None, None, ""
        locked.withdrawal_locked_thread = False
        locked.save(update_fields=WITHDRAWAL_FIELDS)
        _general_room_event(locked, actor, "restored", None)
        if locked.author_id != actor.pk:
            audit_record(
                community_id=locked.community_id, actor=actor,
                action=AuditAction.MATERIAL_RESTORE, target_user=locked.author,
                room=locked.thread, reason=" ".join(reason.split())[:500],
                data={"resource": locked.pk, "title": locked.title},
            )  # fmt: skip
    return locked
