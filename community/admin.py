"""The admin for staff: every model with list displays, filters and search. Writes that
others must hear of (rooms, archiving, roles) go through the pages and the API, whose
services audit and announce them; the event log is read-only here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import (
    CircleLink,
    Community,
    Membership,
    Profile,
    Room,
    RoomEvent,
    RoomReadState,
    User,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that are history: looked at, never changed by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "handle", "is_coordinator", "is_staff", "is_active",
                    "date_joined", "last_login"]  # fmt: skip
    list_filter = ["is_coordinator", "is_staff", "is_superuser", "is_active", "language"]
    search_fields = ["email", "display_name", "handle"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Teacher"), {"fields": ("display_name", "handle", "language", "timezone")}),
        (
            _("Roles"),
            {
                "fields": (
                    "is_active",
                    "is_coordinator",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("email", "display_name", "password1", "password2")},
        ),
    )
    readonly_fields = ["last_login", "date_joined"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "country", "school"]
    list_filter = ["country"]
    search_fields = ["user__email", "user__display_name", "school"]
    raw_id_fields = ["user"]


class RoomInline(admin.TabularInline):
    model = Room
    fields = ["name", "topic", "kind", "position", "is_locked", "archived_at"]
    readonly_fields = ["kind", "archived_at"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).filter(kind="discussion")


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "region", "join_policy", "archived_at", "created_at"]
    list_filter = ["kind", "join_policy", ("archived_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "slug", "region", "description"]
    readonly_fields = ["created_at", "created_by", "archived_at", "logo"]
    inlines = [RoomInline]


@admin.register(CircleLink)
class CircleLinkAdmin(admin.ModelAdmin):
    list_display = ["community", "circle", "linked_by", "linked_at"]
    list_filter = ["circle"]
    search_fields = ["community__name", "circle__name"]
    raw_id_fields = ["community", "circle", "linked_by"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "role", "state", "joined_at"]
    list_filter = ["role", "state", "community"]
    search_fields = ["user__email", "user__display_name", "community__name"]
    raw_id_fields = ["user", "community"]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "kind", "position", "is_locked", "slow_mode_seconds",
                    "archived_at", "last_seq"]  # fmt: skip
    list_filter = ["kind", "is_locked", ("archived_at", admin.EmptyFieldListFilter), "community"]
    search_fields = ["name", "topic", "community__name"]
    readonly_fields = ["last_seq", "archived_at", "created_at"]
    raw_id_fields = ["community"]

    def get_queryset(self, request: HttpRequest) -> Any:
        # Direct conversations (no community) are their participants' alone, not staff's.
        return super().get_queryset(request).filter(community__isnull=False)


@admin.register(RoomEvent)
class RoomEventAdmin(ReadOnlyAdmin):
    list_display = ["room", "seq", "kind", "author", "created_at", "deleted_at", "hidden_at"]
    list_filter = ["kind", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["body", "author__email", "author__display_name"]
    list_select_related = ["room", "room__community", "author"]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> Any:
        # Never the messages of direct conversations: staff do not read them.
        return super().get_queryset(request).filter(room__community__isnull=False)


@admin.register(RoomReadState)
class RoomReadStateAdmin(ReadOnlyAdmin):
    list_display = ["user", "room", "last_read_seq", "updated_at"]
    search_fields = ["user__email", "room__name"]
    list_select_related = ["user", "room"]
