import datetime as dt

from django.db import migrations, models


def fill(apps, schema_editor):
    # A roll-up made before this field reached through whole months: live from the next one.
    for mark in apps.get_model("fieldwork", "IncidentRollup").objects.all():
        mark.live_from = (mark.through + dt.timedelta(days=32)).replace(day=1)
        mark.save(update_fields=["live_from"])


class Migration(migrations.Migration):
    dependencies = [("fieldwork", "0007_incident_created_idx")]

    operations = [
        migrations.AddField(
            model_name="incidentrollup",
            name="live_from",
            field=models.DateField(default=dt.date(2000, 1, 1)),
            preserve_default=False,
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
