"""Re-import by the hash of the cells as read (Resident.source_hash): unchanged rows skip the
per-row checks and write nothing; changed rows are checked in full; the checks across rows
(duplicates, moves, people current where the uploader may not look) hold for every row."""

import datetime as dt
import io
import re
from pathlib import Path
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from loudong.lib import sheets
from loudong.lib.idnumber import make_id_number
from loudong.lib.tests.test_sheets import _rewritten
from loudong.territory import importer
from loudong.territory.actions import update_resident
from loudong.territory.models import Household, ImportJob, Resident
from loudong.territory.tests.sheets import person, xlsx_bytes
from loudong.territory.tests.test_import_bulk import ImportTestCase
from loudong.test import BaseTestCase

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def number(n):
    return make_id_number("341702", dt.date(1960 + n, 1 + n % 12, 1 + n), n)


def _declaring(content: bytes, ref: bytes) -> bytes:
    """The workbook with its sheet's ``<dimension ref=…>`` set to ``ref``."""
    return _rewritten(
        content,
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + ref + b'"', xml),
    )


def rows(changes=None):
    """Ten households of two residents and a vacant home; ``changes``: row index → fields."""
    out = []
    for n in range(20):
        holder = f"户主{n // 2}"
        fields = {
            "room": f"{1 + n // 2}01",
            "householder": holder,
            "relation": "本人" if n % 2 == 0 else "子",
            "id_number": number(n),
            "phone": f"139{n:08d}",
            "born": f"{1960 + n}-{1 + n % 12:02d}-{1 + n:02d}",
            **((changes or {}).get(n, {})),
        }
        out.append(person(holder if n % 2 == 0 else f"家人{n}", **fields))
    out.append(["秀山门社区", "翠微小区", "1号楼", "1单元", "9901", *[""] * 7, "空置", "", ""])
    return out


WRITES = ("INSERT INTO", "UPDATE ", "DELETE FROM")
known_load = importer._Known.load


class UnchangedTestCase(ImportTestCase):
    def run_import(self, sheet_rows, *flags):
        return super().run_import(xlsx_bytes(sheet_rows), *flags)

    def snapshot(self):
        return {
            r.name: (
                r.household_id,
                r.row_hash,
                r.source_hash,
                r.id_number.token,
                r.phone.token,
                r.notes,
                r.is_householder,
            )
            for r in Resident.objects.all()
        }

    def territory_writes(self, queries):
        return [
            q["sql"]
            for q in queries
            if q["sql"].lstrip().upper().startswith(WRITES) and "territory_" in q["sql"]
        ]

    def test_it_stores_a_keyed_hash_of_the_cells(self):
        self.assertEqual(self.run_import(rows())[0], 0)
        hashes = set(Resident.objects.values_list("source_hash", flat=True))
        self.assertEqual(len(hashes), 20)
        self.assertTrue(all(len(h) == 32 for h in hashes))
        self.assertFalse(hashes & set(Resident.objects.values_list("row_hash", flat=True)))

    def test_an_unchanged_re_import_skips_the_checks_and_writes_nothing(self):
        self.assertEqual(self.run_import(rows())[0], 0)
        before = self.snapshot()
        households = list(Household.objects.order_by("pk").values())
        with (
            mock.patch.object(importer, "id_check_char", wraps=importer.id_check_char) as check,
            CaptureQueriesContext(connection) as queries,
        ):
            code, output = self.run_import(rows(), "-v", "2")
        self.assertEqual(code, 0, output)
        self.assertIn("新增 0 人，更新 0 人，未变 20 人", output)
        self.assertEqual(check.call_count, 0)  # no row was checked again
        self.assertEqual(self.territory_writes(queries.captured_queries), [])
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(list(Household.objects.order_by("pk").values()), households)
        self.assertIn("用时：写入：比对结果", output)
        self.assertNotIn("用时：写入 ", output)  # no write phase, no transaction

    def test_a_big_sheet_read_in_parts_skips_its_unchanged_rows(self):
        """lib/sheets.py parses a big sheet in two parts at once: the same rows, the same skips."""
        self.assertEqual(self.run_import(rows())[0], 0)
        before = self.snapshot()
        with (
            mock.patch.multiple(
                sheets, SPLIT_BYTES=1000, _HEAD=800, _CHUNK=97, _spare_core=lambda: True
            ),
            mock.patch.object(sheets, "_joined", wraps=sheets._joined) as joined,
            mock.patch.object(importer._Known, "load", wraps=importer._Known.load) as load,
            mock.patch.object(importer, "id_check_char", wraps=importer.id_check_char) as check,
        ):
            code, output = self.run_import(rows(), "-v", "2")
        self.assertEqual(code, 0, output)
        joined.assert_called_once()
        self.assertEqual(load.call_args.args, (22,))  # the sheet's height, header included
        self.assertIn("新增 0 人，更新 0 人，未变 20 人", output)
        self.assertEqual(check.call_count, 0)
        self.assertEqual(self.snapshot(), before)

    def test_an_early_read_has_the_hashes_read_beside_its_parse(self):
        """``loudong import_registry FILE`` begins reading FILE before Django starts
        (``sheets.read_early``): the hashes are read before the read is waited for, for the
        rows the sheet declares; the same rows skip, nothing is written."""
        self.assertEqual(self.run_import(rows())[0], 0)
        before = self.snapshot()
        path = Path(self.tmp.name) / "登记表.xlsx"
        path.write_bytes(xlsx_bytes(rows()))
        order = []
        with (
            mock.patch.object(importer._Known, "load", side_effect=lambda h, **kw: order.append(
                (h, *kw.values())) or known_load(h, **kw)),
            mock.patch.object(importer, "read_book", side_effect=lambda *a, **k: order.append(
                "read") or sheets.read_book(*a, **k)),
            mock.patch.object(importer, "id_check_char", wraps=importer.id_check_char) as check,
            CaptureQueriesContext(connection) as queries,
        ):  # fmt: skip
            sheets.read_early(str(path))
            out = io.StringIO()
            call_command("import_registry", str(path), stdout=out)
            self.assertIsNone(sheets._early)
            self.assertIn("新增 0 人，更新 0 人，未变 20 人", out.getvalue())
            # A1:P22 declared: the hashes without their dict (made after the parse's peak),
            # then the read waited for.
            self.assertEqual(order, [(22, False), "read"])
            # A sheet that declares too few rows (2: no current residents' hashes for 20)
            # has them read after its parse, for the rows it has.
            order.clear()
            path.write_bytes(_declaring(xlsx_bytes(rows()), b"A1:P2"))
            sheets.read_early(str(path))
            call_command("import_registry", str(path), stdout=out)
            self.assertEqual(order, [(2, False), "read", (22,)])
        self.assertEqual(out.getvalue().count("新增 0 人，更新 0 人，未变 20 人"), 2)
        self.assertEqual(check.call_count, 0)
        self.assertEqual(self.territory_writes(queries.captured_queries), [])
        self.assertEqual(self.snapshot(), before)

    def test_a_changed_row_is_checked_in_full_and_refused(self):
        self.run_import(rows())
        before = self.snapshot()
        code, output = self.run_import(rows({5: {"sex": "女"}, 8: {"phone": "1390000"}}))
        self.assertEqual(code, 1)
        # Row 5 (Excel 7) is a man's ID: 性别 is checked against it; row 8 (Excel 10) a bad phone.
        self.assertIn("第7行 性别：性别“女”与身份证号不符", output)
        self.assertIn("第10行 联系电话：", output)
        self.assertEqual(sorted(set(importer_lines(output))), [7, 10])
        self.assertEqual(self.snapshot(), before)

    def test_a_changed_row_is_updated_and_the_rest_stay(self):
        self.run_import(rows())
        before = self.snapshot()
        code, output = self.run_import(rows({5: {"phone": "0566-1234567", "notes": "独居"}}))
        self.assertEqual(code, 0, output)
        self.assertIn("更新 1 人，未变 19 人", output)
        after = self.snapshot()
        self.assertEqual([name for name in after if after[name] != before[name]], ["家人5"])
        resident = Resident.objects.with_phone("0566-1234567").get()
        self.assertEqual((resident.name, resident.notes), ("家人5", "独居"))
        self.assertNotEqual(after["家人5"][2], before["家人5"][2])  # its new cells' hash
        self.assertEqual(
            self.run_import(rows({5: {"phone": "0566-1234567", "notes": "独居"}}))[0], 0
        )
        self.assertEqual(self.snapshot(), after)

    def test_a_bad_id_in_a_changed_row_is_refused_with_its_row(self):
        self.run_import(rows())
        wrong = number(3)[:17] + ("0" if number(3)[17] != "0" else "1")
        code, output = self.run_import(rows({3: {"id_number": wrong}}))
        self.assertEqual(code, 1)
        self.assertIn("第5行 身份证号：", output)
        self.assertIn("校验", output)
        self.assertEqual(sorted(set(importer_lines(output))), [5])

    def test_an_unchanged_person_moved_to_another_household_is_refused(self):
        self.run_import(rows())
        before = self.snapshot()
        code, output = self.run_import(rows({4: {"room": "808"}}))
        self.assertEqual(code, 1)
        self.assertIn("第6行 身份证号：该居民已在其他住址登记（秀山门社区", output)
        self.assertEqual(sorted(set(importer_lines(output))), [6])
        self.assertEqual(self.snapshot(), before)
        self.assertFalse(Household.objects.filter(room="808").exists())

    def test_a_move_after_moving_out_is_imported(self):
        self.run_import(rows())
        resident = Resident.objects.get(name="户主2")
        resident.moved_out = True
        resident.moved_out_on = dt.date(2026, 11, 1)
        resident.save()
        code, output = self.run_import(rows({4: {"room": "808"}}))
        self.assertEqual(code, 0, output)
        self.assertIn("新增 1 人，更新 0 人，未变 19 人", output)
        moved = Resident.objects.get(name="户主2", moved_out=False)
        self.assertEqual(moved.household.room, "808")
        self.assertEqual(len(moved.source_hash), 32)

    def test_an_unchanged_row_twice_in_the_file_is_a_duplicate(self):
        self.run_import(rows())
        sheet = rows()
        sheet.append(list(sheet[6]))  # 户主3 again, the same cells
        changed = list(sheet[8])
        changed[11] = "13800000000"  # 户主4 again, a new phone
        sheet.append(changed)
        code, output = self.run_import(sheet)
        self.assertEqual(code, 1)
        self.assertIn("第23行 身份证号：身份证号在本文件中重复（首次出现于行号 8）", output)
        self.assertIn("第24行 身份证号：身份证号在本文件中重复（首次出现于行号 10）", output)
        self.assertEqual(sorted(set(importer_lines(output))), [23, 24])

    def test_an_edit_on_a_page_clears_the_hash_and_the_row_is_checked_again(self):
        self.run_import(rows())
        resident = Resident.objects.get(name="家人3")
        update_resident(resident=resident, acting_user=self.shequ_a, notes="行动不便")
        resident.refresh_from_db()
        self.assertEqual((resident.row_hash, resident.source_hash), ("", ""))
        code, output = self.run_import(rows())
        self.assertEqual(code, 0, output)
        self.assertIn("更新 1 人，未变 19 人", output)  # the file wins
        resident.refresh_from_db()
        self.assertEqual(resident.notes, "")
        self.assertEqual(len(resident.source_hash), 32)

    def test_rows_imported_before_the_hash_get_it_and_are_then_skipped(self):
        self.run_import(rows())
        Resident.objects.update(source_hash="")  # as imported before migration 0008
        code, output = self.run_import(rows())
        self.assertEqual(code, 0, output)
        self.assertIn("更新 0 人，未变 20 人", output)
        self.assertFalse(Resident.objects.filter(source_hash="").exists())
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.run_import(rows())[0], 0)
        self.assertEqual(self.territory_writes(queries.captured_queries), [])

    def test_a_dry_run_of_an_unchanged_file_is_ok(self):
        self.run_import(rows())
        code, output = self.run_import(rows(), "--dry-run")
        self.assertEqual(code, 0, output)
        self.assertIn("未变 20 人", output)

    def test_through_the_helper_process_and_small_chunks(self):
        for name, value in (("HELPER_ROWS", 0), ("REBUILD_ROWS", 0)):
            patcher = mock.patch.object(importer, name, value)
            patcher.start()
            self.addCleanup(patcher.stop)
        chunk = mock.patch.object(importer._Rows, "CHUNK", 3)
        chunk.start()
        self.addCleanup(chunk.stop)
        self.assertEqual(self.run_import(rows())[0], 0)
        before = self.snapshot()
        code, output = self.run_import(rows({7: {"notes": "新备注"}, 12: {"room": "909"}}))
        self.assertEqual(code, 1)
        self.assertEqual(sorted(set(importer_lines(output))), [14])  # the move
        code, output = self.run_import(rows({7: {"notes": "新备注"}}))
        self.assertEqual(code, 0, output)
        self.assertIn("更新 1 人，未变 19 人", output)
        after = self.snapshot()
        self.assertEqual([name for name in after if after[name] != before[name]], ["家人7"])
        self.assertEqual(Resident.objects.get(name="户主6").id_number.reveal(), number(12))
        self.assertTrue(Resident.objects.get(name="户主6").is_householder)


@override_settings(TASKS=IMMEDIATE)
class UnchangedUploadTestCase(BaseTestCase):
    def upload(self, sheet_rows):
        self.client.post(
            "/territory/import/",
            {"file": SimpleUploadedFile("登记表.xlsx", xlsx_bytes(sheet_rows))},
        )
        return ImportJob.objects.order_by("-pk").first()

    def test_an_unchanged_upload_writes_nothing(self):
        self.login(self.shequ_a)
        self.assertEqual(self.upload(rows()).status, ImportJob.Status.DONE)
        before = list(Resident.objects.order_by("pk").values())
        with CaptureQueriesContext(connection) as queries:
            job = self.upload(rows())
        self.assertEqual(job.status, ImportJob.Status.DONE, job.report)
        self.assertEqual(job.report["counts"]["unchanged"], 20)
        self.assertEqual(list(Resident.objects.order_by("pk").values()), before)
        writes = [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].lstrip().upper().startswith(WRITES)
            and ("territory_resident" in q["sql"] or "territory_household" in q["sql"])
        ]
        self.assertEqual(writes, [])

    def test_an_unchanged_person_of_a_community_out_of_scope_is_refused_unnamed(self):
        self.login(self.jiedao)
        self.upload([person("张三", community="杏花村社区", id_number=number(30))])
        self.login(self.shequ_a)
        job = self.upload([person("张三", id_number=number(30))])
        self.assertEqual(job.status, ImportJob.Status.FAILED)
        errors = [tuple(e) for e in job.report["errors"]]
        self.assertEqual(errors, [(2, "身份证号", importer.NOT_HERE_REASON)])
        self.assertEqual(Resident.objects.get(name="张三").community.name, "杏花村社区")


def importer_lines(output):
    import re

    return [int(n) for n in re.findall(r"第(\d+)行", output)]
