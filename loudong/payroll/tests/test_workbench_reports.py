"""Money on the workbench and the dashboards: approvals, submissions, gaps; totals that add up."""

import datetime as dt
import json
import re
from decimal import Decimal

import time_machine

from loudong.payroll.actions import periods
from loudong.payroll.models import Line
from loudong.payroll.tests.helpers import PayrollTestCase, month
from loudong.workbench.tests.test_home import counts


def specs(response) -> dict:
    block = re.search(
        r'<script id="report-specs" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return {s["key"]: s for s in json.loads(block.group(1))}


@time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), tick=False)
class MoneyWorkbenchTestCase(PayrollTestCase):
    def setUp(self):
        self.staff(start=dt.date(2025, 1, 1))

    def test_the_subdistrict_approves_what_the_community_submitted(self):
        period = self.prepare(month(2026, 2))
        self.login(self.shequ_a)
        got = counts(self.client.get("/"))
        self.assertEqual(got["payroll-submit"], 1)
        self.assertContains(self.client.get("/"), "其中 1 项逾期")  # February is over
        periods.submit_period(period=period, acting_user=self.shequ_a)
        self.assertNotIn("payroll-submit", counts(self.client.get("/")))
        self.login(self.jiedao)
        r = self.client.get("/")
        self.assertEqual(counts(r)["payroll-approve"], 1)
        self.assertContains(r, f'href="/payroll/periods/{period.pk}/"')
        self.login(self.shequ_b)
        self.assertNotIn("payroll-approve", counts(self.client.get("/")))

    def test_subsidy_totals_match_the_locked_lines(self):
        self.lock(month(2026, 1))
        self.lock(month(2026, 2))
        self.prepare(month(2026, 3))  # not locked: not counted
        self.login(self.jiedao)
        r = self.client.get("/reports/subsidies/")
        self.assertEqual(r.status_code, 200)
        by_month = specs(r)["by-month"]
        self.assertEqual(by_month["categories"], ["2026-01", "2026-02"])
        locked = Line.objects.filter(period__status="locked")
        for i, m in enumerate((month(2026, 1), month(2026, 2))):
            monthly = sum(
                (ln.amount for ln in locked.filter(period__month=m, kind="monthly")), Decimal(0)
            )
            got = next(s for s in by_month["series"] if s["name"] == "月度补贴")["data"][i]
            self.assertEqual(Decimal(str(got)).quantize(Decimal("0.01")), monthly)
        community = specs(r)["by-community"]
        self.assertEqual(community["categories"], ["秀山门社区"])
        total = sum((ln.amount for ln in locked), Decimal(0))
        self.assertEqual(Decimal(str(community["series"][0]["data"][0])), total)

    def test_the_bureau_sees_no_sum_of_fewer_than_five_people(self):
        self.lock(month(2026, 1))
        self.login(self.minzheng)
        r = self.client.get("/reports/subsidies/")
        html = r.content.decode()
        table = re.search(r'data-table="by-community".*?</table>', html, re.S).group(0)
        self.assertIn("&lt;5", table)
        self.assertIsNone(specs(r)["by-community"]["series"][0]["data"][0])
