"""Read-only queries for facilitators: members, requests, reports, invitations, audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from community.models import Community, Membership
from core.errors import NotFound

from .models import AuditEntry, CommunityProposal, Invitation, Mute, Report


def member_list(
    *,
    community: Community,
    state: str | None = "active",
    role: str | None = None,
    q: str | None = None,
) -> QuerySet[Membership]:
    members = Membership.objects.filter(community=community).select_related("user", "user__profile")
    if state:
        members = members.filter(state=state)
    if role:
        members = members.filter(role=role)
    if q:
        members = members.filter(Q(user__display_name__icontains=q) | Q(user__email__icontains=q))
    return members.order_by("-role", "user__display_name")


def membership_in(*, community: Community, user_id: int) -> Membership:
    membership = (
        Membership.objects.select_related("community", "user")
        .filter(community=community, user_id=user_id)
        .first()
    )
    if membership is None:
        raise NotFound(
            _("User %(user_id)s has no membership in %(slug)s.")
            % {"user_id": user_id, "slug": community.slug}
        )
    return membership


def report_list(*, community: Community, state: str | None = "open") -> QuerySet[Report]:
    reports = Report.objects.filter(community=community).select_related(
        "community", "message", "message__author", "reporter"
    )
    if state:
        reports = reports.filter(state=state)
    return reports.order_by("-created_at")


def report_get(*, report_id: int) -> Report:
    report = (
        Report.objects.select_related("community", "message__author", "reporter")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise NotFound(_("No report %(report_id)s.") % {"report_id": report_id})
    return report


def invitation_list(*, community: Community) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(community=community)
        .select_related("created_by", "used_by")
        .order_by("-created_at")
    )


def invitation_get(*, token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("community", "created_by").filter(token=token).first()
    )
    if invitation is None:
        raise NotFound(_("This invitation does not exist."))
    return invitation


def audit_list(
    *,
    community: Community,
    action: str | None = None,
    actor_id: int | None = None,
    target_user_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int | None = None,
) -> Any:
    """Audit entries, newest first, filtered; ``before_id`` pages back through them."""
    entries = AuditEntry.objects.filter(community=community).select_related("actor", "target_user")
    if action:
        entries = (
            entries.filter(action=action)
            if "." in action
            else entries.filter(action__startswith=f"{action}.")
        )
    if actor_id:
        entries = entries.filter(actor_id=actor_id)
    if target_user_id:
        entries = entries.filter(target_user_id=target_user_id)
    if since:
        entries = entries.filter(created_at__gte=since)
    if until:
        entries = entries.filter(created_at__lt=until)
    if before_id:
        entries = entries.filter(id__lt=before_id)
    entries = entries.order_by("-id")
    return entries[:limit] if limit else entries.iterator(chunk_size=500)


def active_mutes(*, community: Community) -> dict[int, Any]:
    """The mute in force per member of the community (the longest-lasting when several),
    keyed by user id: the dashboard shows "muted until …" instead of "active"."""
    mutes: dict[int, Any] = {}
    ordered = (
        Mute.objects.active()
        .filter(community=community)
        .select_related("room")
        .order_by("user_id", F("until").desc(nulls_first=True))
    )
    for mute in ordered:
        mutes.setdefault(mute.user_id, mute)
    return mutes


def proposal_list(*, proposer: Any = None, state: str | None = None) -> QuerySet[CommunityProposal]:
    """Proposals, newest first (``proposer``: only theirs)."""
    proposals = CommunityProposal.objects.select_related("proposer", "decided_by", "community")
    if proposer is not None:
        proposals = proposals.filter(proposer_id=proposer.pk)
    if state:
        proposals = proposals.filter(state=state)
    return proposals.order_by("-created_at", "-id")


def proposal_get(*, proposal_id: int) -> CommunityProposal:
    proposal = (
        CommunityProposal.objects.select_related("proposer", "decided_by", "community")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise NotFound(_("No proposal %(proposal_id)s.") % {"proposal_id": proposal_id})
    return proposal
