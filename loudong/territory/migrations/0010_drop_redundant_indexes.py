"""Drop three single-column indexes that no query needs (issue 11, item 6).

- ``Household.community``: ``household_community_idx`` (community, id) serves every lookup
  by community (on SQLite the two indexes hold the same keys: an index ends with the rowid).
- ``Household.unit``: the unique (unit, room) index serves every lookup by unit.
- ``Resident.is_party_member``: no query filters residents on it (the flag is shown with
  the resident and copied to a roster person).

A first import of 500k residents rebuilt them for ~0.5 s (SQLite, 0.32 + 0.09 + 0.10 s)
and PostgreSQL's server likewise. The query plans of the household list, a unit's homes and
a community's counts are unchanged but for the index's name (EXPLAIN, 234k households).
The fields' ``db_index`` changes in the state only: Django's SQLite editor would remake
both tables to drop an index; here the index is dropped (and, backwards, created) by name.
"""

from django.db import migrations, models
import django.db.models.deletion

FIELDS = (("household", "community"), ("household", "unit"), ("resident", "is_party_member"))


def drop_indexes(apps, schema_editor):
    connection = schema_editor.connection
    for model_name, field_name in FIELDS:
        model = apps.get_model("territory", model_name)
        column = model._meta.get_field(field_name).column
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(
                cursor, model._meta.db_table
            )
        for name, info in constraints.items():
            if (
                info["index"]
                and not info["unique"]
                and not info["primary_key"]
                and info["columns"] == [column]
            ):
                schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_indexes(apps, schema_editor):
    for model_name, field_name in FIELDS:
        model = apps.get_model("territory", model_name)
        field = model._meta.get_field(field_name)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):

    dependencies = [
        ("territory", "0009_resident_blind_index_no_like"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
            state_operations=[
                migrations.AlterField(
                    model_name="household",
                    name="community",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="territory.region",
                    ),
                ),
                migrations.AlterField(
                    model_name="household",
                    name="unit",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="households",
                        to="territory.unit",
                        verbose_name="单元",
                    ),
                ),
                migrations.AlterField(
                    model_name="resident",
                    name="is_party_member",
                    field=models.BooleanField(default=False, verbose_name="党员"),
                ),
            ],
        ),
    ]
