"""The audit port: every moderation action is recorded by the service that performs it, in
the same transaction. The facilitators app stores the entries (and shows them live to the
community's facilitators); any app may record through ``audit_record``."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from .registry import Port


class AuditAction(models.TextChoices):
    JOIN_APPROVE = "join.approve", _("Approved a join request")
    JOIN_DECLINE = "join.decline", _("Declined a join request")
    INVITE_CREATE = "invite.create", _("Created an invitation")
    INVITE_REVOKE = "invite.revoke", _("Revoked an invitation")
    ROLE_CHANGE = "member.role", _("Changed a member's role")
    MUTE = "member.mute", _("Muted a member")
    UNMUTE = "member.unmute", _("Unmuted a member")
    REMOVE = "member.remove", _("Removed a member")
    BAN = "member.ban", _("Banned a member")
    UNBAN = "member.unban", _("Unbanned a member")
    HIDE = "message.hide", _("Hid a message")
    UNHIDE = "message.unhide", _("Unhid a message")
    DELETE = "message.delete", _("Deleted a message")
    PIN = "message.pin", _("Pinned a message")
    UNPIN = "message.unpin", _("Unpinned a message")
    LOCK = "room.lock", _("Locked a room")
    UNLOCK = "room.unlock", _("Unlocked a room")
    SLOW_MODE = "room.slow_mode", _("Changed slow mode")
    TOPIC = "room.topic", _("Changed a room's topic")
    REPORT_RESOLVE = "report.resolve", _("Resolved a report")
    REPORT_DISMISS = "report.dismiss", _("Dismissed a report")
    MATERIAL_WITHDRAW = "material.withdraw", _("Withdrew a teaching material")
    MATERIAL_RESTORE = "material.restore", _("Restored a teaching material")
    # Running communities (coordinators and facilitators).
    COMMUNITY_CREATE = "community.create", _("Created a community")
    COMMUNITY_EDIT = "community.edit", _("Changed the community's settings")
    COMMUNITY_LOGO = "community.logo", _("Changed the community's logo")
    COMMUNITY_ARCHIVE = "community.archive", _("Archived the community")
    COMMUNITY_RESTORE = "community.restore", _("Restored the community")
    FACILITATOR_NAME = "facilitator.name", _("Named a facilitator")
    PROPOSAL_APPROVE = "proposal.approve", _("Approved a proposed community")
    PROPOSAL_DECLINE = "proposal.decline", _("Declined a proposed community")
    COORDINATOR_GRANT = "coordinator.grant", _("Made someone a programme coordinator")
    COORDINATOR_REVOKE = "coordinator.revoke", _("Took back a coordinator role")
    ROOM_CREATE = "room.create", _("Created a room")
    ROOM_RENAME = "room.rename", _("Renamed a room")
    ROOM_REORDER = "room.reorder", _("Reordered the rooms")
    ROOM_ARCHIVE = "room.archive", _("Archived a room")
    ROOM_RESTORE = "room.restore", _("Restored a room")
    NETWORK_LINK = "network.link", _("Linked the community to a circle")
    NETWORK_UNLINK = "network.unlink", _("Unlinked the community from a circle")
    NETWORK_ANNOUNCE = "network.announce", _("Posted an announcement to the network")
    TOOLKIT_CREATE = "toolkit.create", _("Created a toolkit")
    TOOLKIT_EDIT = "toolkit.edit", _("Changed a toolkit")
    TOOLKIT_PUBLISH = "toolkit.publish", _("Made a toolkit public")
    TOOLKIT_UNPUBLISH = "toolkit.unpublish", _("Made a toolkit members-only")
    TOOLKIT_DELETE = "toolkit.delete", _("Deleted a toolkit")
    SCHOOL_MERGE = "school.merge", _("Merged a duplicate school")
    PAIRING_PROPOSE = "pairing.propose", _("Proposed a mentoring pair of schools")
    PAIRING_COMPLETE = "pairing.complete", _("Marked a mentoring pair completed")
    ANALYTICS_TARGET = "analytics.target", _("Set the community's activity target")
    ANALYTICS_NUDGE = "analytics.nudge", _("Nudged a dormant member")


_record: Port[..., Any] = Port("the audit log")


def audit_record(
    *,
    community_id: int | None,
    actor: Any,
    action: str,
    target_user: Any = None,
    room: Any = None,
    message: Any = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> Any:
    """Store one audit entry. Call inside the transaction of the action it records.
    ``community_id`` is None for site-wide actions (a declined proposal, a coordinator role):
    staff read those in the admin."""
    return _record(
        community_id=community_id,
        actor=actor,
        action=action,
        target_user=target_user,
        room=room,
        message=message,
        reason=reason,
        data=data or {},
    )


def audit_member_action(
    *, membership: Any, actor: Any, action: str, reason: str = "", **details: Any
) -> Any:
    """An action on a member (``membership``): their community, them as the target."""
    return audit_record(
        community_id=membership.community_id,
        actor=actor,
        action=action,
        target_user=membership.user,
        reason=reason,
        **details,
    )


def audit_message_action(*, message: Any, actor: Any, action: str, reason: str = "") -> Any:
    """An action on a message (its room loaded): its room and community, its author."""
    return audit_record(
        community_id=message.room.community_id,
        actor=actor,
        action=action,
        target_user=message.author,
        room=message.room,
        message=message,
        reason=reason,
    )


provide_audit_log = _record.provide
