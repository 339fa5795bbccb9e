"""The resident's name in byte order (``loudong.lib.collation``): on PostgreSQL the "C"
collation (issue 11, item 6).

The name search is the range ``name >= q AND name < q || U+10FFFF`` on the name's index
(``views.search``), which holds exactly the names beginning with ``q`` in code point order —
SQLite's order, and PostgreSQL's under "C" whatever the server's locale; its results are
listed in that order on both. A first import of 500k residents rebuilds the index: 0.39–0.41
→ 0.18 s for 507k names in isolation. The field's class changes in the state only: on SQLite
nothing changes (its text is compared bytewise already), and Django's SQLite editor would
remake the whole table for a new field class.
"""

from django.db import migrations

import loudong.lib.collation


class Migration(migrations.Migration):

    dependencies = [
        ("territory", "0012_blind_index_collation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="resident",
                    name="name",
                    field=loudong.lib.collation.ByteOrderCharField(
                        db_index=True, max_length=50, verbose_name="姓名"
                    ),
                ),
            ],
            database_operations=[
                loudong.lib.collation.byte_order(
                    lambda apps: [(apps.get_model("territory", "Resident"), ["name"])]
                )
            ],
        ),
    ]
