"""Resident.source_hash: a keyed hash of the row's cells as read, so that a re-import skips
the per-row checks of rows whose cells are unchanged (issue 11, item 6). Empty for rows
imported before: their next import checks them and stores it."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('territory', '0007_household_attention'),
    ]

    operations = [
        migrations.AddField(
            model_name='resident',
            name='source_hash',
            field=models.CharField(blank=True, db_default='', default='', editable=False, max_length=32),
        ),
    ]
