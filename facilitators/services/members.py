"""Acting on members: roles, mutes, removal and bans."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.models import Membership, MembershipState, Room, User
from community.selectors import room_label
from community.services import member_event, network_facilitator_joined
from core.audit import AuditAction, audit_member_action
from core.emitters import user_frame_on_commit, user_removed_on_commit
from core.errors import Conflict, Forbidden, Invalid
from core.notify import Verb
from core.protocol.frames import MuteFrame
from core.roles import Role

from ..models import Mute
from ..permissions import can_assign_role
from .base import (
    locked_membership,
    membership_frame,
    require_act_on,
    require_moderator,
    tell_member,
)

# What the member is told when given a role, one sentence per role (so each translates well).
ROLE_GIVEN = {
    Role.FACILITATOR: gettext_noop("made you a facilitator of %(community)s"),
    Role.CO_FACILITATOR: gettext_noop("made you a co-facilitator of %(community)s"),
    Role.MEMBER: gettext_noop("made you a member of %(community)s"),
    Role.OBSERVER: gettext_noop("made you an observer in %(community)s"),
}


def member_role_change(
    *, actor: User, membership: Membership, role: str, reason: str = ""
) -> Membership:
    if role not in Role.values:
        raise Invalid(_("Unknown role '%(role)s'.") % {"role": role})
    with transaction.atomic():
        membership = locked_membership(membership.pk)
        require_moderator(actor, membership.community_id)
        if membership.state != MembershipState.ACTIVE:
            raise Conflict(_("Only active members have a role to change."))
        if not can_assign_role(actor, membership, role):
            raise Forbidden(_("You can only give roles below your own, to members below you."))
        if membership.role == role:
            return membership
        previous = membership.role
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
        audit_member_action(
            membership=membership,
            actor=actor,
            action=AuditAction.ROLE_CHANGE,
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
        membership_frame(membership, reason)
        tell_member(
            membership,
            actor,
            Verb(ROLE_GIVEN[role], community=membership.community.name),
            reason,
        )
        # A new (co-)facilitator of a linked community is a member of its circles too.
        network_facilitator_joined(
            community=membership.community, user=membership.user, actor=actor
        )
    return membership


def member_mute(
    *,
    actor: User,
    membership: Membership,
    room: Room | None = None,
    until: datetime | None = None,
    reason: str = "",
) -> Mute:
    """Stop a member posting in one room or the whole community, until a time or until
    unmuted. Takes effect at their very next post, on any open socket."""
    if room is not None and room.community_id != membership.community_id:
        raise Invalid(_("That room belongs to another community."))
    if until is not None and until <= timezone.now():
        raise Invalid(_("A mute must end in the future."))
    with transaction.atomic():
        membership = locked_membership(membership.pk)
        require_act_on(actor, membership)
        mute = Mute.objects.create(
            community_id=membership.community_id,
            room=room,
            user=membership.user,
            until=until,
            reason=reason[:300],
            created_by=actor,
        )
        audit_member_action(
            membership=membership,
            actor=actor,
            action=AuditAction.MUTE,
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
        if room is None:
            said = Verb(
                gettext_noop("muted you in %(community)s"), community=membership.community.name
            )
        else:
            said = Verb(
                gettext_noop("muted you in %(room)s of %(community)s"),
                room=room_label(room),
                community=membership.community.name,
            )
        tell_member(membership, actor, said, reason)
    return mute


def member_unmute(*, actor: User, membership: Membership, room: Room | None = None) -> int:
    """Lift the member's active mutes for ``room`` (or, with no room, all of them). Returns
    how many were lifted."""
    with transaction.atomic():
        membership = locked_membership(membership.pk)
        require_act_on(actor, membership)
        mutes = Mute.objects.active().filter(
            community_id=membership.community_id, user_id=membership.user_id
        )
        if room is not None:
            mutes = mutes.filter(room=room)
        lifted = mutes.update(lifted_at=timezone.now())
        if not lifted:
            raise Conflict(_("This member is not muted there."))
        audit_member_action(
            membership=membership,
            actor=actor,
            action=AuditAction.UNMUTE,
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


def _expel(*, actor: User, membership: Membership, reason: str, ban: bool) -> Membership:
    with transaction.atomic():
        membership = locked_membership(membership.pk)
        require_act_on(actor, membership)
        if ban and membership.state == MembershipState.BANNED:
            raise Conflict(_("This member is already banned."))
        if not ban and membership.state != MembershipState.ACTIVE:
            raise Conflict(_("Only active members can be removed."))
        was_active = membership.state == MembershipState.ACTIVE
        membership.state = MembershipState.BANNED if ban else MembershipState.LEFT
        membership.save(update_fields=["state", "updated_at"])
        action = "banned" if ban else "removed"
        audit_member_action(
            membership=membership,
            actor=actor,
            action=AuditAction.BAN if ban else AuditAction.REMOVE,
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
        tell_member(
            membership,
            actor,
            Verb(
                gettext_noop("banned you from %(community)s")
                if ban
                else gettext_noop("removed you from %(community)s"),
                community=membership.community.name,
            ),
            reason,
            still_member=False,
        )
    return membership


def member_remove(*, actor: User, membership: Membership, reason: str = "") -> Membership:
    """Remove a member (they may join again); their open sockets leave the rooms at once."""
    return _expel(actor=actor, membership=membership, reason=reason, ban=False)


def member_ban(*, actor: User, membership: Membership, reason: str = "") -> Membership:
    """Remove a member and keep them from joining again until unbanned."""
    return _expel(actor=actor, membership=membership, reason=reason, ban=True)


def member_unban(*, actor: User, membership: Membership, reason: str = "") -> Membership:
    with transaction.atomic():
        membership = locked_membership(membership.pk)
        require_act_on(actor, membership)
        if membership.state != MembershipState.BANNED:
            raise Conflict(_("This member is not banned."))
        membership.state = MembershipState.LEFT
        membership.save(update_fields=["state", "updated_at"])
        audit_member_action(
            membership=membership,
            actor=actor,
            action=AuditAction.UNBAN,
            reason=reason,
        )
    return membership
