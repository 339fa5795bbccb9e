"""Dashboards through HTTP: scope, filters, suppression for the 区民政局, exports."""

import datetime as dt
import io
import json
import re

import time_machine
from openpyxl import load_workbook

from loudong.accounts.models import AuditEvent
from loudong.roster.tests.helpers import RosterTestCase, make_appointment, make_person
from loudong.territory.models import Region

TODAY = dt.datetime(2026, 6, 15, 9, tzinfo=dt.UTC)


def specs(response) -> dict:
    html = response.content.decode()
    block = re.search(
        r'<script id="report-specs" type="application/json">(.*?)</script>', html, re.S
    )
    return {s["key"]: s for s in json.loads(block.group(1))}


@time_machine.travel(TODAY, tick=False)
class ReportsTestCase(RosterTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Grid a1 led since 2026-03-10; a2 vacant; b1 led since 2025.
        make_appointment(cls.person_a, cls.post_a1, start=dt.date(2026, 3, 10))
        make_appointment(cls.person_b, cls.post_b1, start=dt.date(2025, 1, 1))

    def test_coverage_counts_match_the_database_and_drill_to_vacancies(self):
        self.login(self.jiedao)
        r = self.client.get("/reports/coverage/")
        self.assertEqual(r.status_code, 200)
        now = specs(r)["coverage-now"]
        self.assertEqual(now["categories"], ["秀山门社区", "杏花村社区", "合计"])
        series = {s["name"]: s["data"] for s in now["series"]}
        self.assertEqual(series, {"有楼栋长": [1, 1, 2], "空缺": [1, 0, 1]})
        self.assertEqual(now["drill"][0], f"/roster/?community={self.community_a.pk}&vacant=on")
        self.assertIsNone(now["drill"][1])  # nothing vacant behind that bar
        months = specs(r)["vacancies-by-month"]
        self.assertEqual(months["categories"][:3], ["2026-01", "2026-02", "2026-03"])
        vacant = next(s["data"] for s in months["series"] if s["name"] == "空缺")
        # Posts were created "today" (the test's clock): none existed before June.
        self.assertEqual(vacant, [0, 0, 0, 0, 0, 1])

    def test_a_community_filter_narrows_and_one_outside_the_scope_is_404(self):
        self.login(self.shequ_a)
        r = self.client.get("/reports/coverage/")
        self.assertEqual(specs(r)["coverage-now"]["categories"], ["秀山门社区"])
        self.assertEqual(
            self.client.get(f"/reports/coverage/?community={self.community_b.pk}").status_code,
            404,
        )
        self.assertEqual(
            self.client.get(f"/reports/coverage/?grid={self.code_b1}").status_code, 404
        )
        self.assertTrue(
            AuditEvent.objects.filter(action="access.out_of_scope", actor=self.shequ_a).exists()
        )
        r = self.client.get(f"/reports/coverage/?grid={self.code_a2}")
        self.assertEqual(
            {s["name"]: s["data"] for s in specs(r)["coverage-now"]["series"]},
            {"有楼栋长": [0], "空缺": [1]},
        )

    def test_the_grid_box_offers_the_chosen_communitys_grids_only(self):
        def options(r):
            return re.findall(
                r'<option value="(\d+)"',
                r.content.decode().split('name="grid"')[1].split("</select>")[0],
            )

        self.login(self.jiedao)
        self.assertEqual(options(self.client.get("/reports/coverage/")), [])
        r = self.client.get(f"/reports/coverage/?community={self.community_a.pk}")
        self.assertEqual(options(r), [self.code_a1, self.code_a2])
        # a grid asked for without its community still filters, and is the one offered
        r = self.client.get(f"/reports/coverage/?grid={self.code_b1}")
        self.assertEqual(options(r), [self.code_b1])
        self.assertEqual(specs(r)["coverage-now"]["categories"], ["杏花村社区"])
        # a 社区工作者 has one community: its grids without choosing it
        self.login(self.shequ_a)
        self.assertEqual(
            options(self.client.get("/reports/coverage/")), [self.code_a1, self.code_a2]
        )

    def test_a_bad_period_is_a_clear_400(self):
        self.login(self.shequ_a)
        r = self.client.get("/reports/coverage/?since=2026-05-01&until=2026-04-01")
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "“止”不能早于“起”", status_code=400)
        r = self.client.get("/reports/coverage/?since=2015-01-01&until=2026-04-01")
        self.assertContains(r, "统计期间最长 5 年", status_code=400)
        r = self.client.get("/reports/coverage/?since=abc")
        self.assertEqual(r.status_code, 400)

    def test_the_civil_affairs_bureau_sees_small_counts_hidden_and_no_links(self):
        self.login(self.minzheng)
        r = self.client.get("/reports/coverage/")
        self.assertEqual(r.status_code, 200)
        now = specs(r)["coverage-now"]
        self.assertEqual(now["drill"], [])
        html = r.content.decode()
        tables = re.findall(r'<table class="report-table".*?</table>', html, re.S)
        self.assertEqual(len(tables), 2)
        self.assertFalse(any("<a " in t for t in tables))
        self.assertIn("&lt;5", html)
        # Nothing between 1 and 4 is plotted either.
        for s in now["series"]:
            self.assertTrue(all(v is None or v == 0 or v >= 5 for v in s["data"]), s)
        # No grid filter for an aggregates-only role.
        self.assertNotContains(r, 'name="grid"')

    def test_the_export_is_the_tables_of_the_page_and_is_audited(self):
        self.login(self.minzheng)
        r = self.client.get("/reports/leaders.xlsx")
        self.assertEqual(r.status_code, 200)
        book = load_workbook(io.BytesIO(r.content))
        self.assertEqual(book.sheetnames[:2], ["年龄结构（2026-06-15）", "政治面貌"])
        values = [c for row in book["政治面貌"].iter_rows(values_only=True) for c in row]
        self.assertIn("<5", values)
        self.assertNotIn(2, values)
        event = AuditEvent.objects.get(action="reports.export")
        self.assertEqual(event.actor, self.minzheng)
        self.assertTrue(event.new["aggregates_only"])

    def test_leaders_mix_counts_people_not_posts(self):
        make_appointment(self.person_a, self.post_a2, start=dt.date(2026, 4, 1), is_concurrent=True)
        make_person(self.community_a, "未任职")
        self.login(self.shequ_a)
        r = self.client.get("/reports/leaders/")
        held = specs(r)["concurrent"]
        self.assertEqual(held["series"][0]["data"], [0, 1, 0])
        self.assertEqual(
            held["drill"][1], f"/roster/persons/?community={self.community_a.pk}&in_post=on&posts=2"
        )
        persons = self.client.get(held["drill"][1])
        self.assertContains(persons, "陈德明")
        self.assertContains(persons, "共 1 人")

    def test_who_reads_reports(self):
        for user in (self.leader, self.outsider):
            self.login(user)
            self.assertEqual(self.client.get("/reports/").status_code, 404, user)
            self.assertEqual(self.client.get("/reports/coverage/").status_code, 404, user)
        self.login_admin(self.xitong)
        self.assertEqual(self.client.get("/reports/coverage/").status_code, 404)
        self.login(self.shequ_a)
        self.assertEqual(self.client.get("/reports/nothing/").status_code, 404)
        self.assertContains(self.client.get("/reports/"), "网格覆盖")

    def test_another_subdistrict_is_out_of_every_filter(self):
        other = Region.objects.create(
            level="subdistrict", name="秋浦街道", parent=self.district, code="341702002"
        )
        far = Region.objects.create(
            level="community", name="远方社区", parent=other, code="341702002001"
        )
        self.login(self.jiedao)
        self.assertEqual(self.client.get(f"/reports/leaders/?community={far.pk}").status_code, 404)
        self.assertEqual(
            self.client.get(f"/reports/leaders.xlsx?community={far.pk}").status_code, 404
        )
