from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from loudong.lib import crypto
from loudong.lib.protected import Protected
from loudong.territory.models import Resident
from loudong.test import BaseTestCase, make_household, make_resident

NEW_KEY = "k2:" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODk="  # 32 bytes, tests only


class ProtectedFieldTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.home = make_household(cls.compound_a)
        cls.id_number = "34170219580302123X"
        cls.person = make_resident(
            cls.home, "王大妈", id_number=cls.id_number.lower(), phone="+86 139 1234 5678"
        )

    def raw(self, column):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {column} FROM territory_resident WHERE id = %s", [self.person.pk]
            )
            return cursor.fetchone()[0]

    def test_it_stores_no_plaintext(self):
        for column in ("id_number", "phone", "id_number_index", "phone_index"):
            value = self.raw(column)
            self.assertNotIn("13912345678", value)
            self.assertNotIn("19580302", value)
        self.assertTrue(self.raw("id_number").startswith(crypto.current_kid() + "$"))

    def test_it_prints_masked_and_reveals_on_request(self):
        person = Resident.objects.get(pk=self.person.pk)
        self.assertEqual(str(person.id_number), "341***********123X")
        self.assertEqual(str(person.phone), "139****5678")
        self.assertEqual(person.id_number.reveal(), self.id_number)
        self.assertEqual(person.phone.reveal(), "13912345678")
        self.assertNotIn("1958", repr(person.id_number))

    def test_it_finds_by_blind_index(self):
        self.assertEqual(Resident.objects.with_id_number(self.id_number.lower()).get(), self.person)
        self.assertEqual(Resident.objects.with_phone("139 1234 5678").get(), self.person)
        self.assertEqual(Resident.objects.search_last4("5678").get(), self.person)
        self.assertEqual(Resident.objects.search_last4("123x").get(), self.person)
        self.assertFalse(Resident.objects.with_phone("13900000000").exists())

    def test_it_keeps_indexes_in_step_on_change(self):
        person = Resident.objects.get(pk=self.person.pk)
        person.phone = "13800001111"
        person.save()
        self.assertEqual(Resident.objects.with_phone("13800001111").get(), self.person)
        self.assertFalse(Resident.objects.with_phone("13912345678").exists())

    def test_it_fails_loudly_on_a_tampered_cell(self):
        token = self.raw("phone")
        kid, _, body = token.partition("$")
        forged = kid + "$" + body[:-4] + ("AAAA" if body[-4:] != "AAAA" else "BBBB")
        with self.assertRaises(crypto.DecryptionError):
            Protected("phone", forged).reveal()
        # A token cannot be moved to a column of another kind.
        with self.assertRaises(crypto.DecryptionError):
            Protected("id_number", token).reveal()

    def test_it_rotates_keys(self):
        old_spec = settings.LOUDONG_DATA_KEY
        with override_settings(LOUDONG_DATA_KEY=f"{NEW_KEY},{old_spec}"):
            out = StringIO()
            call_command("rotate_data_key", stdout=out)
            self.assertIn("重新加密 1 行", out.getvalue())
            self.assertTrue(self.raw("id_number").startswith("k2$"))
            person = Resident.objects.get(pk=self.person.pk)
            self.assertEqual(person.id_number.reveal(), self.id_number)
            # Idempotent: nothing left under the old key.
            out = StringIO()
            call_command("rotate_data_key", stdout=out)
            self.assertIn("共重新加密 0 行", out.getvalue())
        self.assertEqual(Resident.objects.with_id_number(self.id_number).get(), self.person)


class BlindIndexCollationTestCase(BaseTestCase):
    """PostgreSQL keeps every blind index, and the resident's name, in the "C" collation
    (byte order, lib.collation: index builds twice as fast as under the locale); the
    migrations' function puts a column there."""

    def collations(self, columns=None):
        """(table, column) → collation, of the given columns or every blind index's."""
        from django.apps import apps

        from loudong.lib.protected import BlindIndexField

        columns = columns or {
            (model._meta.db_table, field.column)
            for model in apps.get_models()
            for field in model._meta.concrete_fields
            if isinstance(field, BlindIndexField)
        }
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT table_name, column_name, coalesce(collation_name, 'default') "
                "FROM information_schema.columns WHERE table_schema = current_schema()"
            )
            return {(t, c): name for t, c, name in cursor.fetchall() if (t, c) in columns}

    def test_every_blind_index_column_is_in_c(self):
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL only: SQLite compares bytes (BINARY) already")
        collations = self.collations()
        self.assertEqual(len(collations), 10)  # Resident 4, Person 4, OutsiderRecord 2
        self.assertEqual(set(collations.values()), {"C"})

    def test_the_residents_name_is_in_c_too(self):
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL only")
        name = ("territory_resident", "name")
        self.assertEqual(self.collations({name}), {name: "C"})

    def test_the_migration_function_collates_and_the_lookups_still_work(self):
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL only")
        from django.apps import apps

        from loudong.lib.protected import blind_indexes_in_byte_order

        resident = make_resident(make_household(self.compound_a))
        number = resident.id_number.reveal()
        with connection.cursor() as cursor:  # the new rows' key checks, before the DDL
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        operation = blind_indexes_in_byte_order("territory")
        with connection.schema_editor(atomic=False) as editor:
            operation.reverse_code(apps, editor)
        back = {k: v for k, v in self.collations().items() if k[0] == "territory_resident"}
        self.assertEqual(set(back.values()), {"default"})
        with connection.schema_editor(atomic=False) as editor:
            operation.code(apps, editor)
        self.assertEqual(set(self.collations().values()), {"C"})
        self.assertEqual(list(Resident.objects.with_id_number(number)), [resident])
