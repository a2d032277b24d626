"""Admin for teaching materials and toolkits."""

from __future__ import annotations

from django.contrib import admin

from .models import Reaction, Resource, ResourceVersion, Toolkit, ToolkitItem


class VersionInline(admin.TabularInline):
    model = ResourceVersion
    fields = ["number", "file", "url", "content_type", "size", "change_note", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "author", "licence", "language", "resource_type",
                    "withdrawn_at", "created_at"]  # fmt: skip
    list_filter = [
        "licence",
        "resource_type",
        "language",
        ("withdrawn_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["title", "description", "author__email", "author__display_name"]
    raw_id_fields = ["community", "author", "thread", "adapted_from", "withdrawn_by"]
    readonly_fields = ["used_count", "useful_count", "version_count", "created_at", "updated_at"]
    inlines = [VersionInline]


@admin.register(ResourceVersion)
class ResourceVersionAdmin(admin.ModelAdmin):
    list_display = ["resource", "number", "content_type", "size", "created_by", "created_at"]
    search_fields = ["resource__title", "change_note"]
    raw_id_fields = ["resource", "created_by"]


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin):
    list_display = ["resource", "user", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["resource__title", "user__email"]
    raw_id_fields = ["resource", "user"]


class ToolkitItemInline(admin.TabularInline):
    model = ToolkitItem
    fields = ["position", "resource", "note"]
    raw_id_fields = ["resource"]
    extra = 0


@admin.register(Toolkit)
class ToolkitAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "language", "published_at", "updated_at"]
    list_filter = [("published_at", admin.EmptyFieldListFilter), "community"]
    search_fields = ["title", "introduction", "slug"]
    raw_id_fields = ["community", "created_by"]
    readonly_fields = ["published_at", "created_at", "updated_at"]
    inlines = [ToolkitItemInline]


@admin.register(ToolkitItem)
class ToolkitItemAdmin(admin.ModelAdmin):
    list_display = ["toolkit", "position", "resource", "note"]
    list_filter = ["toolkit"]
    search_fields = ["toolkit__title", "resource__title", "note"]
    raw_id_fields = ["toolkit", "resource"]
