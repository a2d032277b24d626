from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = "Notification delivery"

    def ready(self) -> None:
        from community import registry
        from core import gdpr, notify, outbox

        from . import fanout, housekeeping, privacy, services, watching

        outbox.store.provide(services.job_store)
        outbox.periodic.register(
            "outbox.housekeeping",
            outbox.PeriodicTask(interval_seconds=60, run=housekeeping.outbox_housekeeping),
        )
        for kind, handler in fanout.JOB_HANDLERS.items():
            outbox.job_kinds.register(kind, handler)
        notify.follow_room.provide(services.follow_room)
        registry.post_checks.register("watched", watching.WATCHED_CHECK)
        registry.message_posted.register("notifications", services.message_posted)
        registry.page_context.register("notification_level", watching.level_context)
        gdpr.exporters.register("notifications", privacy.export_notifications)
        gdpr.exporters.register("notification_preferences", privacy.export_preferences)
        gdpr.exporters.register("delivery_settings", privacy.export_delivery_settings)
        gdpr.erasers.register("notifications", privacy.erase)
