"""What facilitators see and what the members concerned are told: reports, audit entries,
members, invitations and room settings, as frames and API answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import BaseModel

from .base import Frame, Shape
from .people import AuthorOut, author_out

REPORT_EXCERPT_LENGTH = 200


class AuditEntryOut(Shape):
    id: int
    community: str
    action: str
    actor: AuthorOut
    target_user: AuthorOut | None
    room: int | None
    message: int | None
    reason: str
    data: dict[str, Any]
    created_at: datetime


class AuditFrame(Frame):
    """To a community's facilitators: a moderation action was taken."""

    type: Literal["audit"] = "audit"
    community: str
    entry: AuditEntryOut


def audit_entry_out(entry: Any, community_slug: str) -> AuditEntryOut:
    """An ``AuditEntry`` (actor and target user loaded)."""
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


class ReportOut(Shape):
    id: int
    community: str
    room: int
    message: int
    message_author: AuthorOut
    excerpt: str
    reporter: AuthorOut
    reason: str
    state: str
    created_at: datetime
    resolution: str = ""
    resolution_note: str = ""


class ReportFrame(Frame):
    """To a community's facilitators: a member reported a message."""

    type: Literal["report"] = "report"
    community: str
    report: ReportOut


def report_out(report: Any) -> ReportOut:
    """A ``Report`` with its community, message (and its author) and reporter loaded."""
    message = report.message
    return ReportOut(
        id=report.pk,
        community=report.community.slug,
        room=message.room_id,
        message=message.pk,
        message_author=author_out(message.author),
        excerpt=message.body[:REPORT_EXCERPT_LENGTH],
        reporter=author_out(report.reporter),
        reason=report.reason,
        state=report.state,
        created_at=report.created_at,
        resolution=report.resolution,
        resolution_note=report.resolution_note,
    )


class MemberOut(BaseModel):
    user: AuthorOut
    role: str
    state: str
    joined_at: datetime
    request_message: str = ""


def member_out(membership: Any) -> MemberOut:
    """A ``Membership`` with its user loaded."""
    return MemberOut(
        user=author_out(membership.user),
        role=membership.role,
        state=membership.state,
        joined_at=membership.joined_at,
        request_message=membership.request_message,
    )


class InvitationOut(BaseModel):
    id: int
    token: str
    url: str
    email: str
    expires_at: datetime
    used: bool
    revoked: bool


def invitation_out(invitation: Any, *, url: str) -> InvitationOut:
    """An ``Invitation``; ``url`` is the absolute link that accepts it."""
    return InvitationOut(
        id=invitation.pk,
        token=invitation.token,
        url=url,
        email=invitation.email,
        expires_at=invitation.expires_at,
        used=invitation.used_at is not None,
        revoked=invitation.revoked_at is not None,
    )


class RoomSettingsOut(Schema):
    """A ``Room``'s moderation settings (read from its attributes)."""

    id: int
    name: str
    topic: str
    is_locked: bool
    slow_mode_seconds: int
