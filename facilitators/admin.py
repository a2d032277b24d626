"""Admin for moderation records. Audit entries are read-only: the log is evidence."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from community.admin import ReadOnlyAdmin

from .models import AuditEntry, CommunityProposal, Invitation, Mute, Report


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "community", "actor", "action", "target_user", "reason"]
    list_filter = ["action", "community"]
    search_fields = ["reason", "actor__email", "actor__display_name", "target_user__email"]
    list_select_related = ["community", "actor", "target_user"]
    date_hierarchy = "created_at"


@admin.register(CommunityProposal)
class CommunityProposalAdmin(admin.ModelAdmin):
    """Decided on /coordinate/ (the service creates the community and tells the proposer);
    read here."""

    list_display = ["name", "kind", "proposer", "state", "created_at", "decided_by", "decided_at"]
    list_filter = ["state", "kind"]
    search_fields = ["name", "reason", "proposer__email", "proposer__display_name"]
    list_select_related = ["proposer", "decided_by"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["community", "email", "role", "created_by", "expires_at", "used_at",
                    "revoked_at"]  # fmt: skip
    list_filter = ["role", ("used_at", admin.EmptyFieldListFilter), "community"]
    search_fields = ["email", "community__name"]
    readonly_fields = ["token", "created_by", "created_at", "used_at", "used_by"]
    raw_id_fields = ["community"]


@admin.register(Mute)
class MuteAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "room", "until", "created_by", "lifted_at"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter), "community"]
    search_fields = ["user__email", "user__display_name", "reason"]
    raw_id_fields = ["user", "community", "room", "created_by"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["community", "reporter", "state", "resolution", "created_at", "resolved_by"]
    list_filter = ["state", "community"]
    search_fields = ["reason", "resolution_note", "reporter__email"]
    raw_id_fields = ["community", "message", "reporter", "resolved_by"]
