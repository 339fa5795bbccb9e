"""Property tests (hypothesis): the money reconciles to the fen, and a locked export is fixed."""

import datetime as dt
import unittest
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from loudong.payroll import money
from loudong.payroll.tests.helpers import PayrollTestCase

RATES = money.Rates(
    paid_monthly=Decimal("200.00"),
    year_end_accrued=Decimal("100.00"),
    per_concurrent_grid=True,
    grid_post_kind="building_leader",
    allowances={},
    method="calendar_days",
    rounding="fen",
)
days_2020s = st.dates(min_value=dt.date(2021, 1, 1), max_value=dt.date(2029, 12, 31))


def year_pay(spans, year, factor=Decimal("1.00"), rates=RATES):
    total = Decimal("0.00")
    accruals: dict[int, list] = {}
    for m in range(1, 13):
        first = dt.date(year, m, 1)
        total += sum(d.amount for d in money.monthly_dues(spans, first, rates))
        for pk, (_, amount) in money.accrued(spans, first, rates).items():
            accruals.setdefault(pk, []).append(amount)
    for amounts in accruals.values():
        total += money.year_end_amount(amounts, factor, rates.rounding)
    return total


class MoneyPropertiesTestCase(unittest.TestCase):
    @given(grids=st.integers(1, 5), year=st.integers(2021, 2030))
    def test_a_full_year_at_satisfied_pays_300_x_12_x_grids(self, grids, year):
        spans = [
            money.Span(i, 1, "building_leader", dt.date(year - 1, 6, 1), None, (i,))
            for i in range(grids)
        ]
        self.assertEqual(year_pay(spans, year), Decimal(300 * 12 * grids))

    @given(grids=st.integers(2, 5), year=st.integers(2021, 2030))
    def test_without_per_grid_pay_a_concurrent_leader_is_paid_once(self, grids, year):
        rates = money.Rates(**{**RATES.__dict__, "per_concurrent_grid": False})
        spans = [
            money.Span(i, 1, "building_leader", dt.date(year - 1, 6, 1), None, (i,))
            for i in range(grids)
        ]
        self.assertEqual(year_pay(spans, year, rates=rates), Decimal(3600))

    @given(start=days_2020s, length=st.integers(0, 800))
    def test_prorated_months_sum_to_the_days_held(self, start, length):
        end = start + dt.timedelta(days=length)
        span = money.Span(1, 1, "building_leader", start, end, (1,))
        months = money.months(start, end)
        days = [money.attribute([span], m, True).get(1, 0) for m in months]
        self.assertEqual(sum(days), length + 1)
        paid = [d.amount for m in months for d in money.monthly_dues([span], m, RATES)]
        exact = sum(
            Decimal(200) * d / money.month_days(m) for d, m in zip(days, months, strict=True)
        )
        self.assertLessEqual(abs(sum(paid) - exact), Decimal("0.005") * len(months))
        for d, m, amount in zip(days, months, paid, strict=True):
            self.assertEqual(
                amount,
                (Decimal(200) * d / money.month_days(m)).quantize(Decimal("0.01"), "ROUND_HALF_UP"),
            )

    @given(
        due=st.dictionaries(st.integers(1, 20), st.decimals("-500", "500", places=2), max_size=15),
        paid=st.dictionaries(st.integers(1, 20), st.decimals("-500", "500", places=2), max_size=15),
    )
    def test_corrections_net_to_the_right_total(self, due, paid):
        fixes = money.corrections(due, paid)
        for key in due.keys() | paid.keys():
            self.assertEqual(paid.get(key, 0) + fixes.get(key, 0), due.get(key, 0))
        self.assertEqual(sum(paid.values()) + sum(fixes.values()), sum(due.values()))

    @given(
        start=days_2020s,
        length=st.integers(0, 400),
        method=st.sampled_from(["calendar_days", "days_of_30", "whole_month"]),
        rounding=st.sampled_from(["fen", "jiao", "yuan"]),
    )
    def test_no_month_pays_more_than_its_rate(self, start, length, method, rounding):
        span = money.Span(1, 1, "building_leader", start, start + dt.timedelta(days=length), (1,))
        rates = money.Rates(**{**RATES.__dict__, "method": method, "rounding": rounding})
        for m in money.months(span.start, span.end):
            for due in money.monthly_dues([span], m, rates):
                self.assertTrue(Decimal(0) < due.amount <= Decimal(200))
                self.assertEqual(due.amount, due.amount.quantize(money.STEPS[rounding]))


class LockedExportTestCase(HypothesisTestCase, PayrollTestCase):
    """Whatever happens after a period is locked, its export is the same file."""

    @settings(
        max_examples=8,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(
        changes=st.lists(
            st.sampled_from(["end", "rename", "bank", "profile", "correct", "sign_late"]),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    def test_a_locked_periods_export_never_changes(self, changes):
        from loudong.payroll import exports
        from loudong.payroll.actions import periods
        from loudong.payroll.actions.common import Refused
        from loudong.payroll.models import Period
        from loudong.payroll.tests.helpers import appoint, month, sign
        from loudong.policy.actions import create_profile_version
        from loudong.policy.schema import read_builtin
        from loudong.roster.models import Appointment, Person

        h = self
        cast = h.staff(dt.date(2025, 1, 1))
        late = appoint(h.li, h.post_b, dt.date(2025, 10, 1))
        del late
        locked = h.lock(month(2025, 10))
        before = exports.workbook(locked, reveal=True)
        self.assertEqual(exports.digest(before), locked.digest)
        for change in changes:
            if change == "end":
                Appointment.objects.filter(pk=cast["zhao"].pk).update(
                    status="ended", end=dt.date(2025, 10, 5)
                )
            elif change == "rename":
                Person.objects.filter(pk=h.wang.pk).update(name="王建国（改）")
            elif change == "bank":
                periods.set_bank_account(
                    person=h.liu,
                    bank="建设银行",
                    account="62170000999988887",
                    acting_user=h.shequ_a,
                )
            elif change == "profile":
                data = read_builtin("chiyang")
                data["subsidy"]["paid_monthly"], data["subsidy"]["year_end_accrued"] = (
                    "250.00",
                    "50.00",
                )
                create_profile_version(name="chiyang", data=data, note="调整", acting_user=h.jiedao)
            elif change == "correct":
                if not Period.objects.filter(month=month(2025, 11), status="locked").exists():
                    try:
                        h.lock(month(2025, 11))
                    except Refused:
                        pass  # a recovery larger than the month's pay: refused, still fine
            elif change == "sign_late":
                from loudong.roster.tests.helpers import make_post

                post = make_post(h.community_a, f"000000{h.community_a.code}{len(changes) + 10}")
                extra = appoint(h.zhao, post, dt.date(2025, 10, 1), is_concurrent=True)
                sign(extra, dt.date(2025, 10, 20), h.jiedao)
        locked.refresh_from_db()
        self.assertEqual(exports.workbook(Period.objects.get(pk=locked.pk), reveal=True), before)
