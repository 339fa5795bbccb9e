"""PostgreSQL only: drop the ``varchar_pattern_ops`` ("_like") twins of the resident's four
blind-index indexes (issue 11, item 6).

Django adds such a second index to every indexed varchar column, for ``LIKE 'x%'`` outside
the C locale. A blind index is an HMAC in hex and is only ever looked up whole (``=`` /
``IN``), so these four indexes serve no query; a first import of 500k residents built
them for ~1.5 s of the server's time. The plain b-tree indexes stay; so did the name's
``_like`` index, until migration 0011 (it serves no query either). SQLite never had them.
Django drops a field's ``_like`` index with ``IF EXISTS`` when it alters the field, so a
later migration is not disturbed.
"""

from django.db import migrations

COLUMNS = ("id_number_index", "id_number_last4", "phone_index", "phone_last4")


def drop_like_indexes(apps, schema_editor, columns=COLUMNS):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    qn = schema_editor.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, a.attname FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0] "
            "WHERE x.indrelid = 'territory_resident'::regclass AND x.indnatts = 1 "
            "AND pg_get_indexdef(x.indexrelid) LIKE '%%varchar_pattern_ops%%'"
        )
        for name, column in cursor.fetchall():
            if column in columns:
                cursor.execute(f"DROP INDEX {qn(name)}")


def create_like_indexes(apps, schema_editor, columns=COLUMNS):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    Resident = apps.get_model("territory", "Resident")
    for column in columns:
        field = Resident._meta.get_field(column)
        sql = schema_editor._create_like_index_sql(Resident, field)
        if sql is not None:
            schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('territory', '0008_resident_source_hash'),
    ]

    operations = [migrations.RunPython(drop_like_indexes, create_like_indexes)]
