"""Text columns compared by their bytes on every database.

SQLite compares text bytewise (BINARY) unless told otherwise; a PostgreSQL column takes the
database's locale, whose ``strcoll()`` comparisons (without abbreviated keys on PostgreSQL 15)
make each index build about twice as slow and order text by the locale's rules, not the
code points. A :class:`ByteOrderCharField` is in the "C" collation there: byte order, which
for UTF-8 is code point order — the order SQLite gives, and the one in which the range
``name >= q AND name < q || U+10FFFF`` holds exactly the names beginning with ``q``.
Migrations put existing columns there with :func:`byte_order`.
"""

from django.db import migrations, models

BYTE_ORDER = "C"  # PostgreSQL's; SQLite knows no collation of that name


class ByteOrderCharField(models.CharField):
    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = BYTE_ORDER
        return params


def set_collation(schema_editor, model, field_names, collation: str = BYTE_ORDER) -> None:
    """PostgreSQL: the model's columns ``field_names`` in ``collation`` ("C", or "default"
    backwards); their indexes are rebuilt by the ALTER. A column already so is left alone;
    elsewhere nothing to do. For the ``RunPython`` of a migration."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    qn = schema_editor.quote_name
    table = model._meta.db_table
    for name in field_names:
        field = model._meta.get_field(name)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(collation_name, 'default') FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s AND column_name = %s",
                [table, field.column],
            )
            (current,) = cursor.fetchone()
        if current != collation:
            schema_editor.execute(
                f"ALTER TABLE {qn(table)} ALTER COLUMN {qn(field.column)} "
                f"TYPE {field.db_type(connection)} COLLATE {qn(collation)}"
            )


def byte_order(pick) -> migrations.RunPython:
    """A migration's operation putting columns in byte order (backwards: the database's
    default): ``pick(apps)`` gives the (model, field names) pairs, from the migration's
    state."""

    def forwards(apps, schema_editor):
        for model, names in pick(apps):
            set_collation(schema_editor, model, names)

    def backwards(apps, schema_editor):
        for model, names in pick(apps):
            set_collation(schema_editor, model, names, "default")

    return migrations.RunPython(forwards, backwards)
