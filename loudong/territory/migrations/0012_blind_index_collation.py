"""PostgreSQL only: the blind-index columns of the resident (Resident) in the "C" collation
(issue 11, item 6; ``loudong.lib.collation`` says why). SQLite compares bytes
already: nothing to do.
"""

from django.db import migrations

from loudong.lib.protected import blind_indexes_in_byte_order


class Migration(migrations.Migration):

    dependencies = [
        ("territory", "0011_resident_name_no_like"),
    ]

    operations = [blind_indexes_in_byte_order("territory")]
