"""Resident.row_hash for skipping unchanged rows on re-import; import reports scrubbed.

Reports stored before masking went by the columns' meaning (issue 9, item 5) may hold full
ID numbers and phones (a sheet headed 公民身份号码 or 手机号码); they are masked here.
"""

import re

from django.db import migrations, models

_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])|(?<![0-9])[0-9]{15}(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def _mask(text):
    text = _ID.sub(lambda m: m.group()[:3] + "*" * (len(m.group()) - 7) + m.group()[-4:], text)
    return _MOBILE.sub(lambda m: m.group()[:3] + "****" + m.group()[-4:], text)


def _scrub(value):
    if isinstance(value, str):
        return _mask(value)
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    return value


def scrub_reports(apps, schema_editor):
    ImportJob = apps.get_model("territory", "ImportJob")
    for job in ImportJob.objects.exclude(report={}).only("id", "report").iterator():
        report = _scrub(job.report)
        if report != job.report:
            ImportJob.objects.filter(pk=job.pk).update(report=report)


class Migration(migrations.Migration):
    dependencies = [
        ("territory", "0004_building_listed_dates"),
    ]

    operations = [
        migrations.AddField(
            model_name="resident",
            name="row_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=32),
        ),
        migrations.RunPython(scrub_reports, migrations.RunPython.noop),
    ]
