from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "Teaching materials"

    def ready(self) -> None:
        from django.urls import reverse

        from community.models import RoomKind
        from community.registry import RoomKindHooks, room_kinds
        from core import gdpr

        from . import selectors

        def page_url(room: object) -> str:
            resource = selectors.resource_by_thread(room_id=room.pk)  # type: ignore[attr-defined]
            return reverse("resources:detail", args=[resource.pk]) if resource else "/resources/"

        def label(room: object) -> str:
            resource = selectors.resource_by_thread(room_id=room.pk)  # type: ignore[attr-defined]
            return f"“{resource.title}”" if resource else "#" + room.name  # type: ignore[attr-defined]

        room_kinds.register(
            RoomKind.RESOURCE,
            RoomKindHooks(
                has_version=lambda room_id, number: selectors.thread_has_version(
                    room_id=room_id, number=number
                ),
                page_url=page_url,
                label=label,
            ),
        )
        gdpr.exporters.register("resources", lambda user: selectors.resources_by_author(user=user))
