from django.db import migrations, models
from django.utils.text import slugify


def fill_handles(apps, schema_editor):
    User = apps.get_model("community", "User")
    taken = set(User.objects.exclude(handle=None).values_list("handle", flat=True))
    for user in User.objects.filter(handle=None).order_by("pk"):
        base = (slugify(user.display_name or user.email.split("@")[0])[:34].strip("-_.") or "teacher").ljust(3, "0")
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        user.handle = candidate
        user.save(update_fields=["handle"])


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0002_membership_request_message_room_is_locked_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="handle",
            field=models.CharField(blank=True, max_length=40, null=True, unique=True, verbose_name="handle"),
        ),
        migrations.RunPython(fill_handles, migrations.RunPython.noop),
    ]
