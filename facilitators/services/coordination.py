"""Programme coordinators: founding communities with their first facilitator (by email: an
invitation when the person has no account yet), teachers' proposals for new communities, and
the coordinator role itself (granted by staff)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from community.models import Community, Membership, MembershipState, User
from community.permissions import can_coordinate, is_staff
from community.services import (
    clean_community_fields,
    community_create,
    member_event,
    network_facilitator_joined,
)
from core.audit import AuditAction, audit_record
from core.errors import Conflict, Forbidden, Invalid
from core.notify import Category, Verb, notify_users
from core.roles import Role

from ..models import CommunityProposal, Invitation, ProposalState
from .base import membership_frame
from .joins import invitation_new

REASON_MAX = 2000


def require_coordinator(actor: User) -> None:
    if not can_coordinate.test(actor):
        raise Forbidden(_("Only programme coordinators can do that."))


def clean_email(email: Any) -> str:
    value = str(email or "").strip().lower()
    try:
        validate_email(value)
    except ValidationError:
        raise Invalid(
            _("'%(value)s' is not an email address.") % {"value": value}, field="facilitator_email"
        ) from None
    return value


def coordinator_ids() -> list[int]:
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(is_coordinator=True) | Q(is_staff=True))
        .values_list("pk", flat=True)
    )


def community_found(
    *,
    actor: User,
    facilitator_email: str,
    base_url: str = "",
    **fields: Any,
) -> tuple[Community, User | None, Invitation | None]:
    """Create a community (any kind) and name its first facilitator by email: someone with an
    account becomes its facilitator at once (and is told); anyone else gets an invitation
    that makes them facilitator when they accept it. Returns the community and the one of
    the two that happened."""
    require_coordinator(actor)
    email = clean_email(facilitator_email)
    with transaction.atomic():
        community = community_create(creator=actor, creator_facilitates=False, **fields)
        audit_record(
            community_id=community.pk,
            actor=actor,
            action=AuditAction.COMMUNITY_CREATE,
            data={"kind": community.kind, "email": email},
        )
        person = User.objects.filter(email__iexact=email, is_active=True).first()
        if person is None:
            invitation = invitation_new(
                actor=actor,
                community=community,
                email=email,
                base_url=base_url,
                role=Role.FACILITATOR,
            )
            return community, None, invitation
        _make_facilitator(actor, community, person)
    return community, person, None


def _make_facilitator(actor: User, community: Community, person: User) -> Membership:
    membership = Membership.objects.create(
        community=community, user=person, role=Role.FACILITATOR, state=MembershipState.ACTIVE
    )
    audit_record(
        community_id=community.pk,
        actor=actor,
        action=AuditAction.FACILITATOR_NAME,
        target_user=person,
    )
    member_event(community=community, actor=actor, user=person, action="joined")
    network_facilitator_joined(community=community, user=person, actor=actor)
    membership.community = community
    membership_frame(membership)
    notify_users(
        actor=actor,
        user_ids=[person.pk],
        category=Category.MEMBERSHIP,
        verb=Verb(
            gettext_noop("made you the facilitator of %(community)s"), community=community.name
        ),
        community_id=community.pk,
        url=f"/c/{community.slug}/settings/",
    )
    return membership


# --- proposals ---------------------------------------------------------------------------------


def proposal_create(
    *,
    proposer: User,
    name: str,
    kind: str,
    reason: str,
    countries: list[str] | None = None,
    region: str = "",
    languages: list[str] | None = None,
) -> CommunityProposal:
    """A teacher proposes a community; coordinators are told and decide."""
    fields = clean_community_fields(
        name=name, kind=kind, countries=countries or [], region=region, languages=languages or []
    )
    reason = str(reason or "").strip()
    if not reason:
        raise Invalid(_("Say why this community is needed: who it is for, what it will do."),
                      field="reason")  # fmt: skip
    if len(reason) > REASON_MAX:
        raise Invalid(
            _("The reason is at most %(reason_max)s characters.") % {"reason_max": REASON_MAX},
            field="reason",
        )
    with transaction.atomic():
        # Serialise one teacher's proposals so the limit holds under double submits.
        User.objects.select_for_update().filter(pk=proposer.pk).first()
        open_ones = CommunityProposal.objects.filter(
            proposer=proposer, state=ProposalState.PENDING
        ).count()
        if open_ones >= settings.KRING_MAX_OPEN_PROPOSALS:
            raise Conflict(
                ngettext(
                    "You have %(n)s proposal waiting; wait for a coordinator's decision.",
                    "You have %(n)s proposals waiting; wait for a coordinator's decision.",
                    open_ones,
                )
                % {"n": open_ones}
            )
        proposal = CommunityProposal.objects.create(proposer=proposer, reason=reason, **fields)
        notify_users(
            actor=proposer,
            user_ids=coordinator_ids(),
            category=Category.FACILITATION,
            verb=Verb(gettext_noop("proposed a new community: %(name)s"), name=proposal.name),
            text=reason,
            url="/coordinate/",
            members_only=False,
        )
    return proposal


def _locked_proposal(proposal: CommunityProposal) -> CommunityProposal:
    locked = (
        CommunityProposal.objects.select_for_update(of=("self",))
        .select_related("proposer")
        .get(pk=proposal.pk)
    )
    if locked.state != ProposalState.PENDING:
        raise Conflict(_("This proposal was already decided."))
    return locked


def proposal_approve(
    *,
    actor: User,
    proposal: CommunityProposal,
    slug: str | None = None,
    join_policy: str = "request",
    message: str = "",
) -> CommunityProposal:
    """Create the proposed community; the proposer becomes its facilitator and is told."""
    require_coordinator(actor)
    if len(message) > 1000:
        raise Invalid(_("A message is at most 1000 characters."), field="message")
    with transaction.atomic():
        proposal = _locked_proposal(proposal)
        proposer = proposal.proposer
        if proposer is None or not proposer.is_active:
            raise Conflict(_("The proposer's account no longer exists; decline the proposal."))
        community = community_create(
            creator=proposer,
            slug=slug,
            name=proposal.name,
            kind=proposal.kind,
            countries=proposal.countries,
            region=proposal.region,
            languages=proposal.languages,
            join_policy=join_policy,
            description=proposal.reason,
        )
        proposal.state = ProposalState.APPROVED
        proposal.community = community
        proposal.decided_by, proposal.decided_at = actor, timezone.now()
        proposal.decision_reason = message.strip()
        proposal.save()
        audit_record(
            community_id=community.pk,
            actor=actor,
            action=AuditAction.PROPOSAL_APPROVE,
            target_user=proposer,
            reason=proposal.decision_reason,
            data={"proposal": proposal.pk},
        )
        notify_users(
            actor=actor,
            user_ids=[proposer.pk],
            category=Category.MEMBERSHIP,
            verb=Verb(
                gettext_noop("approved your proposal: you facilitate %(community)s"),
                community=community.name,
            ),
            community_id=community.pk,
            text=proposal.decision_reason,
            url=f"/c/{community.slug}/settings/",
        )
    return proposal


def proposal_decline(*, actor: User, proposal: CommunityProposal, reason: str) -> CommunityProposal:
    """Decline with a reason the proposer reads."""
    require_coordinator(actor)
    reason = str(reason or "").strip()
    if not reason:
        raise Invalid(_("Tell the proposer why (they read it)."), field="reason")
    if len(reason) > 1000:
        raise Invalid(_("A reason is at most 1000 characters."), field="reason")
    with transaction.atomic():
        proposal = _locked_proposal(proposal)
        proposal.state = ProposalState.DECLINED
        proposal.decided_by, proposal.decided_at = actor, timezone.now()
        proposal.decision_reason = reason
        proposal.save()
        audit_record(
            community_id=None,
            actor=actor,
            action=AuditAction.PROPOSAL_DECLINE,
            target_user=proposal.proposer,
            reason=reason,
            data={"proposal": proposal.pk, "name": proposal.name},
        )
        if proposal.proposer_id:
            notify_users(
                actor=actor,
                user_ids=[proposal.proposer_id],
                category=Category.MEMBERSHIP,
                verb=Verb(gettext_noop("declined your proposal for %(name)s"), name=proposal.name),
                text=reason,
                url="/communities/propose/",
                members_only=False,
            )
    return proposal


# --- the coordinator role ----------------------------------------------------------------------


def coordinator_set(*, actor: User, user: User, on: bool) -> User:
    """Staff grant (or take back) the programme coordinator role."""
    if not is_staff(actor):
        raise Forbidden(_("Only staff grant the coordinator role."))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_coordinator == on:
            return user
        user.is_coordinator = on
        user.save(update_fields=["is_coordinator"])
        audit_record(
            community_id=None,
            actor=actor,
            action=AuditAction.COORDINATOR_GRANT if on else AuditAction.COORDINATOR_REVOKE,
            target_user=user,
        )
        verb = (
            gettext_noop("made you a programme coordinator")
            if on
            else gettext_noop("took back your programme coordinator role")
        )
        notify_users(
            actor=actor,
            user_ids=[user.pk],
            category=Category.MEMBERSHIP,
            verb=Verb(verb),
            url="/coordinate/" if on else "/",
            members_only=False,
        )
    return user
