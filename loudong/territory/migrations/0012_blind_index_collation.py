"""PostgreSQL only: the blind-index columns of the resident (Resident) in the "C" collation
(issue 11, item 6; ``loudong.lib.collation`` says why). SQLite compares bytes
already: nothing to do.
"""

from django.db import migrations

from loudong.lib.protected import collate_blind_indexes


def to_c(apps, schema_editor):
    collate_blind_indexes(apps, schema_editor, "territory")


def to_default(apps, schema_editor):
    collate_blind_indexes(apps, schema_editor, "territory", collation="default")


class Migration(migrations.Migration):

    dependencies = [
        ("territory", "0011_resident_name_no_like"),
    ]

    operations = [migrations.RunPython(to_c, to_default)]
