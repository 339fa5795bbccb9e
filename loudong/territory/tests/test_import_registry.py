import datetime as dt
import io
import tempfile
import zipfile
from pathlib import Path

from django.core.management import CommandError, call_command
from django.db import connection

from loudong.accounts.models import AuditEvent
from loudong.lib.idnumber import make_id_number
from loudong.territory.importer import TEMPLATE_HEADERS
from loudong.territory.models import Building, Household, Region, Resident, Unit
from loudong.territory.tests.sheets import csv_bytes, person, xlsx_bytes
from loudong.test import BaseTestCase, make_household, make_resident


class ImportTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def run_import(self, content: bytes, *flags, name="登记表.xlsx"):
        path = Path(self.tmp.name) / name
        path.write_bytes(content)
        out = io.StringIO()
        try:
            call_command("import_registry", str(path), *flags, stdout=out)
            code = 0
        except CommandError as exc:
            code = exc.returncode
            out.write(str(exc))
        return code, out.getvalue()

    def counts(self):
        return (
            Region.objects.count(),
            Building.objects.count(),
            Unit.objects.count(),
            Household.objects.count(),
            Resident.objects.count(),
        )

    def bad_lines(self, output):
        import re

        return sorted({int(n) for n in re.findall(r"第(\d+)行", output)})


class ImportValidTestCase(ImportTestCase):
    def test_it_imports_the_template(self):
        husband_id = make_id_number("341702", dt.date(1958, 3, 2), 11)
        rows = [
            person(
                "王建国",
                id_number=husband_id,
                phone="+86 139 1234 5678",
                sex="男",
                born="1958.03.02",
            ),
            person(
                "李秀英",
                relation="配偶",
                householder="王建国",
                phone="0566-1234567",
                id_number=make_id_number("341721", dt.date(1960, 1, 9), 22),
            ),
            person("王小明", room="302", building="1号楼", unit="2单元", phone=""),
            [
                "秀山门社区",
                "翠微小区",
                "1号楼",
                "2单元",
                "401",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "空置",
                "",
                "",
            ],
        ]
        code, output = self.run_import(xlsx_bytes(rows))
        self.assertEqual(code, 0, output)
        self.assertEqual(self.bad_lines(output), [])
        self.assertEqual(Building.objects.filter(compound=self.compound_a).count(), 1)
        self.assertEqual(Unit.objects.filter(building__compound=self.compound_a).count(), 2)
        home = Household.objects.get(unit__number="1单元", room="101")
        self.assertEqual(home.floor, 1)
        self.assertTrue(home.occupied)
        self.assertFalse(Household.objects.get(room="401").occupied)
        husband = Resident.objects.with_id_number(husband_id).get()
        self.assertEqual(husband.household, home)
        self.assertTrue(husband.is_householder)
        self.assertEqual(husband.sex, "M")
        self.assertEqual(husband.birth_date, dt.date(1958, 3, 2))
        self.assertEqual(husband.phone.reveal(), "13912345678")
        wife = Resident.objects.get(name="李秀英")
        self.assertFalse(wife.is_householder)
        self.assertEqual(wife.phone.reveal(), "0566-1234567")
        self.assertEqual(wife.sex, "F")
        self.assertIn("新建楼栋 1 个", output)
        self.assertIn("新增 3 人", output)

    def test_it_keeps_no_plaintext_in_the_database(self):
        number = make_id_number("341702", dt.date(1970, 7, 7), 33)
        code, output = self.run_import(xlsx_bytes([person(id_number=number, phone="13955556666")]))
        self.assertEqual(code, 0, output)
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM territory_resident")
            dump = repr(cursor.fetchall())
            cursor.execute("SELECT * FROM accounts_auditevent")
            dump += repr(cursor.fetchall())
        self.assertNotIn(number, dump)
        self.assertNotIn("13955556666", dump)
        self.assertNotIn(number[-8:], dump)

    def test_it_changes_nothing_on_reimport(self):
        content = xlsx_bytes([person("甲"), person("乙", room="102"), person("丙", room="201")])
        self.assertEqual(self.run_import(content)[0], 0)
        before = self.counts()
        tokens = list(Resident.objects.values_list("id_number", flat=True))
        code, output = self.run_import(content)
        self.assertEqual(code, 0, output)
        self.assertEqual(self.counts(), before)
        self.assertEqual(list(Resident.objects.values_list("id_number", flat=True)), tokens)
        self.assertIn("未变 3 人", output)

    def test_it_updates_a_changed_resident(self):
        number = make_id_number("341702", dt.date(1970, 7, 7), 33)
        self.run_import(xlsx_bytes([person("甲", id_number=number, phone="13900000000")]))
        code, output = self.run_import(
            xlsx_bytes([person("甲", id_number=number, phone="13911111111", notes="独居")])
        )
        self.assertEqual(code, 0, output)
        resident = Resident.objects.get()
        self.assertEqual(resident.phone.reveal(), "13911111111")
        self.assertEqual(resident.notes, "独居")
        self.assertEqual(Resident.objects.with_phone("13911111111").count(), 1)
        self.assertIn("更新 1 人", output)

    def test_it_writes_nothing_on_a_dry_run(self):
        before = self.counts()
        code, output = self.run_import(xlsx_bytes([person()]), "--dry-run")
        self.assertEqual(code, 0, output)
        self.assertIn("将新建楼栋 1 个", output)
        self.assertEqual(self.counts(), before)
        self.assertTrue(AuditEvent.objects.filter(action="registry.import_dry_run").exists())

    def test_it_reads_messy_real_world_sheets(self):
        born = dt.date(1958, 3, 2)
        full_width_id = make_id_number("341702", born, 51).translate(
            str.maketrans("0123456789", "０１２３４５６７８９")
        )
        rows = [
            [
                "",
                *person(
                    "张 三",
                    building="3号楼",
                    room="１０１",
                    id_number=full_width_id,
                    born=21246.0,
                    phone="139 1234 5678",
                ),
                "多余",
            ],
            [
                "",
                "",
                "",
                "",
                "1单元",
                "102",
                "李四",
                "李四",
                "本人",
                make_id_number("341702", born, 61),
                "",
                "1958年3月2日",
                "",
                "常住",
                "",
                "",
                "",
            ],
            [
                "",
                *person(
                    "王五",
                    building="3#",
                    room="201",
                    id_number=make_id_number("341702", born, 71),
                    born="19580302",
                ),
                "",
            ],
            [
                "",
                *person(
                    "赵六",
                    building="３栋",
                    room="202",
                    relation="本人",
                    id_number=make_id_number("341702", born, 81),
                ),
                "",
            ],
        ]
        content = xlsx_bytes(
            rows,
            header=["序号", *TEMPLATE_HEADERS, "联系人"],
            title_rows=[["秀山门社区居民花名册"], ["填报日期：2026年6月"]],
            merges=["B4:B5", "C4:C5", "D4:D5"],
        )
        code, output = self.run_import(content)
        self.assertEqual(code, 0, output)
        self.assertIn("表头位于行号 3", output)
        self.assertIn("已忽略：序号、联系人", output)
        self.assertEqual(Building.objects.filter(compound=self.compound_a).count(), 1)
        self.assertEqual(Building.objects.get().number, "3号楼")
        self.assertEqual(Resident.objects.count(), 4)
        self.assertEqual(Resident.objects.get(name="张三").household.room, "101")
        self.assertEqual(Resident.objects.get(name="李四").household.building.number, "3号楼")
        for resident in Resident.objects.all():
            self.assertEqual(resident.birth_date, born, resident.name)

    def test_a_mobile_half_typed_in_full_width_is_stored_as_ascii(self):
        """139 then full-width digits: stored, and found by a search, as 13912345678."""
        code, output = self.run_import(xlsx_bytes([person(phone="139１２３４５６７８")]))
        self.assertEqual(code, 0, output)
        self.assertEqual(Resident.objects.get().phone.reveal(), "13912345678")
        self.assertEqual(Resident.objects.with_phone("13912345678").count(), 1)

    def test_it_reads_csv_in_utf8_with_bom_and_gbk(self):
        for index, encoding in enumerate(["utf-8-sig", "gbk"]):
            content = csv_bytes([person(f"居民{index}", room=f"{index + 1}01")], encoding=encoding)
            code, output = self.run_import(content, name=f"表{index}.csv")
            self.assertEqual(code, 0, output)
        self.assertEqual(Resident.objects.count(), 2)

    def test_it_reads_floors_and_positions_from_the_building_sheet(self):
        content = xlsx_bytes(
            [person(building="5栋")],
            extra_sheets=[
                (
                    "楼栋",
                    [
                        ["社区", "小区", "楼栋", "层数", "经度", "纬度"],
                        ["秀山门社区", "翠微小区", "5号楼", 6, 117.4812, 30.6621],
                    ],
                )
            ],
        )
        code, output = self.run_import(content)
        self.assertEqual(code, 0, output)
        building = Building.objects.get()
        self.assertEqual(building.floors, 6)
        self.assertAlmostEqual(building.lon, 117.4812)
        self.assertEqual(building.kind, Building.Kind.WALKUP)
        self.assertIsNotNone(building.x)

    def test_a_changed_building_sheet_updates_the_existing_building(self):
        def content(floors, lon):
            return xlsx_bytes(
                [person(building="5栋")],
                extra_sheets=[
                    (
                        "楼栋",
                        [
                            ["社区", "小区", "楼栋", "层数", "经度", "纬度"],
                            ["秀山门社区", "翠微小区", "5号楼", floors, lon, 30.6621],
                        ],
                    )
                ],
            )

        self.assertEqual(self.run_import(content(6, 117.4812))[0], 0)
        before = Building.objects.get()
        code, output = self.run_import(content(20, 117.4912))
        self.assertEqual(code, 0, output)
        building = Building.objects.get()
        self.assertEqual(building.floors, 20)
        self.assertEqual(building.kind, Building.Kind.TOWER)
        self.assertAlmostEqual(building.lon, 117.4912)
        self.assertGreater(building.x, before.x)
        self.assertEqual(building.y, before.y)
        code, output = self.run_import(content("", 117.4912))  # no 层数: floors stay
        self.assertEqual(code, 0, output)
        self.assertEqual(Building.objects.get().floors, 20)


class ImportInvalidTestCase(ImportTestCase):
    def test_it_writes_nothing_when_any_row_is_bad(self):
        born = dt.date(1960, 5, 4)
        good = make_id_number("341702", born, 5)
        bad_checksum = good[:17] + ("0" if good[17] != "0" else "1")
        rows = [
            person("甲", id_number=good),
            person("乙", room="102", id_number=bad_checksum),
            person("丙", room="103", phone="139123"),
            person("丁", room="104", id_number=make_id_number("341702", born, 7), sex="女"),
            person(
                "戊", room="105", id_number=make_id_number("341702", born, 9), born="1961-01-01"
            ),
            person("己", room="106", id_number=good),
            person("庚", room="107", residence="寄住"),
            person("", room="108"),
            person("辛", room="109", born="去年"),
        ]
        before = self.counts()
        code, output = self.run_import(xlsx_bytes(rows))
        self.assertEqual(code, 1)
        self.assertEqual(self.counts(), before)
        self.assertEqual(self.bad_lines(output), [3, 4, 5, 6, 7, 8, 9, 10])
        self.assertIn("第3行 身份证号：身份证号校验码错误", output)
        self.assertIn("第4行 联系电话：", output)
        self.assertIn("第5行 性别：性别“女”与身份证号不符", output)
        self.assertIn("第6行 出生日期：出生日期 1961-01-01 与身份证号中的 1960-05-04 不符", output)
        self.assertIn("第7行 身份证号：身份证号在本文件中重复", output)
        self.assertIn("第8行 居住类型：", output)
        self.assertIn("第9行 姓名：姓名为空", output)
        self.assertIn("第10行 出生日期：", output)
        self.assertIn("未写入任何数据", output)
        self.assertTrue(AuditEvent.objects.filter(action="registry.import_failed").exists())
        report = Path(self.tmp.name) / "登记表.错误报告.xlsx"
        self.assertTrue(report.exists())

    def test_it_rejects_numeric_id_cells(self):
        row = person()
        row[8] = 3.41702196005e17
        code, output = self.run_import(xlsx_bytes([row]))
        self.assertEqual(code, 1)
        self.assertIn("第2行 身份证号：身份证号列须设为文本格式", output)
        self.assertEqual(Resident.objects.count(), 0)

    def test_it_never_evaluates_formulas(self):
        row = person()
        row[6] = '=HYPERLINK("http://evil.example","点我")'
        code, output = self.run_import(xlsx_bytes([row]))
        self.assertEqual(code, 1)
        self.assertIn("第2行 姓名：姓名为空", output)
        self.assertEqual(Resident.objects.count(), 0)

    def test_it_rejects_an_unknown_community_unless_asked_to_create(self):
        rows = [person(community="新建社区", compound="新小区")]
        code, output = self.run_import(xlsx_bytes(rows))
        self.assertEqual(code, 1)
        self.assertIn("第2行 社区：社区“新建社区”不存在", output)
        self.assertFalse(Region.objects.filter(name="新建社区").exists())
        code, output = self.run_import(xlsx_bytes(rows), "--create-regions")
        self.assertEqual(code, 0, output)
        community = Region.objects.get(name="新建社区")
        self.assertEqual(community.parent, self.subdistrict)
        self.assertEqual(Region.objects.get(name="新小区").parent, community)
        self.assertIn("新建社区 1 个：新建社区", output)
        self.assertEqual(self.bad_lines(output), [])

    def test_it_rejects_a_resident_registered_at_another_address(self):
        home = make_household(self.compound_b)
        existing = make_resident(home, "老住户")
        code, output = self.run_import(
            xlsx_bytes([person("老住户", id_number=existing.id_number.reveal())])
        )
        self.assertEqual(code, 1)
        self.assertIn("第2行 身份证号：该居民已在其他住址登记", output)
        self.assertEqual(Resident.objects.count(), 1)

    def test_it_imports_the_good_rows_with_partial(self):
        rows = [person("甲"), person("乙", room="102", phone="12"), person("丙", room="103")]
        code, output = self.run_import(xlsx_bytes(rows), "--partial")
        self.assertEqual(code, 1)
        self.assertEqual(self.bad_lines(output), [3])
        self.assertEqual(sorted(Resident.objects.values_list("name", flat=True)), ["丙", "甲"])

    def test_it_refuses_an_unreadable_file(self):
        code, output = self.run_import(b"this is not a workbook")
        self.assertEqual(code, 2)
        self.assertIn("不是有效的 .xlsx 文件", output)
        code, output = self.run_import(b"x", name="a.pdf")
        self.assertEqual(code, 2)
        self.assertIn("不支持的文件类型", output)

    def test_it_refuses_xml_entities(self):
        content = xlsx_bytes([person()])
        source = zipfile.ZipFile(io.BytesIO(content))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for item in source.infolist():
                data = source.read(item.filename)
                if item.filename == "xl/workbook.xml":
                    data = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + data
                target.writestr(item, data)
        code, output = self.run_import(out.getvalue())
        self.assertEqual(code, 2)
        self.assertIn("XML 实体", output)

    def test_it_refuses_a_zip_bomb(self):
        content = xlsx_bytes([person()])
        source = zipfile.ZipFile(io.BytesIO(content))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                target.writestr(item.filename, source.read(item.filename))
            target.writestr("xl/media/bomb.bin", b"\0" * 50_000_000)
        code, output = self.run_import(out.getvalue())
        self.assertEqual(code, 2)
        self.assertIn("压缩炸弹", output)

    def test_it_needs_the_required_columns(self):
        code, output = self.run_import(
            xlsx_bytes([["秀山门社区", "张三"]], header=["社区", "姓名", "小区", "楼栋"])
        )
        self.assertEqual(code, 2)
        self.assertIn("表头缺少必填列：房号、身份证号", output)
