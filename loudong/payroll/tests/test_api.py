"""The money API (PRODUCT.md "Stable interfaces"): lines, periods, policies, evaluations."""

import datetime as dt
from decimal import Decimal
from io import StringIO

from django.core.management import call_command

from loudong.payroll.actions import insurance
from loudong.payroll.tests.helpers import PayrollTestCase, month


class MoneyApiTestCase(PayrollTestCase):
    def setUp(self):
        self.cast = self.staff(dt.date(2024, 12, 1))

    def test_lines_have_the_stable_fields(self):
        self.lock(month(2025, 11))
        self.prepare(month(2025, 12))
        self.login(self.shequ_a)
        r = self.client.get(
            f"/api/v1/payroll/lines?community={self.community_a.code}&month=2025-11"
        )
        self.assertEqual(r.status_code, 200)
        data = r.json()
        self.assertEqual(data["count"], 5)
        item = next(i for i in data["items"] if i["person"] == self.wang.pk)
        self.assertEqual(item["post"], self.posts[0].pk)
        self.assertEqual(item["kind"], "monthly")
        self.assertEqual(item["amount"], "200.00")
        self.assertIs(item["period_locked"], True)
        # The same ids as /api/v1/appointments.
        appointments = self.client.get(
            f"/api/v1/appointments?community={self.community_a.code}"
        ).json()
        pairs = {(a["person"], a["post"]) for a in appointments["items"]}
        self.assertTrue({(i["person"], i["post"]) for i in data["items"]} <= pairs)
        december = self.client.get(
            f"/api/v1/payroll/lines?community={self.community_a.code}&month=2025-12"
        ).json()
        self.assertTrue(all(i["period_locked"] is False for i in december["items"]))
        self.assertEqual(self.client.get("/api/v1/payroll/lines").json()["count"], 10)

    def test_year_end_lines_sit_in_december(self):
        for m in (11,):
            self.lock(month(2025, m))
        self.close_year(2025)
        self.lock(month(2025, 12))
        self.login(self.shequ_a)
        items = self.client.get("/api/v1/payroll/lines?month=2025-12").json()["items"]
        year_end = [i for i in items if i["kind"] == "year_end"]
        self.assertEqual(len(year_end), 5)
        # accrued from 1 December 2024 in the year 2025: twelve months of 100
        self.assertEqual({i["amount"] for i in year_end}, {"1200.00"})

    def test_errors(self):
        self.login(self.shequ_a)
        r = self.client.get("/api/v1/payroll/lines?month=2025-13")
        self.assertEqual(r.status_code, 400)
        self.assertIn("YYYY-MM", r.json()["detail"])
        self.assertEqual(
            self.client.get(f"/api/v1/payroll/lines?community={self.community_b.code}").status_code,
            404,
        )
        self.assertEqual(self.client.get("/api/v1/payroll/periods?year=abc").status_code, 422)
        # a year beyond the calendar was a 500 (OverflowError in the __year lookup)
        for year in ("99999999999999999999", "10000", "0", "-1"):
            r = self.client.get(f"/api/v1/payroll/periods?year={year}")
            self.assertEqual(r.status_code, 422, year)
            r = self.client.get(f"/api/v1/evaluations?year={year}")
            self.assertEqual(r.status_code, 422, year)
        self.login(self.minzheng)
        self.assertEqual(self.client.get("/api/v1/payroll/lines").status_code, 403)
        self.assertEqual(self.client.get("/api/v1/payroll/periods").status_code, 200)
        self.client.logout()
        self.assertIn(self.client.get("/api/v1/payroll/lines").status_code, (401, 403))

    def test_a_leader_gets_only_their_own_lines(self):
        self.lock(month(2025, 11))
        self.login(self.leader)
        items = self.client.get(f"/api/v1/payroll/lines?community={self.community_a.code}").json()[
            "items"
        ]
        self.assertEqual({i["person"] for i in items}, {self.wang.pk})

    def test_periods_and_token_auth(self):
        self.lock(month(2025, 11))
        out = StringIO()
        call_command("create_api_token", "jiedao", stdout=out)
        key = out.getvalue().strip().splitlines()[-1]
        self.client.logout()
        r = self.client.get("/api/v1/payroll/periods", headers={"Authorization": f"Bearer {key}"})
        self.assertEqual(r.status_code, 200)
        (item,) = r.json()["items"]
        self.assertEqual(
            {
                k: item[k]
                for k in ("community", "month", "status", "lines", "total", "period_locked")
            },
            {
                "community": self.community_a.code,
                "month": "2025-11",
                "status": "locked",
                "lines": 5,
                "total": "1000.00",
                "period_locked": True,
            },
        )
        self.assertEqual(len(item["digest"]), 64)

    def test_insurance_policies(self):
        policy = insurance.create_policy(
            community=self.community_a,
            insurer="人保财险",
            number="P-9",
            start=dt.date(2025, 1, 1),
            end=dt.date(2025, 12, 31),
            premium=Decimal("1200"),
            named=True,
            acting_user=self.shequ_a,
        )
        insurance.add_insured(
            policy=policy, persons=[self.wang], start=dt.date(2025, 1, 1), acting_user=self.shequ_a
        )
        self.login(self.shequ_a)
        items = self.client.get("/api/v1/insurance/policies?on=2025-06-01").json()["items"]
        self.assertEqual(items[0]["insured"], [self.wang.pk])
        self.assertEqual(items[0]["premium"], "1200.00")
        self.assertEqual(
            self.client.get("/api/v1/insurance/policies?on=2026-06-01").json()["count"], 0
        )
        self.login(self.shequ_b)
        self.assertEqual(self.client.get("/api/v1/insurance/policies").json()["count"], 0)
        self.assertEqual(
            self.client.get(
                f"/api/v1/insurance/policies?community={self.community_a.code}"
            ).status_code,
            404,
        )

    def test_evaluations(self):
        self.close_year(2025)
        self.login(self.shequ_a)
        data = self.client.get(
            f"/api/v1/evaluations?community={self.community_a.code}&year=2025"
        ).json()
        self.assertEqual(data["count"], 5)
        item = data["items"][0]
        self.assertEqual(
            (item["grade"], item["grade_label"], item["factor"]), ("satisfied", "满意", "1.00")
        )
        self.assertEqual(item["answers"], 5)
        one = self.client.get(f"/api/v1/evaluations/{item['id']}")
        self.assertEqual(one.json()["id"], item["id"])
        self.login(self.shequ_b)
        self.assertEqual(self.client.get(f"/api/v1/evaluations/{item['id']}").status_code, 404)

    def test_the_openapi_documents_the_errors(self):
        self.login(self.shequ_a)
        schema = self.client.get("/api/v1/openapi.json").json()
        lines = schema["paths"]["/api/v1/payroll/lines"]["get"]["responses"]
        self.assertLessEqual({"200", "400", "403", "404", "422"}, set(lines))
        self.assertIn("/api/v1/evaluations", schema["paths"])
        self.assertIn("/api/v1/insurance/policies", schema["paths"])
