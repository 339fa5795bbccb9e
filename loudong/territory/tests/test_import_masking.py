"""Issue 9, items 5 and 10: no full ID or mobile in any import report, and no hint that a
number is registered in a community the uploader may not see."""

import datetime as dt
import io
import re
import tempfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from loudong.accounts.models import AuditEvent, RoleAssignment
from loudong.accounts.roles import Role
from loudong.lib.idnumber import CHECK_CHARS, WEIGHTS, make_id_number
from loudong.territory.importer import TEMPLATE_HEADERS, scrub
from loudong.territory.models import ImportJob, Resident
from loudong.territory.tests.sheets import person, xlsx_bytes
from loudong.test import BaseTestCase, make_household, make_resident

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Synonyms of the template's headers, as communities' own sheets have them.
SYNONYM_HEADERS = [
    {"身份证号": "公民身份号码", "联系电话": "手机号码", "姓名": "居民姓名"}.get(h, h)
    for h in TEMPLATE_HEADERS
]
_ID_RUN = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE_RUN = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")


def leaks(text: str) -> list[str]:
    """Every valid 18-character ID (GB 11643 checksum) and every 11-digit mobile in text."""
    found = []
    for number in _ID_RUN.findall(text):
        total = sum(int(c) * w for c, w in zip(number[:17], WEIGHTS, strict=True))
        if CHECK_CHARS[total % 11] == number[17].upper():
            found.append(number)
    return found + _MOBILE_RUN.findall(text)


def xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    return repr(
        [list(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
    )


def failing_rows():
    """Bad rows that still hold valid IDs and mobiles, bad for every kind of reason; the
    first row is good (the one the duplicate repeats)."""
    born = dt.date(1970, 7, 7)
    ids = [make_id_number("341702", born, n) for n in range(11, 18)]
    return [
        person("甲", id_number=ids[0], phone="13955551111"),
        person("乙", room="102", id_number=ids[1], phone="13955556666", born="去年"),  # a date
        person("丙", room="103", id_number=ids[2], phone="13955557777", sex="女"),  # sex vs ID
        person("丁", room="104", id_number=ids[0], phone="13955558888"),  # duplicate
        person("戊", room="105", id_number=ids[3], phone="1395555"),  # a phone
        person("己", room="106", id_number=ids[4], residence="寄住", notes=f"紧急联系人 {ids[5]}"),
        person("庚", room="107", id_number=ids[6], phone="139 5555 9999", political="x" * 30),
        [*person("辛", room="108", id_number="3417021970070712"), "13955550000"],  # short ID
    ]


class ImportMaskingTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def stored_text(self) -> str:
        """Every import job, audit row and resident row as the database holds them."""
        with connection.cursor() as cursor:
            dump = ""
            for table in ("territory_importjob", "accounts_auditevent", "territory_resident"):
                cursor.execute(f"SELECT * FROM {table}")
                dump += repr(cursor.fetchall())
        return dump

    def test_scrub_masks_ids_and_mobiles_however_written(self):
        number = make_id_number("341702", dt.date(1980, 1, 2), 5)
        for text in (
            number,
            f"身份证{number}号",
            " ".join([number[:6], number[6:14], number[14:]]),
            number.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
            "13912345678",
            "+86 139 1234 5678",
            "139-1234-5678",
        ):
            self.assertEqual(leaks(scrub(text)), [], text)
        self.assertEqual(scrub("3号楼2单元1201室"), "3号楼2单元1201室")

    def test_it_masks_a_failed_import_with_synonym_headers_on_the_command_line(self):
        path = Path(self.tmp.name) / "花名册.xlsx"
        path.write_bytes(xlsx_bytes(failing_rows(), header=[*SYNONYM_HEADERS, "联系人电话"]))
        out = io.StringIO()
        with self.assertRaises(CommandError) as caught:
            call_command("import_registry", str(path), stdout=out)
        self.assertEqual(caught.exception.returncode, 1)
        output = out.getvalue()
        self.assertEqual(
            sorted({int(n) for n in re.findall(r"第(\d+)行", output)}), [3, 4, 5, 6, 7, 8, 9]
        )
        self.assertEqual(leaks(output), [])
        errors = path.with_name("花名册.错误报告.xlsx")
        text = xlsx_text(errors.read_bytes())
        self.assertIn("139****6666", text)  # masked, but still there to find the row
        self.assertEqual(leaks(text), [])
        self.assertEqual(leaks(self.stored_text()), [])
        self.assertEqual(Resident.objects.count(), 0)

    @override_settings(TASKS=IMMEDIATE)
    def test_it_masks_a_failed_upload_with_synonym_headers(self):
        self.login(self.shequ_a)
        content = xlsx_bytes(failing_rows(), header=[*SYNONYM_HEADERS, "联系人电话"])
        for dry_run in (True, False):
            data = {"file": SimpleUploadedFile("花名册.xlsx", content)}
            if dry_run:
                data["dry_run"] = "on"
            self.client.post("/territory/import/", data)
        self.assertEqual(ImportJob.objects.count(), 2)
        for job in ImportJob.objects.all():
            self.assertEqual(job.status, ImportJob.Status.FAILED)
            self.assertEqual(len(job.report["bad_rows"]), 7)
            page = self.client.get(f"/territory/import/{job.pk}/").content.decode()
            self.assertEqual(leaks(page), [])
            errors = self.client.get(f"/territory/import/{job.pk}/errors.xlsx")
            self.assertEqual(leaks(xlsx_text(errors.content)), [])
        self.assertTrue(AuditEvent.objects.filter(action="registry.import_failed").exists())
        self.assertEqual(leaks(self.stored_text()), [])

    def test_error_reports_stored_before_the_fix_are_masked_on_download(self):
        from loudong.territory.importer import error_workbook

        number = make_id_number("341702", dt.date(1980, 1, 2), 5)
        content = error_workbook(
            ["公民身份号码", "手机号码"],
            {"3": [number, "13912345678"]},
            [[3, "联系电话", "联系电话“13912345678 ”不是有效的手机号"]],
        )
        self.assertEqual(leaks(xlsx_text(content)), [])


@override_settings(TASKS=IMMEDIATE)
class ImportOtherCommunityTestCase(BaseTestCase):
    """A person current in 社区 B, imported into 社区 A."""

    def setUp(self):
        super().setUp()
        self.existing = make_resident(make_household(self.compound_b, "301"), "老住户")
        self.number = self.existing.id_number.reveal()

    def upload(self, **options):
        rows = [person("老住户", id_number=self.number), person("新住户", room="102")]
        data = {"file": SimpleUploadedFile("登记表.xlsx", xlsx_bytes(rows))}
        data.update({k: "on" for k, v in options.items() if v})
        self.client.post("/territory/import/", data)
        return ImportJob.objects.latest("pk")

    def test_it_does_not_reveal_a_community_the_uploader_may_not_see(self):
        self.login(self.shequ_a)
        for dry_run in (True, False):
            job = self.upload(dry_run=dry_run)
            self.assertEqual(job.status, ImportJob.Status.FAILED)
            self.assertEqual(
                job.report["errors"],
                [[2, "身份证号", "该居民无法在此导入，请联系街道核实"]],
            )
            text = repr(job.report) + self.client.get(job.get_absolute_url()).content.decode()
            for hint in ("杏花村", "杏林苑", "其他社区", "其他住址", "已在", "登记"):
                self.assertNotIn(hint, text.replace("登记表", ""), hint)
        self.assertEqual(Resident.objects.count(), 1)
        event = AuditEvent.objects.filter(action="registry.import_dry_run").get()
        self.assertEqual(event.new["refused_registered_elsewhere"], 1)

    def test_it_names_the_community_when_the_uploader_may_see_it(self):
        RoleAssignment.objects.create(
            user=self.shequ_a, role=Role.COMMUNITY_WORKER, region=self.community_b
        )
        self.login(self.shequ_a)
        job = self.upload(dry_run=True)
        [(line, column, reason)] = job.report["errors"]
        self.assertEqual((line, column), (2, "身份证号"))
        self.assertIn("该居民已在其他住址登记（杏花村社区杏林苑", reason)
        self.assertIn("301室", reason)

    def test_the_subdistrict_admin_is_told_where(self):
        self.login(self.jiedao)
        job = self.upload(dry_run=True)
        self.assertIn("杏花村社区", job.report["errors"][0][2])
