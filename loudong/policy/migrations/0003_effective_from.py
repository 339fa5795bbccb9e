"""Each profile version gets the day it starts to apply (``policy.profile.profile_for``).

The built-in versions apply from the day their seed was issued: 池阳街道's notice of
2021-08-27 (seed 000) and 长春's of 2020-03-20 (seed 004); other versions from the day
they were made.
"""

import datetime as dt

from django.db import migrations, models

SEED_DATES = {"chiyang": dt.date(2021, 8, 27), "changchun": dt.date(2020, 3, 20)}


def set_dates(apps, schema_editor):
    PolicyProfile = apps.get_model("policy", "PolicyProfile")
    for row in PolicyProfile.objects.all():
        builtin = row.created_by_id is None and row.version == 1
        day = SEED_DATES.get(row.name) if builtin else None
        PolicyProfile.objects.filter(pk=row.pk).update(
            effective_from=day or row.created.date()
        )


class Migration(migrations.Migration):
    dependencies = [("policy", "0002_builtin_profiles")]

    operations = [
        migrations.AddField(
            model_name="policyprofile",
            name="effective_from",
            field=models.DateField(default=dt.date(2020, 1, 1), verbose_name="生效日期"),
            preserve_default=False,
        ),
        migrations.RunPython(set_dates, migrations.RunPython.noop),
    ]
