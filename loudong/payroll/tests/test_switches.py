"""Every money switch of the profile is read: flipping it changes what is paid or flagged."""

import datetime as dt
from decimal import Decimal

import time_machine

from loudong.payroll import coverage
from loudong.payroll.tests.helpers import PayrollTestCase, appoint, month, sign
from loudong.policy.actions import create_profile_version
from loudong.policy.schema import read_builtin, validate_profile


def new_version(change, name="chiyang", on=dt.date(2025, 1, 1)):
    data = read_builtin(name)
    change(data)
    assert validate_profile(data) == [], validate_profile(data)
    with time_machine.travel(on - dt.timedelta(days=1), tick=False):
        return create_profile_version(
            name=name, data=data, note="测试开关", acting_user=None, effective_from=on
        )


class SubsidySwitchesTestCase(PayrollTestCase):
    def test_per_concurrent_grid(self):
        self.staff(dt.date(2025, 1, 1))
        period = self.prepare(month(2025, 11))
        self.assertEqual(period.lines.filter(person=self.liu, kind="monthly").count(), 3)
        new_version(
            lambda d: d["subsidy"].update(per_concurrent_grid=False), on=dt.date(2025, 12, 1)
        )
        december = self.prepare(month(2025, 12))
        lines = december.lines.filter(person=self.liu, kind="monthly")
        self.assertEqual([ln.amount for ln in lines], [Decimal("200.00")])  # paid once, not 3 ×

    def test_allowances_and_the_posts_paid_them(self):
        self.staff(dt.date(2025, 1, 1))
        new_version(
            lambda d: d["subsidy"].update(
                allowances={"communication": "30.00"}, allowance_post_kinds=["building_leader"]
            )
        )
        period = self.prepare(month(2025, 11))
        allowance = period.lines.filter(kind="allowance")
        self.assertEqual(allowance.count(), 5)
        self.assertEqual(allowance.first().amount, Decimal("30.00"))
        self.assertEqual(allowance.first().component, "allowance:communication")
        new_version(
            lambda d: d["subsidy"].update(
                allowances={"communication": "30.00"}, allowance_post_kinds=["unit_leader"]
            ),
            on=dt.date(2025, 12, 1),
        )
        self.assertFalse(self.prepare(month(2025, 12)).lines.filter(kind="allowance").exists())

    def test_proration_method(self):
        """15 days of a 31-day month under each method (each month pins its own version)."""
        wang = appoint(self.wang, self.posts[0], dt.date(2025, 10, 17))
        sign(wang, wang.start, self.jiedao)
        self.assertEqual(self.prepare(month(2025, 10)).lines.get().amount, Decimal("96.77"))
        new_version(lambda d: d["proration"].update(method="days_of_30"), on=dt.date(2025, 12, 1))
        zhao = appoint(self.zhao, self.posts[4], dt.date(2025, 12, 17))
        sign(zhao, zhao.start, self.jiedao)
        dec = self.prepare(month(2025, 12)).lines.get(person=self.zhao, kind="monthly")
        self.assertEqual(dec.amount, Decimal("100.00"))  # 200 × 15/30
        new_version(lambda d: d["proration"].update(method="whole_month"), on=dt.date(2026, 1, 1))
        li = appoint(self.li, self.post_b, dt.date(2026, 1, 17))
        sign(li, li.start, self.jiedao)
        jan = self.prepare(month(2026, 1), community=self.community_b, user=self.shequ_b).lines.get(
            person=self.li
        )
        self.assertEqual(jan.amount, Decimal("200.00"))

    def test_proration_rounding(self):
        start = dt.date(2025, 10, 17)
        sign(appoint(self.wang, self.posts[0], start), start, self.jiedao)
        self.assertEqual(self.prepare(month(2025, 10)).lines.get().amount, Decimal("96.77"))
        new_version(lambda d: d["proration"].update(rounding="jiao"), on=dt.date(2025, 11, 1))
        wang = appoint(self.zhao, self.posts[4], dt.date(2025, 11, 17))
        sign(wang, wang.start, self.jiedao)
        nov = self.prepare(month(2025, 11)).lines.get(person=self.zhao)
        self.assertEqual(nov.amount, Decimal("93.30"))  # 200 × 14/30 = 93.33 → 93.3
        new_version(lambda d: d["proration"].update(rounding="yuan"), on=dt.date(2025, 12, 1))
        zhou = appoint(self.li, self.post_b, dt.date(2025, 12, 17))
        sign(zhou, zhou.start, self.jiedao)
        dec = self.prepare(
            month(2025, 12), community=self.community_b, user=self.shequ_b
        ).lines.get(person=self.li)
        self.assertEqual(dec.amount, Decimal("97.00"))  # 200 × 15/31 = 96.77 → 97

    def test_a_profile_without_agreements_pays_from_the_appointment(self):
        self.staff(dt.date(2025, 1, 1), signed=False)
        self.assertFalse(self.prepare(month(2025, 11)).lines.exists())  # unsigned: nothing yet
        new_version(lambda d: d["documents"].update(agreement="none"), on=dt.date(2025, 12, 1))
        self.assertEqual(self.prepare(month(2025, 12)).lines.filter(kind="monthly").count(), 5)


class InsuranceSwitchesTestCase(PayrollTestCase):
    def test_accident_insurance_switch(self):
        self.staff(dt.date(2025, 1, 1))
        today = dt.date(2025, 11, 20)
        with time_machine.travel(dt.datetime(2025, 11, 20, tzinfo=dt.UTC), tick=False):
            self.assertEqual(len(coverage.gaps(self.community_a, today, today)), 5)
            new_version(lambda d: d["insurance"].update(accident=False), on=dt.date(2025, 11, 21))
        self.assertEqual(
            coverage.gaps(self.community_a, dt.date(2025, 11, 21), dt.date(2025, 11, 21)), []
        )

    def test_covered_post_kinds(self):
        self.staff(dt.date(2025, 1, 1))
        day = dt.date(2025, 11, 20)
        self.assertEqual(len(coverage.gaps(self.community_a, day, day)), 5)
        new_version(
            lambda d: d["insurance"].update(covered_post_kinds=["unit_leader"]),
            on=dt.date(2025, 11, 1),
        )
        self.assertEqual(coverage.gaps(self.community_a, day, day), [])
