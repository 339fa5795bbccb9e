"""Accident insurance: policies, coverage that follows appointments, gaps, claims, reminders."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import time_machine
from django.core.management import call_command

from loudong.payroll import coverage
from loudong.payroll.actions import insurance
from loudong.payroll.models import Claim, InsurancePolicy, InsuredPerson, Reminder
from loudong.payroll.tests.helpers import PayrollTestCase
from loudong.roster import hooks

NOW = dt.datetime(2025, 11, 20, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@time_machine.travel(NOW, tick=False)
class InsuranceTestCase(PayrollTestCase):
    def setUp(self):
        self.cast = self.staff(dt.date(2025, 1, 1))
        self.login(self.shequ_a)

    def create(self, **data):
        payload = {
            "community": self.community_a.pk,
            "insurer": "人保财险池州分公司",
            "number": "PEAC2025-001",
            "start": "2025-01-01",
            "end": "2025-12-31",
            "premium": "1500.00",
            "named": "1",
        }
        payload.update(data)
        return self.client.post("/payroll/insurance/new/", payload)

    def test_a_named_policy_covers_the_persons_put_on_it(self):
        r = self.create()
        policy = InsurancePolicy.objects.get()
        self.assertRedirects(r, f"/payroll/insurance/{policy.pk}/")
        r = self.client.post(f"/payroll/insurance/{policy.pk}/insure/", {"start": "2025-01-01"})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(InsuredPerson.objects.filter(policy=policy).count(), 3)  # 王, 刘, 赵
        self.assertEqual(
            hooks.insured_persons([self.wang.pk, self.liu.pk, self.li.pk], TODAY),
            {self.wang.pk, self.liu.pk},
        )
        self.assertEqual(coverage.gaps(self.community_a, dt.date(2025, 1, 1), TODAY), [])

    def test_the_compliance_page_shows_the_truth(self):
        page = self.client.get("/roster/compliance/").content.decode()
        self.assertIn("王建国", page.split("意外伤害")[-1])
        self.create(named="0")  # blanket: whoever is in post
        self.assertEqual(
            hooks.insured_persons([self.wang.pk, self.liu.pk, self.zhao.pk], TODAY),
            {self.wang.pk, self.liu.pk, self.zhao.pk},
        )
        from loudong.roster import compliance

        self.assertEqual(compliance.report(self.shequ_a, today=TODAY)["uninsured"], [])

    def test_a_leader_in_post_without_cover_is_a_gap(self):
        policy = insurance.create_policy(
            community=self.community_a,
            insurer="人保财险",
            number="P-1",
            start=dt.date(2025, 3, 1),
            end=dt.date(2025, 12, 31),
            premium=Decimal("900.00"),
            named=True,
            acting_user=self.shequ_a,
        )
        insurance.add_insured(
            policy=policy,
            persons=[self.wang, self.liu],
            start=dt.date(2025, 3, 1),
            acting_user=self.shequ_a,
        )
        gaps = coverage.gaps(self.community_a, dt.date(2025, 1, 1), TODAY)
        by_person = {}
        for gap in gaps:
            by_person.setdefault(gap.appointment.person.name, []).append((gap.start, gap.end))
        self.assertEqual(by_person["王建国"], [(dt.date(2025, 1, 1), dt.date(2025, 2, 28))])
        self.assertEqual(by_person["赵敏"], [(dt.date(2025, 1, 1), TODAY)])
        self.assertEqual(len(by_person["刘芳"]), 3)  # one per grid held
        page = self.client.get("/payroll/insurance/").content.decode()
        self.assertIn("今天在岗但没有保险（1 人）", page)
        self.assertIn("赵敏", page)

    def test_bad_policies_are_refused(self):
        for data, message in (
            ({"end": "2024-12-31"}, "保险止期不能早于"),
            ({"insurer": " "}, "保险公司"),
            ({"premium": "-1"}, "保费"),
        ):
            self.create(**data)
            self.assertFalse(InsurancePolicy.objects.exists(), message)
        self.create()
        r = self.create(follow=True)
        del r
        self.assertEqual(InsurancePolicy.objects.count(), 1)

    def test_claims_follow_their_workflow(self):
        self.create()
        policy = InsurancePolicy.objects.get()
        insurance.add_insured(
            policy=policy, persons=[self.wang], start=dt.date(2025, 1, 1), acting_user=self.shequ_a
        )
        url = f"/payroll/insurance/{policy.pk}/claims/"
        # Not covered that day: refused.
        r = self.client.post(
            url, {"person": self.zhao.pk, "date": "2025-11-01", "description": "走访时摔倒"}
        )
        self.assertEqual(r.status_code, 400)
        self.assertIn("不在该保单的承保范围内", r.content.decode())
        r = self.client.post(
            url,
            {
                "person": self.wang.pk,
                "date": "2025-11-01",
                "description": "走访时摔倒",
                "incident_ref": "17",
                "amount_claimed": "800",
            },
        )
        self.assertEqual(r.status_code, 302)
        claim = Claim.objects.get()
        self.assertEqual(claim.incident_ref, "17")
        move = f"/payroll/claims/{claim.pk}/move/"
        self.client.post(move, {"to_status": "paid", "amount_paid": "600"})
        self.assertEqual(Claim.objects.get().status, "reported")  # not yet submitted
        self.client.post(move, {"to_status": "submitted"})
        self.client.post(move, {"to_status": "paid", "amount_paid": "600"})
        claim.refresh_from_db()
        self.assertEqual((claim.status, claim.amount_paid), ("paid", Decimal("600.00")))
        self.assertEqual(claim.events.count(), 3)
        # A future accident date: refused.
        r = self.client.post(
            url, {"person": self.wang.pk, "date": "2025-12-01", "description": "x"}
        )
        self.assertEqual(r.status_code, 400)

    def test_renewal_reminders_are_made_once(self):
        self.create(start="2025-01-01", end="2025-12-10")
        out = StringIO()
        call_command("remind_insurance", "--today", "2025-11-20", stdout=out)
        self.assertIn("新增续保提醒 1 条", out.getvalue())
        call_command("remind_insurance", "--today", "2025-11-21", stdout=out)
        self.assertEqual(Reminder.objects.count(), 1)
        page = self.client.get("/payroll/insurance/").content.decode()
        self.assertIn("尚未续保", page)
        # A renewal starting the day after: no reminder for it.
        self.create(number="PEAC2026-001", start="2025-12-11", end="2026-12-10")
        out = StringIO()
        call_command("remind_insurance", "--today", "2026-11-20", stdout=out)
        self.assertIn("新增续保提醒 1 条", out.getvalue())
        self.assertEqual(Reminder.objects.count(), 2)

    def test_the_daily_job_is_scheduled(self):
        from loudong.ops.schedule import SCHEDULE

        job = next(j for j in SCHEDULE if j.name == "insurance_renewal")
        self.assertEqual(job.command, "loudong remind_insurance")
        from loudong.ops.worker import resolve

        self.assertTrue(callable(resolve(job.task).enqueue))

    def test_the_refusals_by_role(self):
        self.create()
        policy = InsurancePolicy.objects.get()
        for user, status in ((self.shequ_b, 404), (self.leader, 403), (self.minzheng, 403)):
            self.login(user)
            r = self.client.post(f"/payroll/insurance/{policy.pk}/insure/", {"start": "2025-01-01"})
            self.assertEqual(r.status_code, status, user)
        self.assertFalse(InsuredPerson.objects.exists())
        self.login(self.minzheng)
        self.assertEqual(self.client.get(f"/payroll/insurance/{policy.pk}/").status_code, 200)
        self.login(self.leader)
        self.assertEqual(self.client.get("/payroll/insurance/").status_code, 404)
