from django.apps import AppConfig


class NetworkingConfig(AppConfig):
    name = "networking"
    verbose_name = "Passive networking"

    def ready(self) -> None:
        from django.conf import settings

        from community import registry
        from core import gdpr, outbox

        from . import services, vectors, views

        registry.profile_changed.register("networking", vectors.profile_changed)
        registry.home_panels.register("suggestions", views.home_panel)
        registry.page_context.register("suggestions", views.community_panel)
        outbox.periodic.register(
            "networking.sweep",
            outbox.PeriodicTask(settings.KRING_NETWORKING_SWEEP_SECONDS, vectors.sweep),
        )
        outbox.periodic.register(
            "networking.weekly",
            outbox.PeriodicTask(
                settings.KRING_NETWORKING_WEEKLY_CHECK_SECONDS, services.send_weekly
            ),
        )
        gdpr.exporters.register("networking", services.export)
        gdpr.erasers.register("networking", vectors.erase)
