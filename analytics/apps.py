from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Learning analytics"

    def ready(self) -> None:
        from django.conf import settings

        from community import registry
        from core import gdpr, outbox

        from . import privacy, rollup, views
        from .xapi import forwarding, making

        outbox.job_kinds.register(making.FORWARD_JOB, forwarding.forward)
        outbox.periodic.register(
            "analytics.sweep",
            outbox.PeriodicTask(settings.KRING_ANALYTICS_SWEEP_SECONDS, rollup.sweep),
        )
        outbox.periodic.register(
            "analytics.learning_sources",
            outbox.PeriodicTask(
                settings.KRING_ANALYTICS_SWEEP_SECONDS, making.statements_from_sources
            ),
        )
        outbox.periodic.register(
            "analytics.xapi_retry",
            outbox.PeriodicTask(settings.KRING_XAPI_RETRY_SECONDS, forwarding.retry_due),
        )
        registry.page_context.register("analytics", views.community_page_context)
        gdpr.exporters.register("analytics", privacy.export)
        gdpr.erasers.register("analytics", privacy.erase)
