from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "Communities"

    def ready(self) -> None:
        from .archived import ARCHIVED_CHECK
        from .registry import post_checks

        post_checks.register("archived", ARCHIVED_CHECK)
