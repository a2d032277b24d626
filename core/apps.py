from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The base layer: protocol, errors, roles, emitters, ports and registries. It imports no
    other Kring app; the apps above fill its registries in their ``ready()``."""

    name = "core"
    verbose_name = "Kring core"
