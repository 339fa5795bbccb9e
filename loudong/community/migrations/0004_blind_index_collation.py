"""PostgreSQL only: the blind-index columns of the community's outsider records
(OutsiderRecord) in the "C" collation (issue 11, item 6; ``BlindIndexField.db_parameters``
says why). SQLite compares bytes already: nothing to do.
"""

from django.db import migrations

from loudong.lib.protected import collate_blind_indexes


def to_c(apps, schema_editor):
    collate_blind_indexes(apps, schema_editor, "community")


def to_default(apps, schema_editor):
    collate_blind_indexes(apps, schema_editor, "community", collation="default")


class Migration(migrations.Migration):

    dependencies = [
        ("community", "0003_rotation_training_supplies_outsiders"),
    ]

    operations = [migrations.RunPython(to_c, to_default)]
