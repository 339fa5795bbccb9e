import io

from loudong.accounts.models import AuditEvent
from loudong.territory.models import Resident
from loudong.test import BaseTestCase, make_household, make_resident


def read(content):
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


class ExportTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.home_a = make_household(cls.compound_a, "301")
        cls.home_b = make_household(cls.compound_b, "101")
        cls.person_a = make_resident(
            cls.home_a,
            "=cmd|' /C calc'!A0",
            phone="13912345678",
            relation="本人",
            is_householder=True,
        )
        cls.person_b = make_resident(cls.home_b, "李大爷")

    def test_it_exports_the_scope_in_the_template_with_reveal(self):
        self.login(self.shequ_a)
        response = self.client.get("/territory/export.xlsx")
        self.assertEqual(response.status_code, 200)
        rows = read(response.content)
        self.assertEqual(rows[1][:3], ["街道", "社区", "小区"])
        self.assertEqual(len(rows), 3)
        self.assertEqual(rows[2][9], self.person_a.id_number.reveal())
        self.assertEqual(rows[2][12], "13912345678")
        self.assertTrue(rows[2][7].startswith("'="))  # formula injection escaped
        event = AuditEvent.objects.get(action="registry.export")
        self.assertEqual(event.new, {"rows": 1, "revealed": True})

    def test_civil_affairs_gets_no_resident_rows(self):
        """区民政局 could export the whole district's registry (issue 9 item 9): now a 404."""
        self.login(self.minzheng)
        self.assertEqual(self.client.get("/territory/export.xlsx").status_code, 404)
        r = self.client.get(f"/territory/export.xlsx?region={self.community_a.pk}")
        self.assertEqual(r.status_code, 404)
        self.assertFalse(AuditEvent.objects.filter(action="registry.export").exists())

    def test_it_refuses_a_building_leader_with_403(self):
        self.login(self.leader)
        self.assertEqual(self.client.get("/territory/export.xlsx").status_code, 403)

    def test_it_answers_404_for_a_region_out_of_scope(self):
        self.login(self.shequ_a)
        response = self.client.get(f"/territory/export.xlsx?region={self.community_b.pk}")
        self.assertEqual(response.status_code, 404)

    def test_it_round_trips_through_the_importer(self):
        from loudong.territory.importer import Importer

        self.login(self.shequ_b)
        content = self.client.get("/territory/export.xlsx").content
        report = Importer(user=self.shequ_b).run(content, "导出.xlsx")
        self.assertTrue(report.ok, report.errors)
        self.assertEqual(report.counts["new"], 0)
        self.assertEqual(report.counts["unchanged"] + report.counts["updated"], 1)
        self.assertEqual(Resident.objects.count(), 2)
