# The time zone is the user's, not only their notifications': pages, events and reminders use
# it too. Copy each chosen zone to the user, then drop the column here.

from django.db import migrations


def copy_zones_to_users(apps, schema_editor):
    DeliverySettings = apps.get_model("delivery", "DeliverySettings")
    User = apps.get_model("community", "User")
    for user_id, zone in DeliverySettings.objects.values_list("user_id", "timezone"):
        User.objects.filter(pk=user_id, timezone="").update(timezone=zone)


def copy_zones_back(apps, schema_editor):
    DeliverySettings = apps.get_model("delivery", "DeliverySettings")
    User = apps.get_model("community", "User")
    for settings in DeliverySettings.objects.all():
        zone = User.objects.filter(pk=settings.user_id).values_list("timezone", flat=True).first()
        if zone:
            settings.timezone = zone
            settings.save(update_fields=["timezone"])


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0001_initial"),
        ("community", "0006_user_language_timezone"),
    ]

    operations = [
        migrations.RunPython(copy_zones_to_users, copy_zones_back),
        migrations.RemoveField(model_name="deliverysettings", name="timezone"),
    ]
