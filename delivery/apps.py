from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = "Notification delivery"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out
        from django.core import checks

        from community import registry
        from core import gdpr, notify, outbox

        from . import fanout, housekeeping, privacy, services, watching
        from .push import keys
        from .push import services as push_services

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
        gdpr.exporters.register("push_subscriptions", privacy.export_push_subscriptions)
        gdpr.erasers.register("push_subscriptions", privacy.erase_push_subscriptions)
        user_logged_out.connect(push_services.forget_on_logout, dispatch_uid="kring-push-logout")
        checks.register(keys.check_vapid_key)
        checks.register(keys.check_vapid_key_is_configured, deploy=True)
