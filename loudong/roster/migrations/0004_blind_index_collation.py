"""PostgreSQL only: the blind-index columns of the roster's people (Person) in the "C"
collation (issue 11, item 6; ``loudong.lib.collation`` says why). SQLite compares
bytes already: nothing to do.
"""

from django.db import migrations

from loudong.lib.protected import blind_indexes_in_byte_order


class Migration(migrations.Migration):

    dependencies = [
        ("roster", "0003_seed_rules"),
    ]

    operations = [blind_indexes_in_byte_order("roster")]
