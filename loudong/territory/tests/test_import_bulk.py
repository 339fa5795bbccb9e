"""Re-import by content hash, the paths of big files (helper process, indexes and keys
dropped and rebuilt, COPY on PostgreSQL) on small ones, and the fast crypto's equivalence."""

import datetime as dt
import io
import os
import random
import tempfile
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from itertools import pairwise
from pathlib import Path
from unittest import mock

from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import TransactionTestCase
from django.test.utils import CaptureQueriesContext

from loudong.lib import crypto
from loudong.lib.idnumber import check_digit, make_id_number
from loudong.territory import importer, sealing
from loudong.territory.actions import update_resident
from loudong.territory.models import Household, Region, Resident
from loudong.territory.tests.sheets import person, xlsx_bytes
from loudong.test import BaseTestCase, make_region

real_mkstemp = tempfile.mkstemp


def registry(notes=None, phone="13912345678"):
    """Twelve households of two residents and a vacant home; ``notes`` per row index."""
    rows = []
    for n in range(24):
        number = make_id_number("341702", dt.date(1960 + n, 1 + n % 12, 1 + n), n)
        holder = f"户主{n // 2}"
        rows.append(
            person(
                holder if n % 2 == 0 else f"家人{n}",
                room=f"{1 + n // 2}01",
                householder=holder,
                relation="本人" if n % 2 == 0 else "子",
                id_number=number,
                phone=phone if n == 0 else f"139{n:08d}",
                notes=(notes or {}).get(n, ""),
            )
        )
    rows.append(["秀山门社区", "翠微小区", "1号楼", "1单元", "9901", *[""] * 7, "空置", "", ""])
    return xlsx_bytes(rows)


class ImportTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def run_import(self, content, *flags):
        path = Path(self.tmp.name) / "登记表.xlsx"
        path.write_bytes(content)
        out = io.StringIO()
        try:
            call_command("import_registry", str(path), *flags, stdout=out)
        except CommandError as exc:
            out.write(str(exc))
            return exc.returncode, out.getvalue()
        return 0, out.getvalue()

    def snapshot(self):
        return {
            r.name: (r.row_hash, r.id_number.token, r.phone.token, r.notes)
            for r in Resident.objects.all()
        }


class RowHashTestCase(ImportTestCase):
    def test_it_stores_a_keyed_hash_per_resident(self):
        self.assertEqual(self.run_import(registry())[0], 0)
        hashes = [r.row_hash for r in Resident.objects.all()]
        self.assertEqual(len(hashes), 24)
        self.assertTrue(all(len(h) == 32 for h in hashes))
        self.assertEqual(len(set(hashes)), 24)
        # Keyed: the plain hash of the row's content is not it.
        import hashlib

        resident = Resident.objects.get(name="户主0")
        self.assertNotIn(
            hashlib.sha256(resident.id_number.reveal().encode()).hexdigest()[:32], hashes
        )

    def test_it_skips_unchanged_rows_and_rewrites_a_changed_one(self):
        self.run_import(registry())
        before = self.snapshot()
        code, output = self.run_import(registry(notes={5: "独居老人"}))
        self.assertEqual(code, 0, output)
        self.assertIn("更新 1 人，未变 23 人", output)
        after = self.snapshot()
        changed = [name for name in after if after[name] != before[name]]
        self.assertEqual(changed, ["家人5"])
        self.assertEqual(after["家人5"][3], "独居老人")
        self.assertNotEqual(after["家人5"][0], before["家人5"][0])
        self.assertEqual(after["家人5"][1], before["家人5"][1])  # the ID token stays

        code, output = self.run_import(registry(notes={5: "独居老人"}))
        self.assertIn("更新 0 人，未变 24 人", output)
        self.assertEqual(self.snapshot(), after)

    def test_a_changed_phone_is_rewritten_with_its_indexes(self):
        self.run_import(registry())
        code, output = self.run_import(registry(phone="0566-1234567"))
        self.assertEqual(code, 0, output)
        self.assertIn("更新 1 人", output)
        resident = Resident.objects.with_phone("0566-1234567").get()
        self.assertEqual(resident.name, "户主0")
        self.assertEqual(Resident.objects.search_last4("4567").get(), resident)
        self.assertFalse(Resident.objects.with_phone("13912345678").exists())

    def test_an_edit_on_a_page_is_compared_field_by_field(self):
        self.run_import(registry())
        resident = Resident.objects.get(name="家人3")
        update_resident(resident=resident, acting_user=self.shequ_a, notes="行动不便")
        resident.refresh_from_db()
        self.assertEqual(resident.row_hash, "")  # any save outside the importer clears it
        _, output = self.run_import(registry(notes={3: "行动不便"}))
        self.assertIn("更新 0 人，未变 24 人", output)  # same content: only the hash is stored
        self.assertEqual(len(Resident.objects.get(name="家人3").row_hash), 32)

        update_resident(resident=Resident.objects.get(name="家人3"), acting_user=self.shequ_a,
                        notes="已改")  # fmt: skip
        _, output = self.run_import(registry(notes={3: "行动不便"}))
        self.assertIn("更新 1 人，未变 23 人", output)  # the file wins, as before
        self.assertEqual(Resident.objects.get(name="家人3").notes, "行动不便")

    def test_rows_without_a_hash_from_before_are_compared_too(self):
        self.run_import(registry())
        Resident.objects.update(row_hash="")  # as imported before migration 0003
        _, output = self.run_import(registry())
        self.assertIn("未变 24 人", output)
        self.assertFalse(Resident.objects.filter(row_hash="").exists())

    def test_a_move_is_still_refused(self):
        self.run_import(registry())
        moved = person(
            "户主0",
            room="777",
            id_number=make_id_number("341702", dt.date(1960, 1, 1), 0),
        )
        code, output = self.run_import(xlsx_bytes([moved]))
        self.assertEqual(code, 1)
        self.assertIn("第2行 身份证号：该居民已在其他住址登记", output)


class BigFilePathsTestCase(ImportTestCase):
    """What a 500k-row file does, forced on a small one: the helper process, and indexes
    (and PostgreSQL's foreign keys) dropped before the load and rebuilt after it."""

    def setUp(self):
        super().setUp()
        for name in ("HELPER_ROWS", "REBUILD_ROWS"):
            patcher = mock.patch.object(importer, name, 0)
            patcher.start()
            self.addCleanup(patcher.stop)
        self.patch_chunk = mock.patch.object(importer._Rows, "CHUNK", 5)
        self.patch_chunk.start()
        self.addCleanup(self.patch_chunk.stop)

    def indexes(self):
        with connection.cursor() as cursor:
            return {
                table: sorted(
                    name
                    for name, info in connection.introspection.get_constraints(
                        cursor, table
                    ).items()
                    if info["index"] or info["foreign_key"]
                )
                for table in ("territory_resident", "territory_household")
            }

    def test_it_imports_through_the_helper_and_rebuilt_indexes(self):
        indexes = self.indexes()
        code, output = self.run_import(registry())
        self.assertEqual(code, 0, output)
        self.assertIn("新增 24 人", output)
        self.assertEqual(self.indexes(), indexes)
        resident = Resident.objects.get(name="户主3")
        number = make_id_number("341702", dt.date(1966, 7, 7), 6)
        self.assertEqual(resident.id_number.reveal(), number)
        self.assertEqual(Resident.objects.with_id_number(number).get(), resident)
        self.assertEqual(Resident.objects.with_phone("13900000006").get(), resident)
        self.assertEqual(Resident.objects.search_last4(number[-4:]).get(), resident)
        self.assertEqual(resident.household.room, "401")
        self.assertTrue(resident.is_householder)
        self.assertFalse(Household.objects.get(room="9901").occupied)
        code, output = self.run_import(registry())
        self.assertIn("未变 24 人", output)

    def test_the_helpers_tokens_come_through_a_file_removed_after(self):
        made = []

        def mkstemp(**kwargs):
            made.append(real_mkstemp(**kwargs))
            return made[-1]

        with (
            mock.patch.object(importer.tempfile, "mkstemp", side_effect=mkstemp),
            mock.patch.object(importer.os, "pread", wraps=os.pread) as pread,
            mock.patch.object(Future, "cancel", return_value=False),  # the helper does all
        ):
            code, output = self.run_import(varied_registry())
        self.assertEqual(code, 0, output)
        tokens = [path for _, path in made if path.endswith(".tokens")]
        self.assertEqual(len(tokens), 1)
        self.assertFalse(os.path.exists(tokens[0]))
        self.assertGreater(pread.call_count, 0)  # chunks the helper sealed, read back
        residents, _ = stored_registry()
        self.assertEqual(len(residents), 30)
        number = make_id_number("341702", dt.date(1945, 6, 6), 5)
        self.assertEqual(residents["家人5"][5], number)
        self.assertEqual(Resident.objects.with_id_number(number).get().name, "家人5")

    def test_a_dry_run_rolls_the_dropped_indexes_back(self):
        indexes = self.indexes()
        code, output = self.run_import(registry(), "--dry-run")
        self.assertEqual(code, 0, output)
        self.assertIn("将新建户 13 个", output)
        self.assertEqual(Resident.objects.count(), 0)
        self.assertEqual(self.indexes(), indexes)

    def test_the_helper_reports_bad_rows_like_the_main_process(self):
        content = registry(notes={2: "x" * 201})
        code, output = self.run_import(content)
        self.assertEqual(code, 1)
        self.assertIn("第4行 备注：内容过长", output)
        self.assertEqual(Resident.objects.count(), 0)


def varied_registry(errors=False):
    """Every field filled in some rows: births given and not, sexes, party members, notes,
    phones and none, a vacant home; with ``errors``, bad rows and a duplicate ID too."""
    rows = []
    statuses = ["群众", "中共党员", "共青团员", "", "中共预备党员"]
    for n in range(30):
        born = dt.date(1940 + n, 1 + n % 12, 1 + n % 28)
        number = make_id_number("341702", born, n)
        holder = f"户主{n // 3}"
        rows.append(
            person(
                holder if n % 3 == 0 else f"家人{n}",
                building=f"{1 + n // 12}号楼",
                room=f"{1 + n // 6}0{1 + n // 3 % 2}",
                householder=holder,
                relation="本人" if n % 3 == 0 else "子",
                id_number=number,
                sex=("男" if int(number[16]) % 2 else "女") if n % 2 else "",
                born=born.isoformat() if n % 4 == 0 else "",
                phone=f"139{n:08d}" if n % 5 else "",
                political=statuses[n % 5],
                residence="出租" if n % 7 == 0 else "常住",
                notes=f"备注{n}" if n % 6 == 0 else "",
            )
        )
    rows.append(["秀山门社区", "翠微小区", "9号楼", "1单元", "101", *[""] * 7, "空置", "", ""])
    if errors:
        rows[5][8] = rows[1][8]  # a duplicate of line 3's ID
        rows[5][9] = rows[1][9]
        rows[7][10] = "1999-02-31"  # no such date
        rows[11][12] = "居住"  # no such residence
        rows[20][6] = ""  # no name
    return xlsx_bytes(rows)


def stored_registry():
    """What an import wrote, field by field (tokens opened: their nonces differ)."""
    residents = {
        r.name: (
            r.household.unit.building.number,
            r.household.unit.number,
            r.household.room,
            r.relation,
            r.is_householder,
            r.id_number.reveal(),
            r.id_number_index,
            r.id_number_last4,
            r.phone.reveal(),
            r.phone_index,
            r.phone_last4,
            r.sex,
            r.birth_date,
            r.political_status.reveal(),
            r.is_party_member,
            r.notes,
            r.moved_out,
            r.row_hash,
            r.source_hash,
        )
        for r in Resident.objects.select_related("household__unit__building")
    }
    households = sorted(
        Household.objects.values_list("unit__number", "room", "floor", "residence", "occupied")
    )
    return residents, households


class BigAndSmallPathsTestCase(ImportTestCase):
    """The paths of a big file (helper process sealing ahead, chunks, indexes and keys
    dropped and rebuilt, binary COPY on PostgreSQL) write and report exactly what the small
    file's in-line path does."""

    def big_path(self):
        patches = [mock.patch.object(importer, name, 0) for name in ("HELPER_ROWS", "REBUILD_ROWS")]
        return [*patches, mock.patch.object(importer._Rows, "CHUNK", 4)]

    def big_import(self, content, *patches):
        """The big path's exit code and the queries it ran."""
        with ExitStack() as stack:
            for patcher in (*self.big_path(), *patches):
                stack.enter_context(patcher)
            queries = stack.enter_context(CaptureQueriesContext(connection))
            code, _ = self.run_import(content)
        return code, queries

    def run_both(self, content, *flags):
        outcomes = []
        for big in (True, False):
            with transaction.atomic():
                patches = self.big_path() if big else []
                for patcher in patches:
                    patcher.start()
                try:
                    code, output = self.run_import(content, *flags)
                finally:
                    for patcher in patches:
                        patcher.stop()
                outcomes.append((code, output, stored_registry()))
                transaction.set_rollback(True)
        return outcomes

    def test_it_writes_the_same_residents_and_households(self):
        (big_code, big_output, big), (code, output, small) = self.run_both(varied_registry())
        self.assertEqual((big_code, code), (0, 0), output)
        self.assertEqual(len(small[0]), 30)
        self.assertEqual(big, small)
        self.assertEqual(big_output.splitlines()[1:-1], output.splitlines()[1:-1])
        self.assertEqual(small[0]["家人1"][12], dt.date(1941, 2, 2))

    def test_it_inserts_in_statements_of_many_rows_in_file_order(self):
        # 30 residents and 11 homes in statements of 7 rows: full ones and a shorter last one.
        with mock.patch.object(importer._MultiRowInsert, "ROWS", 7):
            (big_code, output, big), (code, _, small) = self.run_both(varied_registry())
        self.assertEqual((big_code, code), (0, 0), output)
        self.assertEqual(big, small)
        self.assertEqual(len(big[0]), 30)
        self.assertEqual(len(big[1]), 11)
        code, _ = self.big_import(
            varied_registry(), mock.patch.object(importer._MultiRowInsert, "ROWS", 7)
        )
        self.assertEqual(code, 0)
        names = list(Resident.objects.order_by("pk").values_list("name", flat=True))
        self.assertEqual(names, [f"户主{n // 3}" if n % 3 == 0 else f"家人{n}" for n in range(30)])
        homes = Household.objects.order_by("pk").values_list("unit__building__number", "room")
        self.assertEqual(list(homes)[:5], [("1号楼", "101"), ("1号楼", "102"), ("1号楼", "201"),
                                           ("1号楼", "202"), ("2号楼", "301")])  # fmt: skip

    def test_sqlite_keeps_the_indexes_led_by_a_foreign_key_through_the_load(self):
        if connection.vendor != "sqlite":
            self.skipTest("SQLite: PostgreSQL drops them all (its COPY is slower with them)")

        def indexes():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' AND "
                    "tbl_name IN ('territory_resident', 'territory_household')"
                )
                return set(cursor.fetchall())

        before = indexes()
        code, queries = self.big_import(varied_registry())
        self.assertEqual(code, 0)
        dropped = {q["sql"].split('"')[1] for q in queries if q["sql"].startswith("DROP INDEX")}
        self.assertEqual(
            dropped,
            {
                "resident_unique_current_id_number",
                "territory_household_occupied_c0ab2841",
                *(
                    f"territory_resident_{column}"
                    for column in (
                        "name_52559343",
                        "id_number_index_ec2e6469",
                        "id_number_last4_04423ae2",
                        "phone_index_10597015",
                        "phone_last4_2a1947e0",
                    )
                ),
            },
        )
        self.assertEqual(indexes(), before)  # and every one is back
        self.assertEqual(Resident.objects.count(), 30)

    def test_sqlite_loads_emptied_tables_with_the_default_cache_and_restores_it(self):
        if connection.vendor != "sqlite":
            self.skipTest("SQLite's page cache")

        def cache():
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                return cursor.fetchone()[0]

        def sizes(queries):
            return [q["sql"] for q in queries if q["sql"].startswith("PRAGMA cache_size =")]

        before = cache()
        # Indexes kept (as into a table that has residents): the big cache throughout.
        with transaction.atomic():
            code, queries = self.big_import(
                varied_registry(), mock.patch.object(importer, "_drop_indexes", return_value=[])
            )
            self.assertEqual(code, 0)
            self.assertEqual(sizes(queries), ["PRAGMA cache_size = -262144",
                                              f"PRAGMA cache_size = {before}"])  # fmt: skip
            transaction.set_rollback(True)
        self.assertEqual(cache(), before)
        # Into emptied tables: SQLite's default once the indexes are dropped.
        code, queries = self.big_import(varied_registry())
        self.assertEqual(code, 0)
        self.assertEqual(sizes(queries), ["PRAGMA cache_size = -262144", "PRAGMA cache_size = -2000",
                                          f"PRAGMA cache_size = {before}"])  # fmt: skip
        sql = [q["sql"] for q in queries]
        last_drop = max(i for i, s in enumerate(sql) if s.startswith("DROP INDEX"))
        self.assertGreater(sql.index("PRAGMA cache_size = -2000"), last_drop)
        self.assertEqual(cache(), before)
        self.assertEqual(Resident.objects.count(), 30)

    def test_postgresql_fits_its_parallel_index_builds_to_the_cores_here(self):
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL's parallel index builds")
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('max_parallel_maintenance_workers')::int")
            (workers,) = cursor.fetchone()
        for cores in (1, 2, 16):
            with self.subTest(cores=cores), transaction.atomic():
                code, queries = self.big_import(
                    varied_registry(),
                    mock.patch.object(
                        importer.os, "sched_getaffinity", return_value=set(range(cores))
                    ),
                )
                self.assertEqual(code, 0)
                fitted = [
                    q["sql"] for q in queries if "'max_parallel_maintenance_workers'," in q["sql"]
                ]
                if workers > cores - 1:  # the test server is on this machine (socket, loopback)
                    self.assertEqual(len(fitted), 1)
                    self.assertIn(f"'{cores - 1}', true", fitted[0])
                else:
                    self.assertEqual(fitted, [])
                self.assertEqual(Resident.objects.count(), 30)
                transaction.set_rollback(True)

    def test_postgresql_takes_the_ids_drawn_even_when_not_consecutive(self):
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL's sequences (SQLite counts on from the largest id)")
        expected = None
        for step in (1, 2):  # 2: as if another session drew every other value meanwhile
            with self.subTest(step=step), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_get_serial_sequence('territory_household', 'id')")
                    (sequence,) = cursor.fetchone()
                    cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY {step}")
                code, queries = self.big_import(varied_registry())
                self.assertEqual(code, 0)
                ids = list(Household.objects.order_by("pk").values_list("pk", flat=True))
                self.assertEqual(len(ids), 11)
                self.assertEqual({b - a for a, b in pairwise(ids)}, {step})
                drawn = [
                    q["sql"] for q in queries if "nextval(" in q["sql"] and sequence in q["sql"]
                ]
                self.assertEqual(len(drawn), 1)  # one query, one row back, not a row an id
                self.assertIn("::regclass", drawn[0])
                stored = stored_registry()
                expected = expected or stored
                self.assertEqual(stored, expected)  # every resident in his home either way
                transaction.set_rollback(True)

    def test_it_reports_the_same_errors_and_writes_nothing(self):
        (big_code, big_output, big), (code, output, small) = self.run_both(
            varied_registry(errors=True)
        )
        self.assertEqual((big_code, code), (1, 1))
        self.assertEqual(big_output, output)
        for line in (
            "第7行 身份证号：身份证号在本文件中重复（首次出现于行号 3）",
            "第9行 出生日期：“1999-02-31”不是有效日期",
            "第13行 居住类型：“居住”不是有效的居住类型",
            "第22行 姓名：姓名为空",
        ):
            self.assertIn(line, output)
        self.assertEqual(big, ({}, []))
        self.assertEqual(small, ({}, []))


class KeysCheckedOnceTestCase(TransactionTestCase):
    """A big load outside any transaction (the command, the worker): on SQLite the foreign
    keys are off while rows go in and checked once before the commit; on PostgreSQL the
    resident table's keys are dropped and added back. Either way a broken reference rolls
    everything back, and SQLite's key checks are on again afterwards."""

    def setUp(self):
        district = make_region(Region.Level.DISTRICT, "贵池区", code="341702")
        sub = make_region(Region.Level.SUBDISTRICT, "池阳街道", district, "341702001")
        make_region(Region.Level.COMMUNITY, "秀山门社区", sub, "341702001001")
        patcher = mock.patch.object(importer, "REBUILD_ROWS", 0)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    run_import = ImportTestCase.run_import

    def assert_keys_on(self):
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA foreign_keys")
                self.assertEqual(cursor.fetchone()[0], 1)

    def test_it_loads_and_checks_the_keys_once(self):
        with mock.patch.object(
            connection, "check_constraints", wraps=connection.check_constraints
        ) as check:
            code, output = self.run_import(varied_registry())
        self.assertEqual(code, 0, output)
        self.assertEqual(Resident.objects.count(), 30)
        if connection.vendor == "sqlite":
            check.assert_called_once_with(table_names=list(importer._KeysCheckedOnce.TABLES))
        self.assert_keys_on()

    def test_a_broken_reference_writes_nothing(self):
        insert = importer._Writer.insert

        def without_households(writer, model, columns, rows, batch=5000, ahead=False):
            if model is Household:
                for _ in rows:  # the ids are handed out, the rows never written
                    pass
                return
            insert(writer, model, columns, rows, batch, ahead)

        with mock.patch.object(importer._Writer, "insert", without_households):
            code, output = self.run_import(varied_registry())
        self.assertEqual(code, 2, output)
        self.assertIn("未写入任何数据", output)
        self.assertEqual(Resident.objects.count(), 0)
        self.assertEqual(Household.objects.count(), 0)
        self.assertEqual(Region.objects.filter(level=Region.Level.COMPOUND).count(), 0)
        self.assert_keys_on()
        code, output = self.run_import(varied_registry())
        self.assertEqual(code, 0, output)
        self.assertEqual(Resident.objects.count(), 30)


class StagedRowsTestCase(TransactionTestCase):
    """SQLite, a big first import outside any transaction: the helper process stages the
    resident rows in a scratch database and the write copies them with INSERT … SELECT
    (importer._Stage). What it stores, and in which order, is exactly what the rows made in
    the importer's own process store; a chunk with a current resident in it goes that way
    beside the staged ones; and the scratch file is gone afterwards."""

    def setUp(self):
        if connection.vendor != "sqlite":
            self.skipTest("PostgreSQL takes the rows by COPY: nothing is staged")
        KeysCheckedOnceTestCase.setUp(self)

    run_import = ImportTestCase.run_import

    def stage_files(self):
        return sorted(
            Path(importer.os.environ.get("SQLITE_TMPDIR") or tempfile.gettempdir()).glob(
                "loudong-import-*.stage"
            )
        )

    def import_both(self, content, before=None, *, taken_back=False):
        """(stored registry, names in id order, copies queued) with and without staging;
        every chunk left to the helper, or with ``taken_back`` every chunk taken back and
        done (and staged) by the importer's own process."""
        outcomes = []
        for staging in (True, False):
            Resident.objects.all().delete()
            Household.objects.all().delete()
            patches = [
                mock.patch.object(importer, "HELPER_ROWS", 0),
                mock.patch.object(importer._Rows, "CHUNK", 4),
                mock.patch.object(importer._Stage, "copy", autospec=True,
                                  side_effect=importer._Stage.copy),
                mock.patch.object(ProcessPoolExecutor, "submit", lambda *_: Future())
                if taken_back
                else mock.patch.object(Future, "cancel", return_value=False),
            ]  # fmt: skip
            if not staging:
                patches.append(mock.patch.object(importer._Stage, "create", return_value=None))
            with ExitStack() as stack:
                copy = [stack.enter_context(patcher) for patcher in patches][2]
                if before is not None:
                    self.assertEqual(self.run_import(before)[0], 0)
                    copy.reset_mock()
                code, output = self.run_import(content)
            self.assertEqual(code, 0, output)
            names = list(Resident.objects.order_by("pk").values_list("name", flat=True))
            outcomes.append((stored_registry(), names, copy.call_args_list))
        self.assertEqual(self.stage_files(), [])
        return outcomes

    def test_staged_rows_store_what_the_importer_makes(self):
        (staged, staged_names, copies), (made, names, none) = self.import_both(varied_registry())
        self.assertEqual(len(made[0]), 30)
        self.assertEqual(staged, made)
        self.assertEqual(staged_names, names)
        # The 30 residents and the vacant home: rows 0–30 in one run of chunks.
        self.assertEqual([call.args[2:] for call in copies], [("ld_stage", 0, 30)])
        self.assertEqual(none, [])
        self.assertEqual(Resident.objects.filter(is_party_member=True).count(), 12)

    def test_a_chunk_with_current_residents_is_made_here(self):
        content = varied_registry()
        before = xlsx_bytes_rows(content, range(14, 18))  # chunk 3: rows 12–15
        (staged, staged_names, copies), (made, names, _) = self.import_both(content, before)
        self.assertEqual(staged, made)
        self.assertEqual(staged_names, names)
        self.assertEqual([call.args[3:] for call in copies], [(0, 11), (16, 30)])

    def test_a_dry_run_copies_nothing_and_leaves_no_file(self):
        patches = [
            mock.patch.object(importer, "HELPER_ROWS", 0),
            mock.patch.object(importer._Rows, "CHUNK", 4),
            mock.patch.object(Future, "cancel", return_value=False),
            mock.patch.object(
                importer._Stage, "copy", autospec=True, side_effect=importer._Stage.copy
            ),
        ]
        with ExitStack() as stack:
            copy = [stack.enter_context(patcher) for patcher in patches][-1]
            code, output = self.run_import(varied_registry(), "--dry-run")
        self.assertEqual(code, 0, output)
        self.assertEqual(copy.call_count, 1)  # copied, then rolled back with the rest
        self.assertEqual(Resident.objects.count(), 0)
        self.assertEqual(self.stage_files(), [])
        with connection.cursor() as cursor:  # detached again
            cursor.execute("PRAGMA database_list")
            self.assertNotIn("ld_stage", {row[1] for row in cursor.fetchall()})

    def test_without_room_for_the_stage_the_rows_are_made_here(self):
        missing = Path(self.tmp.name) / "gone"
        with (
            mock.patch.dict(importer.os.environ, {"SQLITE_TMPDIR": str(missing)}),
            mock.patch.object(importer, "HELPER_ROWS", 0),
            mock.patch.object(importer._Rows, "CHUNK", 4),
        ):
            self.assertIsNone(importer._Stage.create())
            code, output = self.run_import(varied_registry())
        self.assertEqual(code, 0, output)
        self.assertEqual(Resident.objects.count(), 30)

    def test_chunks_taken_back_are_staged_here(self):
        (staged, staged_names, copies), (made, names, _) = self.import_both(
            varied_registry(), taken_back=True
        )
        self.assertEqual(staged, made)
        self.assertEqual(staged_names, names)
        self.assertEqual([call.args[2:] for call in copies], [("ld_stage_here", 0, 30)])
        self.assertNotIn("stage", sealing._helper)  # closed with the run


def xlsx_bytes_rows(content: bytes, lines) -> bytes:
    """The workbook ``content`` with only the data rows at ``lines`` (Excel's numbers)."""
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    return xlsx_bytes([rows[line - 1] for line in lines])


class PatternIndexTestCase(BaseTestCase):
    """Migrations 0009 and 0011: a blind index is only looked up whole and the name search
    is a range on the plain index, so PostgreSQL keeps no varchar_pattern_ops ("_like")
    index on a resident to rebuild on a first import."""

    def test_no_resident_column_has_a_pattern_index(self):
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL only: SQLite has no pattern indexes")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT a.attname FROM pg_index x "
                "JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0] "
                "WHERE x.indrelid = 'territory_resident'::regclass "
                "AND pg_get_indexdef(x.indexrelid) LIKE '%%varchar_pattern_ops%%'"
            )
            self.assertEqual(cursor.fetchall(), [])
            cursor.execute(
                "SELECT count(*) FROM pg_index x JOIN pg_attribute a ON a.attrelid = x.indrelid "
                "AND a.attnum = x.indkey[0] WHERE x.indrelid = 'territory_resident'::regclass "
                "AND a.attname = 'name' AND x.indnatts = 1"
            )
            self.assertEqual(cursor.fetchone(), (1,))  # the plain index stays


class RedundantIndexTestCase(BaseTestCase):
    """Migration 0010: no single-column index on a household's community or unit (the
    (community, id) and unique (unit, room) indexes serve them) nor on a resident's party
    flag, so a first import rebuilds three indexes fewer; lookups still use an index."""

    def indexed_columns(self, table):
        """The column tuples of the table's indexes and unique constraints."""
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, table)
        return {
            tuple(info["columns"])
            for info in constraints.values()
            if (info["index"] or info["unique"]) and not info["primary_key"]
        }

    def test_it_keeps_one_index_for_each_lookup(self):
        households = self.indexed_columns("territory_household")
        self.assertNotIn(("community_id",), households)
        self.assertNotIn(("unit_id",), households)
        self.assertIn(("community_id", "id"), households)
        self.assertIn(("unit_id", "room"), households)
        self.assertIn(("building_id",), households)
        residents = self.indexed_columns("territory_resident")
        self.assertNotIn(("is_party_member",), residents)
        self.assertIn(("household_id",), residents)

    def test_a_units_homes_are_found_through_an_index(self):
        if connection.vendor != "sqlite":
            self.skipTest("SQLite's plan; PostgreSQL picks by statistics")
        sql, params = (
            Household.objects.filter(unit_id=1).order_by("floor", "room").query.sql_with_params()
        )
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " ".join(row[-1] for row in cursor.fetchall())
        self.assertIn("USING INDEX", plan)
        self.assertIn("(unit_id=?)", plan)


class FastCryptoTestCase(BaseTestCase):
    def test_hmac_is_crypto_keyed_hash(self):
        for purpose in ("id_number", "phone", "phone:last4"):
            fast = importer._hmac(purpose)
            for value in ("", "1234", "341702197007070011", "0566-1234567"):
                self.assertEqual(fast.hex(value), crypto.keyed_hash(value, purpose))

    def test_sealed_tokens_open_with_crypto_decrypt(self):
        sealer = importer._sealer()
        tokens = {sealer.seal(f"1391234{n:04d}", b"phone") for n in range(5000)}
        self.assertEqual(len(tokens), 5000)
        self.assertEqual(
            crypto.decrypt(sealer.seal("13912345678", b"phone"), "phone"), "13912345678"
        )
        token = sealer.seal("341702197007070011", b"id_number")
        self.assertEqual(crypto.token_kid(token), crypto.current_kid())
        with self.assertRaises(crypto.DecryptionError):
            crypto.decrypt(token, "phone")

    def test_the_base_13_checksum_is_gb_11643(self):
        rng = random.Random(3)
        for _ in range(20000):
            first17 = "".join(rng.choice("0123456789") for _ in range(17))
            self.assertEqual(importer.id_check_char(first17), check_digit(first17))

    def test_a_conflict_in_the_bulk_writer_is_djangos_integrity_error(self):
        from django.db import IntegrityError, transaction

        region = Region.objects.first()
        fields = Region._meta.concrete_fields
        row = [getattr(region, f.attname) for f in fields]  # its primary key is taken
        with self.assertRaises(IntegrityError), transaction.atomic():
            writer = importer._Writer()
            try:
                writer.insert(Region, [f.column for f in fields], [row])
                writer.run([])
            finally:
                writer.close()
        self.assertEqual(Region.objects.filter(pk=region.pk).count(), 1)

    def test_with_a_tokens_file_the_tokens_go_there(self):
        line = "王秀英\t本人\t1\t341702197007070011\tF\t1970-07-07\t13912345678\t群众\t"
        packed = f"{line}\n\n{line}".encode()
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "t.tokens")
            open(path, "wb").close()
            sealing.start(*importer._helper_keys(), "", path)
            try:
                first = sealing.seal_rows(packed, True)
                second = sealing.seal_rows(packed, True)
                unsealed = sealing.seal_rows(packed, False)
            finally:
                sealing._helper.pop("tokens").close()
            with open(path, "rb") as file:
                content = file.read()
        (a, n), (b, m) = first[2], second[2]
        self.assertEqual((a, b, a + n + m), (0, n, len(content)))
        self.assertEqual(unsealed[2], b"")
        lines = content[:n].decode().split("\n")
        self.assertEqual(len(lines), 3)
        self.assertEqual(lines[1], "")  # the vacant home between the two
        self.assertEqual(crypto.decrypt(lines[0].split("\t")[0], "id_number"), "341702197007070011")
        self.assertEqual(first[:2], second[:2])

    def test_the_helper_rows_match_the_fields(self):
        sealing.start(*importer._helper_keys())
        line = "王秀英\t本人\t1\t341702197007070011\tF\t1970-07-07\t13912345678\t群众\t"
        digests, hashes, tokens, staged = sealing.seal_rows(f"{line}\n".encode(), True)
        self.assertEqual(staged, 0)  # (no staging database in this process)
        self.assertEqual(digests[:16].hex(), crypto.keyed_hash("341702197007070011", "id_number"))
        self.assertEqual(digests[16:], sealing.NO_DIGEST)
        self.assertEqual(
            hashes[:16].hex(), importer._hmac("row:resident").hex(sealing.row_hash_message(line))
        )
        id_token, id_last4, phone_token, phone_index, phone_last4, political = (
            tokens.decode().split("\n")[0].split("\t")
        )
        self.assertEqual(crypto.decrypt(political, "text"), "群众")
        self.assertEqual(crypto.decrypt(id_token, "id_number"), "341702197007070011")
        self.assertEqual(id_last4, crypto.keyed_hash("0011", "id_number:last4"))
        self.assertEqual(crypto.decrypt(phone_token, "phone"), "13912345678")
        self.assertEqual(phone_index, crypto.keyed_hash("13912345678", "phone"))
        self.assertEqual(phone_last4, crypto.keyed_hash("5678", "phone:last4"))
