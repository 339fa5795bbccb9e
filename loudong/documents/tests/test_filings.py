import datetime as dt
import io

from openpyxl import load_workbook

from loudong.accounts.models import AuditEvent
from loudong.documents.tests.helpers import (
    ID_NUMBER,
    PHONE,
    DocumentsTestCase,
    make_appointment,
    make_person,
    make_post,
)


def sheet_rows(response):
    book = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


class FilingTestCase(DocumentsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # 王建国 also takes over 4号楼 (兼任); 钱某 was adjusted out of 5号楼.
        post4 = make_post(
            cls.community_a, cls.compound_a, "翠微小区4号楼楼栋长", grid_code="10010034170200100102"
        )
        make_appointment(
            cls.person,
            post4,
            start=dt.date(2026, 3, 1),
            is_concurrent=True,
            concurrent_reason="4号楼楼栋长配备难",
            concurrent_consent=True,
        )
        qian = make_person(cls.community_a, "钱某", sex="F")
        post5 = make_post(cls.community_a, cls.compound_a, "翠微小区5号楼楼栋长")
        make_appointment(
            qian,
            post5,
            start=dt.date(2025, 1, 1),
            status="ended",
            end=dt.date(2026, 4, 1),
            end_reason="evaluation",
            end_note="评议不满意",
        )
        other = make_person(cls.community_b, "杏林人")
        post_b = make_post(cls.community_b, cls.compound_b, "杏林苑1号楼楼栋长")
        make_appointment(other, post_b, is_concurrent=True, concurrent_reason="兼任")

    def test_it_masks_the_list_for_civil_affairs(self):
        self.login(self.minzheng)
        r = self.client.get("/documents/filings/adjusted-concurrent.xlsx")
        self.assertEqual(r.status_code, 200)
        rows = sheet_rows(r)
        self.assertEqual(
            rows[0],
            [
                "序号",
                "社区",
                "姓名",
                "性别",
                "年龄段",  # issue 9: never an exact age beside an ID
                "身份证号",
                "联系电话",
                "岗位/网格",
                "兼任网格数",
                "变动类型",
                "变动日期",
                "原因",
            ],
        )
        by_name = {row[2]: row for row in rows[1:]}
        self.assertEqual(set(by_name), {"王建国", "钱某", "杏林人"})
        wang = by_name["王建国"]
        self.assertEqual(wang[5], "已登记（不显示）")  # no ID digit for a role that may not reveal
        self.assertRegex(wang[4], r"^\d0–\d9 岁$")
        self.assertEqual(wang[6], "139****5678")
        self.assertEqual(wang[8], 2)
        self.assertEqual(wang[9], "兼任")
        self.assertIn("10010034170200100102", wang[7])
        self.assertEqual(wang[11], "4号楼楼栋长配备难")
        qian = by_name["钱某"]
        self.assertEqual((qian[3], qian[9], qian[10]), ("女", "调整", dt.datetime(2026, 4, 1)))
        self.assertIn("评议不满意", qian[11])
        event = AuditEvent.objects.get(action="documents.export")
        self.assertEqual(event.new, {"rows": 3, "revealed": False})
        self.assertEqual(event.actor, self.minzheng)

    def test_it_gives_the_community_worker_the_full_numbers(self):
        self.login(self.shequ_a)
        r = self.client.get("/documents/filings/adjusted-concurrent.xlsx")
        rows = sheet_rows(r)
        by_name = {row[2]: row for row in rows[1:]}
        self.assertEqual(set(by_name), {"王建国", "钱某"})  # own community only
        self.assertEqual(by_name["王建国"][5], ID_NUMBER)
        self.assertEqual(by_name["王建国"][6], PHONE)
        self.assertEqual(AuditEvent.objects.get(action="documents.export").new["revealed"], True)

    def test_it_filters_by_date_range(self):
        self.login(self.shequ_a)
        r = self.client.get(
            "/documents/filings/adjusted-concurrent.xlsx",
            {"since": "2026-03-15", "until": "2026-12-31"},
        )
        names = [row[2] for row in sheet_rows(r)[1:]]
        self.assertEqual(names, ["钱某"])

    def test_it_lists_building_and_unit_leaders_for_the_party_organisation(self):
        self.login(self.shequ_a)
        r = self.client.get("/documents/filings/leaders.xlsx")
        rows = sheet_rows(r)
        self.assertEqual(
            rows[0][:8], ["序号", "社区", "小区", "姓名", "性别", "年龄", "身份证号", "联系电话"]
        )
        self.assertEqual([row[3] for row in rows[1:]], ["王建国", "王建国"])
        self.assertEqual(rows[1][6], ID_NUMBER)
        self.login(self.minzheng)
        rows = sheet_rows(self.client.get("/documents/filings/leaders.xlsx"))
        self.assertEqual(len(rows), 4)
        self.assertTrue(all(row[6] == "已登记（不显示）" for row in rows[1:]))
        self.assertEqual(rows[0][5], "年龄段")

    def test_it_refuses_roles_without_export(self):
        for user in (self.leader, self.outsider):
            self.login(user)
            r = self.client.get("/documents/filings/adjusted-concurrent.xlsx")
            self.assertEqual(r.status_code, 404)
        self.login(self.shequ_b)
        r = self.client.get("/documents/filings/leaders.xlsx", {"community": self.community_a.pk})
        self.assertEqual(r.status_code, 404)
        self.assertFalse(AuditEvent.objects.filter(action="documents.export").exists())


class FilingIntegrationTestCase(DocumentsTestCase):
    def test_it_files_the_leaders_replaced_by_the_integration_itself(self):
        # 000 §三.3 "调整和兼任多个楼栋长的人员名单…报区民政局备案": the legacy leaders the
        # campaign replaced are adjustments too.
        old = make_person(self.community_a, "孙旧")
        make_appointment(
            old,
            make_post(self.community_a, self.compound_a, "翠微小区6号楼楼栋长"),
            start=dt.date(2017, 3, 1),
            is_legacy=True,
            status="ended",
            end=dt.date(2021, 9, 8),
            end_reason="adjustment",
            end_note="优化整合",
        )
        self.login(self.minzheng)
        rows = sheet_rows(self.client.get("/documents/filings/adjusted-concurrent.xlsx"))
        row = next(r for r in rows if "孙旧" in r)
        self.assertIn("调整（优化整合）", row)
        self.assertIn(dt.datetime(2021, 9, 8), row)
