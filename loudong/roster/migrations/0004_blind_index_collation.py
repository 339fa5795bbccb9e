"""PostgreSQL only: the blind-index columns of the roster's people (Person) in the "C"
collation (issue 11, item 6; ``loudong.lib.collation`` says why). SQLite compares
bytes already: nothing to do.
"""

from django.db import migrations

from loudong.lib.protected import collate_blind_indexes


def to_c(apps, schema_editor):
    collate_blind_indexes(apps, schema_editor, "roster")


def to_default(apps, schema_editor):
    collate_blind_indexes(apps, schema_editor, "roster", collation="default")


class Migration(migrations.Migration):

    dependencies = [
        ("roster", "0003_seed_rules"),
    ]

    operations = [migrations.RunPython(to_c, to_default)]
