"""What facilitators act with: mutes, invitations, reports, and the audit log of every action."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import CommunityKind
from core.audit import AuditAction
from core.roles import Role


class MuteQuerySet(models.QuerySet):
    """The one definition of who is muted. Values may be SQL expressions: the post statement
    uses this very query, compiled once (``permissions.mute_check``)."""

    def active(self, now: Any = None) -> MuteQuerySet:
        now = timezone.now() if now is None else now
        return self.filter(lifted_at__isnull=True).filter(Q(until__isnull=True) | Q(until__gt=now))

    def muting(self, *, user: Any, community: Any, room: Any, now: Any = None) -> MuteQuerySet:
        """Mutes that keep ``user`` from posting in ``room`` of ``community``: the room's own
        and community-wide ones (``room`` None: community-wide ones only)."""
        return (
            self.active(now)
            .filter(community_id=community, user_id=user)
            .filter(Q(room__isnull=True) | Q(room_id=room))
        )


class Mute(models.Model):
    """A member may not post in one room (``room``) or the whole community (``room=None``)
    until ``until`` (``None``: until unmuted)."""

    community = models.ForeignKey(
        "community.Community", on_delete=models.CASCADE, related_name="mutes"
    )
    room = models.ForeignKey(
        "community.Room", null=True, blank=True, on_delete=models.CASCADE, related_name="mutes"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    objects = MuteQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["community", "user", "lifted_at"])]

    def __str__(self) -> str:
        where = f"room {self.room_id}" if self.room_id else "community"
        return f"{self.user_id} muted in {where} {self.community_id}"


def _invitation_token() -> str:
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    """A single-use, expiring way into an ``invite`` (or any) community: a link, optionally
    bound to one email address."""

    community = models.ForeignKey(
        "community.Community", on_delete=models.CASCADE, related_name="invitations"
    )
    token = models.CharField(max_length=64, unique=True, default=_invitation_token)
    email = models.EmailField(blank=True)
    # The role it gives: a member, or the first facilitator a coordinator names by email.
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Invitation to {self.community_id} ({self.email or 'link'})"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class ReportState(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved with an action")
    DISMISSED = "dismissed", _("Dismissed")


class Report(models.Model):
    """A member's report of a message, for that community's facilitators."""

    community = models.ForeignKey(
        "community.Community", on_delete=models.CASCADE, related_name="reports"
    )
    message = models.ForeignKey(
        "community.RoomEvent", on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(max_length=1000)
    state = models.CharField(max_length=10, choices=ReportState.choices, default=ReportState.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=20, blank=True)
    resolution_note = models.TextField(max_length=1000, blank=True)

    class Meta:
        indexes = [models.Index(fields=["community", "state"])]
        constraints = [
            # One open report per reporter and message: reporting twice changes nothing.
            models.UniqueConstraint(
                fields=["message", "reporter"],
                condition=Q(state="open"),
                name="one_open_report_per_reporter",
            )
        ]

    def __str__(self) -> str:
        return f"Report {self.pk} on {self.message_id} ({self.state})"


class AuditEntry(models.Model):
    """One moderation action: who did what to whom, why and when. Written by the service
    that performs the action, in the same transaction. Site-wide actions (a declined
    proposal, a coordinator role) have no community."""

    community = models.ForeignKey(
        "community.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="audit_entries",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    room = models.ForeignKey(
        "community.Room", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        "community.RoomEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "-created_at"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.actor_id} {self.action} in {self.community_id}"


class ProposalState(models.TextChoices):
    PENDING = "pending", _("Waiting for a coordinator")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class CommunityProposal(models.Model):
    """A teacher's proposal for a new community. A coordinator approves it (the community is
    created and the proposer becomes its facilitator) or declines it with a reason."""

    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=CommunityKind.choices)
    countries = models.JSONField(default=list, blank=True, help_text="ISO 3166-1 codes")
    region = models.CharField(max_length=120, blank=True)
    languages = models.JSONField(default=list, blank=True, help_text="BCP-47 tags")
    reason = models.TextField(max_length=2000)
    state = models.CharField(
        max_length=10, choices=ProposalState.choices, default=ProposalState.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(max_length=1000, blank=True)
    community = models.ForeignKey(
        "community.Community",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "-created_at"])]

    def __str__(self) -> str:
        return f"Proposal {self.name} ({self.state})"
