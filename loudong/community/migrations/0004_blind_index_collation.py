"""PostgreSQL only: the blind-index columns of the community's outsider records
(OutsiderRecord) in the "C" collation (issue 11, item 6; ``BlindIndexField.db_parameters``
says why). SQLite compares bytes already: nothing to do.
"""

from django.db import migrations

from loudong.lib.protected import blind_indexes_in_byte_order


class Migration(migrations.Migration):

    dependencies = [
        ("community", "0003_rotation_training_supplies_outsiders"),
    ]

    operations = [blind_indexes_in_byte_order("community")]
