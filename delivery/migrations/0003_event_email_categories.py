"""The event categories (``core.notify.Category.EVENT``/``NEW_EVENT``) came after some
teachers saved their settings: their stored list of emailed categories gets them too, as a new
teacher's default list has them."""

from django.db import migrations

NEW = ["event", "new_event"]


def add_event_categories(apps, schema_editor):
    DeliverySettings = apps.get_model("delivery", "DeliverySettings")
    for settings in DeliverySettings.objects.all():
        categories = list(settings.email_categories or [])
        missing = [c for c in NEW if c not in categories]
        if missing:
            settings.email_categories = sorted(categories + missing)
            settings.save(update_fields=["email_categories"])


class Migration(migrations.Migration):
    dependencies = [("delivery", "0002_timezone_moves_to_user")]

    operations = [migrations.RunPython(add_event_categories, migrations.RunPython.noop)]
