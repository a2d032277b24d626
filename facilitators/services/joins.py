"""Join requests and invitations."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.models import Community, Membership, MembershipState, User
from community.services import member_event, network_facilitator_joined
from core import ratelimit
from core.audit import AuditAction, audit_member_action, audit_record
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.notify import Verb
from core.roles import ROLE_RANK, Role

from ..models import Invitation
from .base import (
    locked_membership,
    membership_frame,
    require_act_on,
    require_moderator,
    tell_member,
)


def join_request_approve(*, actor: User, membership: Membership, message: str = "") -> Membership:
    """Approve a pending member; they become an active member at once."""
    with transaction.atomic():
        membership = locked_membership(membership.pk)
        require_act_on(actor, membership)
        if membership.state != MembershipState.PENDING:
            raise Conflict(_("This request is no longer pending."))
        membership.state = MembershipState.ACTIVE
        membership.save(update_fields=["state", "updated_at"])
        audit_member_action(
            membership=membership,
            actor=actor,
            action=AuditAction.JOIN_APPROVE,
            reason=message,
        )
        member_event(
            community=membership.community, actor=actor, user=membership.user, action="joined"
        )
        membership_frame(membership, message)
        tell_member(
            membership,
            actor,
            Verb(
                gettext_noop("approved your request to join %(community)s"),
                community=membership.community.name,
            ),
            message,
        )
    return membership


def join_request_decline(*, actor: User, membership: Membership, message: str = "") -> Membership:
    with transaction.atomic():
        membership = locked_membership(membership.pk)
        require_act_on(actor, membership)
        if membership.state != MembershipState.PENDING:
            raise Conflict(_("This request is no longer pending."))
        membership.state = MembershipState.LEFT
        membership.save(update_fields=["state", "updated_at"])
        audit_member_action(
            membership=membership,
            actor=actor,
            action=AuditAction.JOIN_DECLINE,
            reason=message,
        )
        membership_frame(membership, message)
        tell_member(
            membership,
            actor,
            Verb(
                gettext_noop("declined your request to join %(community)s"),
                community=membership.community.name,
            ),
            message,
            still_member=False,
        )
    return membership


def invitation_create(
    *,
    actor: User,
    community: Community,
    email: str = "",
    days_valid: int | None = None,
    base_url: str = "",
) -> Invitation:
    """A single-use invitation link, valid ``days_valid`` days; mailed when ``email`` is given
    (and then only usable by the account with that address)."""
    require_moderator(actor, community)
    return invitation_new(
        actor=actor, community=community, email=email, days_valid=days_valid, base_url=base_url
    )


def invitation_new(
    *,
    actor: User,
    community: Community,
    email: str = "",
    days_valid: int | None = None,
    base_url: str = "",
    role: str = Role.MEMBER,
) -> Invitation:
    """Store, audit and (with an email address) send an invitation. Callers authorise: a
    facilitator inviting members, a coordinator naming a first facilitator (``role``)."""
    if days_valid is None:
        days_valid = settings.KRING_INVITATION_DAYS
    ratelimit.limit("invite", actor_id=actor.pk, what=_("invitations"))
    if not 1 <= days_valid <= settings.KRING_INVITATION_MAX_DAYS:
        raise Invalid(
            _("An invitation is valid for 1 to %(invitation_max_days)s days.")
            % {"invitation_max_days": settings.KRING_INVITATION_MAX_DAYS}
        )
    with transaction.atomic():
        invitation = Invitation.objects.create(
            community=community,
            email=email.strip().lower(),
            role=role,
            created_by=actor,
            expires_at=timezone.now() + timedelta(days=days_valid),
        )
        audit_record(
            community_id=community.pk,
            actor=actor,
            action=AuditAction.INVITE_CREATE,
            data={"invitation": invitation.pk, "email": invitation.email, "role": role},
        )
        if invitation.email:
            link = base_url + reverse("facilitators:invitation", args=[invitation.token])
            as_what = "its facilitator" if role == Role.FACILITATOR else "a member"
            transaction.on_commit(
                lambda: send_mail(
                    subject=f"Invitation to {community.name} on Kring",
                    message=(
                        f"{actor.public_name} invites you to join {community.name}, a learning "
                        f"community on Kring, as {as_what}.\n\nAccept the invitation: {link}\n\n"
                        "No account yet? Sign up with this email address first.\n"
                        f"The link works once and expires on {invitation.expires_at:%Y-%m-%d}."
                    ),
                    from_email=None,
                    recipient_list=[invitation.email],
                )
            )
    return invitation


def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    require_moderator(actor, invitation.community_id)
    with transaction.atomic():
        if invitation.used_at is not None:
            raise Conflict(_("This invitation was already used."))
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            community_id=invitation.community_id,
            actor=actor,
            action=AuditAction.INVITE_REVOKE,
            data={"invitation": invitation.pk},
        )
    return invitation


def invitation_accept(*, user: User, token: str) -> Membership:
    """Use an invitation: the user becomes an active member (banned users stay out)."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("community")
            .filter(token=token)
            .first()
        )
        if invitation is None:
            raise NotFound(_("This invitation does not exist."))
        if not invitation.is_usable:
            raise Conflict(_("This invitation was used, revoked or has expired."))
        if invitation.email and invitation.email != user.email.lower():
            raise Forbidden(_("This invitation was sent to another email address."))
        community = invitation.community
        membership = (
            Membership.objects.select_for_update()
            .filter(community=community, user_id=user.pk)
            .first()
        )
        if membership is not None and membership.state == MembershipState.BANNED:
            raise Forbidden(_("You were banned from this community."))
        if community.archived_at is not None:
            raise Conflict(_("This community is archived: it takes no new members."))
        promotes = ROLE_RANK[invitation.role] > ROLE_RANK[Role.MEMBER]
        already = membership is not None and membership.state == MembershipState.ACTIVE
        if already and (not promotes or ROLE_RANK[membership.role] >= ROLE_RANK[invitation.role]):
            return membership  # nothing to do; the invitation stays usable for someone else
        if membership is None:
            membership = Membership.objects.create(
                community=community, user=user, role=invitation.role, state=MembershipState.ACTIVE
            )
        else:
            was_active = membership.state == MembershipState.ACTIVE
            membership.state = MembershipState.ACTIVE
            membership.role = invitation.role
            membership.save(update_fields=["state", "role", "updated_at"])
            if was_active:  # a member named facilitator: a role change, not a newcomer
                invitation.used_at, invitation.used_by = timezone.now(), user
                invitation.save(update_fields=["used_at", "used_by"])
                member_event(
                    community=community, actor=user, user=user, action="role", role=membership.role
                )
                network_facilitator_joined(community=community, user=user, actor=user)
                membership_frame(membership)
                return membership
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
        if promotes:
            network_facilitator_joined(community=community, user=user, actor=user)
        membership_frame(membership)
    return membership
