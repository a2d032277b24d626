"""The audit log, and what the facilitators app holds of a person (GDPR).

``record`` provides ``core.audit``'s port: every moderation service, in any app, calls
``core.audit.audit_record`` inside its own transaction, so an action and its audit entry commit
(or roll back) together; the community's facilitators see the entry live once it commits."""

from __future__ import annotations

from typing import Any

from community.models import Community, User
from community.selectors import facilitator_ids
from core.emitters import users_frame_on_commit
from core.gdpr import iso
from core.protocol.moderation import AuditFrame, audit_entry_out

from .models import AuditEntry, CommunityProposal, Invitation, Report

REASON_MAX_LENGTH = 1000


def record(
    *,
    community_id: int | None,
    actor: User | None,
    action: str,
    target_user: User | None,
    room: Any,
    message: Any,
    reason: str,
    data: dict[str, Any],
) -> AuditEntry:
    entry = AuditEntry.objects.create(
        community_id=community_id,
        actor=actor,
        action=action,
        target_user=target_user,
        room=room,
        message=message,
        reason=reason[:REASON_MAX_LENGTH],
        data=data,
    )
    if community_id is None:
        return entry  # site-wide: read by staff in the admin
    slug = Community.objects.filter(pk=community_id).values_list("slug", flat=True).get()
    frame = AuditFrame(community=slug, entry=audit_entry_out(entry, slug))
    users_frame_on_commit(facilitator_ids(community_id), frame)
    return entry


def export_reports(user: User) -> list[dict[str, Any]]:
    return [
        {**r, "created_at": iso(r["created_at"])}
        for r in Report.objects.filter(reporter=user).values(
            "message_id", "reason", "state", "created_at"
        )
    ]


def erase_emails(user: User, erase_messages: bool) -> None:
    """Invitations and audit entries name people by email address: forget theirs."""
    email = user.email.lower()
    Invitation.objects.filter(email__iexact=email).update(email="")
    for entry in AuditEntry.objects.filter(data__email__iexact=email):
        entry.data["email"] = ""
        AuditEntry.objects.filter(pk=entry.pk).update(data=entry.data)


def export_proposals(user: User) -> list[dict[str, Any]]:
    """The communities a teacher proposed, and what became of them."""
    return [
        {**p, "created_at": iso(p["created_at"]), "decided_at": iso(p["decided_at"])}
        for p in CommunityProposal.objects.filter(proposer=user).values(
            "name", "kind", "countries", "region", "languages", "reason", "state",
            "decision_reason", "created_at", "decided_at",
        )
    ]  # fmt: skip


def erase_proposals(user: User, erase_messages: bool) -> None:
    """A proposal still waiting goes with its proposer; decided ones stay (they explain a
    community's origin), as written by "Deleted user" or emptied with ``erase_messages``."""
    CommunityProposal.objects.filter(proposer=user, state="pending").delete()
    if erase_messages:
        CommunityProposal.objects.filter(proposer=user).update(reason="")
