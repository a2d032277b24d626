from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make run` (``manage.py seed_demo``). It sits on top of every app, since
    the demo shows all of them."""

    name = "demo"
    verbose_name = "Demo data"
