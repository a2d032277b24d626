"""Admin for notification delivery. Outbox jobs are read-only records, except that failed
ones can be retried (an action; the worker picks them up again)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from community.admin import ReadOnlyAdmin

from . import services
from .models import (
    DeliverySettings,
    NotificationPreference,
    OutboxJob,
    PushDelivery,
    PushSubscription,
)


@admin.register(OutboxJob)
class OutboxJobAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "queue", "state", "attempts", "recipients", "created_at",
                    "processed_at"]  # fmt: skip
    list_filter = ["state", "kind", "queue"]
    search_fields = ["last_error"]
    readonly_fields = ["queue", "kind", "payload", "state", "attempts", "last_error",
                       "created_at", "processed_at", "recipients"]  # fmt: skip
    actions = ["retry"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Viewable (and the action usable) by staff with change rights; the fields stay
        # read-only.
        return bool(request.user.is_staff and request.user.has_perm("delivery.change_outboxjob"))

    @admin.action(description=_("Retry the selected failed jobs"))
    def retry(self, request: HttpRequest, queryset: Any) -> None:
        count = services.jobs_retry(job_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext(
                "%(n)d failed job will be retried.", "%(n)d failed jobs will be retried.", count
            )
            % {"n": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "room", "level", "updated_at"]
    list_filter = ["level"]
    search_fields = ["user__email", "community__name"]
    raw_id_fields = ["user", "community", "room"]


@admin.register(DeliverySettings)
class DeliverySettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "live", "email_mode", "digest_hour", "last_digest_at"]
    list_filter = ["live", "email_mode"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ReadOnlyAdmin):
    # The endpoint and keys let anyone push to the device: never shown, not even to staff.
    list_display = ["id", "user", "browser", "platform", "created_at", "last_push_at"]
    list_filter = ["browser", "platform"]
    search_fields = ["user__email"]
    fields = ["user", "browser", "platform", "created_at", "last_push_at"]
    readonly_fields = fields


@admin.register(PushDelivery)
class PushDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["id", "subscription", "state", "attempts", "not_before", "finished_at"]
    list_filter = ["state", "queue"]
    fields = ["notification", "subscription", "queue", "state", "not_before", "attempts",
              "finished_at", "last_error"]  # fmt: skip
    readonly_fields = fields
