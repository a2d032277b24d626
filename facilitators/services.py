"""Moderation: everything a facilitator does, each action checked, audited and made live.

Every function re-checks the actor's rights (``facilitators.permissions``), writes in one
transaction with its audit entry, and emits after commit: a room event (hide, pin, lock, ...,
with its own seq so resuming clients see it), a membership event in the general room, and/or
a frame to the member concerned.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from community import selectors
from community.errors import Conflict, Forbidden, Invalid, NotFound
from community.models import (
    Community,
    EventKind,
    Membership,
    MembershipState,
    Room,
    RoomEvent,
)
from community.services.communities import GENERAL_ROOM, member_event
from community.services.messages import clean_body, message_delete, room_event_append
from community.text import render_markdown
from delivery.categories import Category
from delivery.services import notify_community, notify_users
from realtime.envelopes import (
    MembershipFrame,
    MuteFrame,
    ReportFrame,
    ReportOut,
    author_out,
)
from realtime.events import user_frame_on_commit, user_removed_on_commit, users_frame_on_commit

from .audit import audit_record, facilitator_ids
from .models import AuditAction, Invitation, Mute, Report, ReportState
from .permissions import (
    can_act_on,
    can_assign_role,
    can_moderate,
    can_moderate_message,
    can_report,
    membership_of,
)
from .roles import Role

INVITATION_DAYS = 14
MAX_SLOW_MODE_SECONDS = 3600
REPORT_EXCERPT_LENGTH = 200


def _require_moderator(actor: Any, community: Any) -> None:
    if not can_moderate.test(actor, community):
        raise Forbidden("Only this community's facilitators can do that.")


def _require_act_on(actor: Any, membership: Membership) -> None:
    _require_moderator(actor, membership.community_id)
    if not can_act_on(actor, membership):
        raise Forbidden("You can only act on members below your own role.")


def _locked_membership(membership_id: int) -> Membership:
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("community", "user")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None:
        raise NotFound("No such membership.")
    return membership


def _tell_member(
    membership: Membership, actor: Any, verb: str, text: str = "", *, still_member: bool = True
) -> None:
    """A membership notification to the member concerned (also when they were just removed)."""
    notify_users(
        actor=actor,
        user_ids=[membership.user_id],
        category=Category.MEMBERSHIP,
        verb=verb,
        community_id=membership.community_id,
        text=text,
        url=f"/c/{membership.community.slug}/",
        members_only=still_member,
    )


def _membership_frame(membership: Membership, message: str = "") -> None:
    user_frame_on_commit(
        membership.user_id,
        MembershipFrame(
            community=membership.community.slug,
            state=membership.state,
            role=membership.role,
            message=message,
        ),
    )


# --- join requests and invitations ------------------------------------------------------------


def join_request_approve(*, actor: Any, membership: Membership, message: str = "") -> Membership:
    """Approve a pending member; they become an active member at once."""
    with transaction.atomic():
        membership = _locked_membership(membership.pk)
        _require_act_on(actor, membership)
        if membership.state != MembershipState.PENDING:
            raise Conflict("This request is no longer pending.")
        membership.state = MembershipState.ACTIVE
        membership.save(update_fields=["state", "updated_at"])
        audit_record(
            community_id=membership.community_id,
            actor=actor,
            action=AuditAction.JOIN_APPROVE,
            target_user=membership.user,
            reason=message,
        )
        member_event(
            community=membership.community, actor=actor, user=membership.user, action="joined"
        )
        _membership_frame(membership, message)
        _tell_member(
            membership, actor, f"approved your request to join {membership.community.name}", message
        )
    return membership


def join_request_decline(*, actor: Any, membership: Membership, message: str = "") -> Membership:
    with transaction.atomic():
        membership = _locked_membership(membership.pk)
        _require_act_on(actor, membership)
        if membership.state != MembershipState.PENDING:
            raise Conflict("This request is no longer pending.")
        membership.state = MembershipState.LEFT
        membership.save(update_fields=["state", "updated_at"])
        audit_record(
            community_id=membership.community_id,
            actor=actor,
            action=AuditAction.JOIN_DECLINE,
            target_user=membership.user,
            reason=message,
        )
        _membership_frame(membership, message)
        _tell_member(
            membership,
            actor,
            f"declined your request to join {membership.community.name}",
            message,
            still_member=False,
        )
    return membership


def invitation_create(
    *,
    actor: Any,
    community: Community,
    email: str = "",
    days_valid: int = INVITATION_DAYS,
    base_url: str = "",
) -> Invitation:
    """A single-use invitation link, valid ``days_valid`` days; mailed when ``email`` is given
    (and then only usable by the account with that address)."""
    _require_moderator(actor, community)
    if not 1 <= days_valid <= 90:
        raise Invalid("An invitation is valid for 1 to 90 days.")
    with transaction.atomic():
        invitation = Invitation.objects.create(
            community=community,
            email=email.strip().lower(),
            created_by=actor,
            expires_at=timezone.now() + timedelta(days=days_valid),
        )
        audit_record(
            community_id=community.pk,
            actor=actor,
            action=AuditAction.INVITE_CREATE,
            data={"invitation": invitation.pk, "email": invitation.email},
        )
        if invitation.email:
            link = base_url + reverse("facilitators:invitation", args=[invitation.token])
            transaction.on_commit(
                lambda: send_mail(
                    subject=f"Invitation to {community.name} on Kring",
                    message=(
                        f"{actor.public_name} invites you to join {community.name}, a learning "
                        f"community on Kring.\n\nAccept the invitation: {link}\n\n"
                        f"The link works once and expires on {invitation.expires_at:%Y-%m-%d}."
                    ),
                    from_email=None,
                    recipient_list=[invitation.email],
                )
            )
    return invitation


def invitation_revoke(*, actor: Any, invitation: Invitation) -> Invitation:
    _require_moderator(actor, invitation.community_id)
    with transaction.atomic():
        if invitation.used_at is not None:
            raise Conflict("This invitation was already used.")
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            community_id=invitation.community_id,
            actor=actor,
            action=AuditAction.INVITE_REVOKE,
            data={"invitation": invitation.pk},
        )
    return invitation


def invitation_accept(*, user: Any, token: str) -> Membership:
    """Use an invitation: the user becomes an active member (banned users stay out)."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("community")
            .filter(token=token)
            .first()
        )
        if invitation is None:
            raise NotFound("This invitation does not exist.")
        if not invitation.is_usable:
            raise Conflict("This invitation was used, revoked or has expired.")
        if invitation.email and invitation.email != user.email.lower():
            raise Forbidden("This invitation was sent to another email address.")
        community = invitation.community
        membership = (
            Membership.objects.select_for_update()
            .filter(community=community, user_id=user.pk)
            .first()
        )
        if membership is not None and membership.state == MembershipState.BANNED:
            raise Forbidden("You were banned from this community.")
        if membership is not None and membership.state == MembershipState.ACTIVE:
            return membership  # nothing to do; the invitation stays usable for someone else
        if membership is None:
            membership = Membership.objects.create(
                community=community, user=user, role=Role.MEMBER, state=MembershipState.ACTIVE
            )
        else:
            membership.state = MembershipState.ACTIVE
            membership.role = Role.MEMBER
            membership.save(update_fields=["state", "role", "updated_at"])
        invitation.used_at = timezone.now()
        invitation.used_by = user
        invitation.save(update_fields=["used_at", "used_by"])
        member_event(
            community=community,
            actor=user,
            user=user,
            action="joined",
            invited_by=invitation.created_by_id,
        )
        _membership_frame(membership)
    return membership


# --- members ------------------------------------------------------------------------------------


def member_role_change(
    *, actor: Any, membership: Membership, role: str, reason: str = ""
) -> Membership:
    if role not in Role.values:
        raise Invalid(f"Unknown role '{role}'.")
    with transaction.atomic():
        membership = _locked_membership(membership.pk)
        _require_moderator(actor, membership.community_id)
        if membership.state != MembershipState.ACTIVE:
            raise Conflict("Only active members have a role to change.")
        if not can_assign_role(actor, membership, role):
            raise Forbidden("You can only give roles below your own, to members below you.")
        if membership.role == role:
            return membership
        previous = membership.role
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
        audit_record(
            community_id=membership.community_id,
            actor=actor,
            action=AuditAction.ROLE_CHANGE,
            target_user=membership.user,
            reason=reason,
            data={"from": previous, "to": role},
        )
        member_event(
            community=membership.community,
            actor=actor,
            user=membership.user,
            action="role",
            role=role,
            previous_role=previous,
        )
        _membership_frame(membership, reason)
        _tell_member(
            membership,
            actor,
            f"made you {Role(role).label.lower()} in {membership.community.name}",
            reason,
        )
    return membership


def member_mute(
    *,
    actor: Any,
    membership: Membership,
    room: Room | None = None,
    until: datetime | None = None,
    reason: str = "",
) -> Mute:
    """Stop a member posting in one room or the whole community, until a time or until
    unmuted. Takes effect at their very next post, on any open socket."""
    if room is not None and room.community_id != membership.community_id:
        raise Invalid("That room belongs to another community.")
    if until is not None and until <= timezone.now():
        raise Invalid("A mute must end in the future.")
    with transaction.atomic():
        membership = _locked_membership(membership.pk)
        _require_act_on(actor, membership)
        mute = Mute.objects.create(
            community_id=membership.community_id,
            room=room,
            user=membership.user,
            until=until,
            reason=reason[:300],
            created_by=actor,
        )
        audit_record(
            community_id=membership.community_id,
            actor=actor,
            action=AuditAction.MUTE,
            target_user=membership.user,
            room=room,
            reason=reason,
            data={"until": until.isoformat() if until else None},
        )
        user_frame_on_commit(
            membership.user_id,
            MuteFrame(
                community=membership.community.slug,
                room=room.pk if room else None,
                muted=True,
                until=until,
                reason=reason,
            ),
        )
        where = f"#{room.name} of " if room else ""
        _tell_member(membership, actor, f"muted you in {where}{membership.community.name}", reason)
    return mute


def member_unmute(*, actor: Any, membership: Membership, room: Room | None = None) -> int:
    """Lift the member's active mutes for ``room`` (or, with no room, all of them). Returns
    how many were lifted."""
    with transaction.atomic():
        membership = _locked_membership(membership.pk)
        _require_act_on(actor, membership)
        mutes = Mute.objects.active().filter(
            community_id=membership.community_id, user_id=membership.user_id
        )
        if room is not None:
            mutes = mutes.filter(room=room)
        lifted = mutes.update(lifted_at=timezone.now())
        if not lifted:
            raise Conflict("This member is not muted there.")
        audit_record(
            community_id=membership.community_id,
            actor=actor,
            action=AuditAction.UNMUTE,
            target_user=membership.user,
            room=room,
        )
        user_frame_on_commit(
            membership.user_id,
            MuteFrame(
                community=membership.community.slug,
                room=room.pk if room else None,
                muted=False,
            ),
        )
    return lifted


def _expel(*, actor: Any, membership: Membership, reason: str, ban: bool) -> Membership:
    with transaction.atomic():
        membership = _locked_membership(membership.pk)
        _require_act_on(actor, membership)
        if ban and membership.state == MembershipState.BANNED:
            raise Conflict("This member is already banned.")
        if not ban and membership.state != MembershipState.ACTIVE:
            raise Conflict("Only active members can be removed.")
        was_active = membership.state == MembershipState.ACTIVE
        membership.state = MembershipState.BANNED if ban else MembershipState.LEFT
        membership.save(update_fields=["state", "updated_at"])
        action = "banned" if ban else "removed"
        audit_record(
            community_id=membership.community_id,
            actor=actor,
            action=AuditAction.BAN if ban else AuditAction.REMOVE,
            target_user=membership.user,
            reason=reason,
        )
        if was_active:
            member_event(
                community=membership.community, actor=actor, user=membership.user, action=action
            )
        user_removed_on_commit(
            membership.user_id,
            community_slug=membership.community.slug,
            room_ids=list(membership.community.rooms.values_list("pk", flat=True)),
            reason=action,
        )
        _tell_member(
            membership,
            actor,
            f"{action} you from {membership.community.name}",
            reason,
            still_member=False,
        )
    return membership


def member_remove(*, actor: Any, membership: Membership, reason: str = "") -> Membership:
    """Remove a member (they may join again); their open sockets leave the rooms at once."""
    return _expel(actor=actor, membership=membership, reason=reason, ban=False)


def member_ban(*, actor: Any, membership: Membership, reason: str = "") -> Membership:
    """Remove a member and keep them from joining again until unbanned."""
    return _expel(actor=actor, membership=membership, reason=reason, ban=True)


def member_unban(*, actor: Any, membership: Membership, reason: str = "") -> Membership:
    with transaction.atomic():
        membership = _locked_membership(membership.pk)
        _require_act_on(actor, membership)
        if membership.state != MembershipState.BANNED:
            raise Conflict("This member is not banned.")
        membership.state = MembershipState.LEFT
        membership.save(update_fields=["state", "updated_at"])
        audit_record(
            community_id=membership.community_id,
            actor=actor,
            action=AuditAction.UNBAN,
            target_user=membership.user,
            reason=reason,
        )
    return membership


# --- messages -------------------------------------------------------------------------------------


def _message_for_moderation(actor: Any, message_id: int) -> RoomEvent:
    message = selectors.message_get(message_id=message_id)
    _require_moderator(actor, message.room)
    author_membership = membership_of(message.author, message.room) if message.author else None
    if not can_moderate_message(actor, message, author_membership):
        raise Forbidden("You can only moderate messages of members below your own role.")
    if message.deleted_at is not None:
        raise NotFound(f"Message {message_id} was deleted.")
    return message


def message_hide(*, actor: Any, message_id: int, reason: str) -> RoomEvent:
    """Hide a message: members see a placeholder with the reason, facilitators the text."""
    reason = reason.strip()
    if not reason:
        raise Invalid("Say why the message is hidden; members see the reason.")
    with transaction.atomic():
        message = _message_for_moderation(actor, message_id)
        if message.hidden_at is not None:
            raise Conflict("This message is already hidden.")
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
        audit_record(
            community_id=message.room.community_id,
            actor=actor,
            action=AuditAction.HIDE,
            target_user=message.author,
            room=message.room,
            message=message,
            reason=reason,
        )
    return event


def message_unhide(*, actor: Any, message_id: int, reason: str = "") -> RoomEvent:
    """Show a hidden message again; the event carries its text so clients can restore it."""
    with transaction.atomic():
        message = _message_for_moderation(actor, message_id)
        if message.hidden_at is None:
            raise Conflict("This message is not hidden.")
        RoomEvent.objects.filter(pk=message.pk).update(hidden_at=None, hidden_reason="")
        event = room_event_append(
            room_id=message.room_id,
            kind=EventKind.UNHIDE,
            author=actor,
            target=message,
            body=message.body,
            html=message.html,
        )
        audit_record(
            community_id=message.room.community_id,
            actor=actor,
            action=AuditAction.UNHIDE,
            target_user=message.author,
            room=message.room,
            message=message,
            reason=reason,
        )
    return event


def message_moderate_delete(*, actor: Any, message_id: int, reason: str = "") -> RoomEvent:
    """A facilitator deletes someone's message (audited by ``message_delete`` itself)."""
    _message_for_moderation(actor, message_id)
    return message_delete(actor=actor, message_id=message_id, reason=reason)


def _set_pinned(*, actor: Any, message_id: int, pinned: bool) -> RoomEvent:
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
        audit_record(
            community_id=message.room.community_id,
            actor=actor,
            action=AuditAction.PIN if pinned else AuditAction.UNPIN,
            target_user=message.author,
            room=message.room,
            message=message,
        )
    return event


def message_pin(*, actor: Any, message_id: int) -> RoomEvent:
    return _set_pinned(actor=actor, message_id=message_id, pinned=True)


def message_unpin(*, actor: Any, message_id: int) -> RoomEvent:
    return _set_pinned(actor=actor, message_id=message_id, pinned=False)


# --- announcements ---


def announcement_post(*, actor: Any, community: Community, body: str) -> RoomEvent:
    """A facilitator's announcement: an ``announcement`` event in the general room, and a
    notification to every member (even those who chose "mentions only")."""
    body = clean_body(body)
    _require_moderator(actor, community)
    general = community.rooms.filter(name=GENERAL_ROOM).first()
    if general is None:
        raise NotFound("This community has no general room.")
    with transaction.atomic():
        event = room_event_append(
            room_id=general.pk,
            kind=EventKind.ANNOUNCEMENT,
            author=actor,
            body=body,
            html=render_markdown(body),
        )
        notify_community(
            actor=actor,
            community_id=community.pk,
            category=Category.ANNOUNCEMENT,
            verb=f"posted an announcement in {community.name}",
            room_id=general.pk,
            target=event,
            text=body,
            url=f"/c/{community.slug}/rooms/{general.pk}/#m{event.pk}",
        )
    return event


# --- rooms --------------------------------------------------------------------------------------


def room_settings_update(
    *,
    actor: Any,
    room: Room,
    is_locked: bool | None = None,
    slow_mode_seconds: int | None = None,
    topic: str | None = None,
    reason: str = "",
) -> Room:
    """Lock/unlock, slow mode and topic. Each change is a ``room`` event (clients update their
    view) and an audit entry; it applies to the very next post."""
    if slow_mode_seconds is not None and not 0 <= slow_mode_seconds <= MAX_SLOW_MODE_SECONDS:
        raise Invalid(f"Slow mode is 0 (off) to {MAX_SLOW_MODE_SECONDS} seconds.")
    if topic is not None and len(topic.strip()) > 300:
        raise Invalid("A topic is at most 300 characters.")
    with transaction.atomic():
        room = (
            Room.objects.select_for_update(of=("self",)).select_related("community").get(pk=room.pk)
        )
        _require_moderator(actor, room)
        changes: dict[str, Any] = {}
        audits: list[tuple[str, dict[str, Any]]] = []
        if is_locked is not None and is_locked != room.is_locked:
            changes["is_locked"] = is_locked
            audits.append((AuditAction.LOCK if is_locked else AuditAction.UNLOCK, {}))
        if slow_mode_seconds is not None and slow_mode_seconds != room.slow_mode_seconds:
            changes["slow_mode_seconds"] = slow_mode_seconds
            audits.append((AuditAction.SLOW_MODE, {"seconds": slow_mode_seconds}))
        if topic is not None and topic.strip() != room.topic:
            changes["topic"] = topic.strip()
            audits.append((AuditAction.TOPIC, {"topic": topic.strip()}))
        if not changes:
            return room
        room_state_change(room=room, actor=actor, changes=changes)
        for action, data in audits:
            audit_record(
                community_id=room.community_id,
                actor=actor,
                action=action,
                room=room,
                reason=reason,
                data=data,
            )
    return room


def room_state_change(*, room: Room, actor: Any, changes: dict[str, Any]) -> None:
    """Apply ``changes`` (lock, slow mode, topic) to a room locked for update, and append the
    ``room`` event clients update their view from. Callers authorise and audit."""
    Room.objects.filter(pk=room.pk).update(**changes)
    for field, value in changes.items():
        setattr(room, field, value)
    room_event_append(
        room_id=room.pk,
        kind=EventKind.ROOM,
        author=actor,
        data={
            "locked": room.is_locked,
            "slow_mode_seconds": room.slow_mode_seconds,
            "topic": room.topic,
            "changed": sorted(changes),
        },
    )


# --- reports --------------------------------------------------------------------------------------


def report_out(report: Report) -> ReportOut:
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


def report_create(*, reporter: Any, message_id: int, reason: str) -> Report:
    """Report a message to the community's facilitators (not only to platform admins). A
    second report of the same message by the same member while it is open changes nothing."""
    reason = reason.strip()
    if not reason:
        raise Invalid("Say what is wrong with this message.")
    if len(reason) > 1000:
        raise Invalid("A report reason is at most 1000 characters.")
    message = selectors.message_get(message_id=message_id)
    if not can_report.test(reporter, message.room):
        raise Forbidden("Only members of this community can report its messages.")
    if message.deleted_at is not None:
        raise NotFound("This message was deleted.")
    community_id = message.room.community_id
    existing = Report.objects.filter(
        message=message, reporter=reporter, state=ReportState.OPEN
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            report = Report.objects.create(
                community_id=community_id, message=message, reporter=reporter, reason=reason
            )
            report = Report.objects.select_related("community", "message__author", "reporter").get(
                pk=report.pk
            )
            facilitators = facilitator_ids(community_id)
            users_frame_on_commit(
                facilitators,
                ReportFrame(community=report.community.slug, report=report_out(report)),
            )
            notify_users(
                actor=reporter,
                user_ids=facilitators,
                category=Category.FACILITATION,
                verb=f"reported a message in #{message.room.name}",
                community_id=community_id,
                room_id=message.room_id,
                target=message,
                text=reason,
                url=f"/c/{report.community.slug}/facilitate/",
            )
    except IntegrityError:
        return Report.objects.get(message=message, reporter=reporter, state=ReportState.OPEN)
    return report


REPORT_ACTIONS = ("dismiss", "hide", "delete", "mute", "remove", "ban")


def report_resolve(
    *,
    actor: Any,
    report: Report,
    action: str,
    note: str = "",
    mute_until: datetime | None = None,
) -> Report:
    """Close a report by acting on it (hide or delete the message; mute, remove or ban its
    author) or dismissing it. The action is audited like any other, plus the resolution."""
    if action not in REPORT_ACTIONS:
        raise Invalid(f"Unknown action '{action}'; choose from {', '.join(REPORT_ACTIONS)}.")
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("community", "message__room", "message__author", "reporter")
            .get(pk=report.pk)
        )
        _require_moderator(actor, report.community)
        if report.state != ReportState.OPEN:
            raise Conflict("This report was already handled.")
        message = report.message
        reason = note or report.reason
        if action == "hide":
            message_hide(actor=actor, message_id=message.pk, reason=reason)
        elif action == "delete":
            message_moderate_delete(actor=actor, message_id=message.pk, reason=reason)
        elif action in ("mute", "remove", "ban"):
            author_membership = membership_of(message.author, report.community)
            if author_membership is None:
                raise Conflict("The author is no longer a member.")
            if action == "mute":
                member_mute(
                    actor=actor, membership=author_membership, until=mute_until, reason=reason
                )
            elif action == "remove":
                member_remove(actor=actor, membership=author_membership, reason=reason)
            else:
                member_ban(actor=actor, membership=author_membership, reason=reason)
        report.state = ReportState.DISMISSED if action == "dismiss" else ReportState.RESOLVED
        report.resolution = action
        report.resolution_note = note[:1000]
        report.resolved_by = actor
        report.resolved_at = timezone.now()
        report.save()
        # Everyone else who reported the same message gets the same outcome.
        Report.objects.filter(message=message, state=ReportState.OPEN).exclude(pk=report.pk).update(
            state=report.state,
            resolution=action,
            resolution_note=note[:1000],
            resolved_by=actor,
            resolved_at=report.resolved_at,
        )
        audit_record(
            community_id=report.community_id,
            actor=actor,
            action=(
                AuditAction.REPORT_DISMISS if action == "dismiss" else AuditAction.REPORT_RESOLVE
            ),
            target_user=message.author,
            room=message.room,
            message=message,
            reason=note,
            data={"report": report.pk, "action": action},
        )
    return report
