from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = "Real-time"

    def ready(self) -> None:
        from . import limits, signals  # noqa: F401 - connects the receivers, registers checks

        problems = limits.limit_problems()
        if problems:
            # A server started with these limits would take messages it can never send.
            raise ImproperlyConfigured(" ".join(problems))
