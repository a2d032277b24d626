from django.apps import AppConfig


class FacilitatorsConfig(AppConfig):
    name = "facilitators"
    verbose_name = "Facilitators"

    def ready(self) -> None:
        from community.registry import post_checks
        from core import gdpr
        from core.audit import provide_audit_log

        from . import audit, permissions

        post_checks.register("muted", permissions.MUTE_CHECK)
        provide_audit_log(audit.record)
        gdpr.exporters.register("reports_made", audit.export_reports)
        gdpr.erasers.register("facilitators", audit.erase_emails)
        gdpr.exporters.register("community_proposals", audit.export_proposals)
        gdpr.erasers.register("community_proposals", audit.erase_proposals)
