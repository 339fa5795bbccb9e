"""PostgreSQL only: drop the ``varchar_pattern_ops`` ("_like") twin of the resident's name
index (issue 11, item 6).

Migration 0009 kept it for the prefix search, but that search is a range on the plain index
(``name >= q AND name < q || U+10FFFF``, ``views.search``: one form that SQLite's index
serves too), never ``LIKE 'q%'``; no other query filters residents by a name pattern. A first
import of 500k residents built it for ~0.8 s of the server's time (measured 0.78 s, in the
transaction after the load, two parallel workers). The plain b-tree index on the name stays.
SQLite never had it. Backwards, Django's own SQL puts it back.
"""

from importlib import import_module

from django.db import migrations

_0009 = import_module("loudong.territory.migrations.0009_resident_blind_index_no_like")


def drop_like_index(apps, schema_editor):
    _0009.drop_like_indexes(apps, schema_editor, columns=("name",))


def create_like_index(apps, schema_editor):
    _0009.create_like_indexes(apps, schema_editor, columns=("name",))


class Migration(migrations.Migration):

    dependencies = [
        ("territory", "0010_drop_redundant_indexes"),
    ]

    operations = [migrations.RunPython(drop_like_index, create_like_index)]
