"""Writing the audit log. Every moderation service calls ``audit_record`` inside its own
transaction, so an action and its audit entry commit (or roll back) together; the community's
facilitators see the entry live on their sockets once it commits."""

from __future__ import annotations

from typing import Any

from realtime.envelopes import AuditEntryOut, AuditFrame, author_out
from realtime.events import users_frame_on_commit

from .models import AuditEntry
from .roles import FACILITATING_ROLES


def audit_entry_out(entry: AuditEntry, community_slug: str) -> AuditEntryOut:
    return AuditEntryOut(
        id=entry.pk,
        community=community_slug,
        action=entry.action,
        actor=author_out(entry.actor),
        target_user=author_out(entry.target_user) if entry.target_user_id else None,
        room=entry.room_id,
        message=entry.message_id,
        reason=entry.reason,
        data=entry.data,
        created_at=entry.created_at,
    )


def facilitator_ids(community_id: int) -> list[int]:
    from community.models import Membership

    return list(
        Membership.objects.filter(
            community_id=community_id, state="active", role__in=FACILITATING_ROLES
        ).values_list("user_id", flat=True)
    )


def audit_record(
    *,
    community_id: int,
    actor: Any,
    action: str,
    target_user: Any = None,
    room: Any = None,
    message: Any = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Store one audit entry. Call inside the transaction of the action it records."""
    from community.models import Community

    entry = AuditEntry.objects.create(
        community_id=community_id,
        actor=actor,
        action=action,
        target_user=target_user,
        room=room,
        message=message,
        reason=reason[:1000],
        data=data or {},
    )
    slug = Community.objects.filter(pk=community_id).values_list("slug", flat=True).get()
    frame = AuditFrame(community=slug, entry=audit_entry_out(entry, slug))
    users_frame_on_commit(facilitator_ids(community_id), frame)
    return entry
