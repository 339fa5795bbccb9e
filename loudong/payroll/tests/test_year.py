"""A year of payroll played through: the totals match an independent computation to the fen.

池阳 (seed 000 附件1 §四.2): 200 a month paid, prorated by calendar days from the agreement's
effective date; 100 a month accrued and paid in December × the grade's factor; 300 × grids.
"""

import datetime as dt
from decimal import Decimal

from loudong.payroll.models import Line, Period
from loudong.payroll.tests.helpers import PayrollTestCase, appoint, month, sign
from loudong.roster.models import Appointment


class FullYearTestCase(PayrollTestCase):
    def test_a_year_at_satisfied_pays_300_a_month_per_grid(self):
        cast = self.staff(dt.date(2024, 12, 1))
        for m in range(1, 12):
            self.lock(month(2025, m))
        self.close_year(2025)
        december = self.lock(month(2025, 12))
        self.assertTrue(december.is_locked)
        # 刘芳 holds three grids (兼任): three lines a month, 300 × 3 × 12 in the year.
        self.assertEqual(self.paid(self.liu), Decimal("10800.00"))
        self.assertEqual(self.paid(self.wang), Decimal("3600.00"))
        for appointment in cast["liu"]:
            self.assertEqual(self.paid(appointment=appointment), Decimal("3600.00"))
        year_end = Line.objects.filter(kind="year_end")
        self.assertEqual(year_end.count(), 5)
        self.assertTrue(all(ln.period.month == dt.date(2025, 12, 1) for ln in year_end))
        self.assertTrue(all(ln.amount == Decimal("1200.00") for ln in year_end))
        self.assertIn("系数 1.00", year_end.first().basis)
        self.assertEqual(
            Line.objects.filter(
                person=self.liu, kind="monthly", period__month=month(2025, 5)
            ).count(),
            3,
        )

    def test_grades_drive_the_year_end_part(self):
        self.staff(dt.date(2024, 12, 1))
        for m in range(1, 12):
            self.lock(month(2025, m))
        self.close_year(2025, grades={self.zhao.pk: "bad"})
        self.lock(month(2025, 12))
        zhao = Line.objects.get(kind="year_end", person=self.zhao)
        self.assertEqual(zhao.amount, Decimal("0.00"))
        self.assertIn("不满意", zhao.basis)
        self.assertEqual(self.paid(self.zhao), Decimal("2400.00"))

    def test_december_waits_for_the_years_grades(self):
        self.staff(dt.date(2025, 11, 1))
        self.lock(month(2025, 11))
        period = self.prepare(month(2025, 12))
        self.assertFalse(period.lines.filter(kind="year_end").exists())
        from loudong.payroll.actions import periods

        periods.submit_period(period=period, acting_user=self.shequ_a)
        with self.assertRaisesMessage(Exception, "尚无 2025 年度评议结果"):
            periods.approve_period(period=period, acting_user=self.jiedao)
        self.assertEqual(Period.objects.get(pk=period.pk).status, "submitted")

    def test_the_played_year(self):
        """Mid-month starts, a concurrent leader with three grids, a resignation, a late-signed
        agreement; totals against an independent day count."""
        # 王建国 from 16 March; 刘芳 three grids all year; 赵敏 resigns 20 June; 陈德明's agreement
        # for grid 05 from 1 July is only signed on 10 September.
        from loudong.roster.tests.helpers import make_person

        wang = appoint(self.wang, self.posts[0], dt.date(2025, 3, 16))
        sign(wang, dt.date(2025, 3, 16), self.jiedao)
        liu = [
            appoint(self.liu, p, dt.date(2025, 1, 1), is_concurrent=i > 0)
            for i, p in enumerate(self.posts[1:4])
        ]
        for a in liu:
            sign(a, dt.date(2025, 1, 1), self.jiedao)
        zhao = appoint(self.zhao, self.posts[4], dt.date(2025, 1, 1), end=dt.date(2025, 6, 20))
        sign(zhao, dt.date(2025, 1, 1), self.jiedao)
        chen = appoint(make_person(self.community_a, "陈德明"), self.posts[4], dt.date(2025, 7, 1))
        for m in range(1, 10):
            self.lock(month(2025, m))
        self.assertEqual(self.paid(appointment=chen), Decimal("0.00"))  # unsigned: nothing yet
        sign(chen, dt.date(2025, 9, 10), self.jiedao)
        october = self.lock(month(2025, 10))
        correction = october.lines.get(kind="correction", appointment=chen)
        # September from the 10th: 200 × 21/30
        self.assertEqual(correction.amount, Decimal("140.00"))
        self.assertEqual(correction.service_month, dt.date(2025, 9, 1))
        self.assertIn("更正 2025-09 月度补贴", correction.basis)
        self.lock(month(2025, 11))
        self.close_year(2025)
        self.lock(month(2025, 12))

        def expected(start, end):
            """Independent: per calendar month, 200 × days/len and 100 × days/len, each to the fen."""
            import calendar

            monthly = accrued = Decimal("0")
            for m in range(1, 13):
                length = calendar.monthrange(2025, m)[1]
                first = max(start, dt.date(2025, m, 1))
                last = min(end, dt.date(2025, m, length))
                days = (last - first).days + 1
                if days <= 0:
                    continue
                monthly += (Decimal(200) * days / length).quantize(Decimal("0.01"), "ROUND_HALF_UP")
                accrued += (Decimal(100) * days / length).quantize(Decimal("0.01"), "ROUND_HALF_UP")
            return monthly + accrued

        self.assertEqual(
            self.paid(appointment=wang), expected(dt.date(2025, 3, 16), dt.date(2025, 12, 31))
        )
        self.assertEqual(
            self.paid(appointment=chen), expected(dt.date(2025, 9, 10), dt.date(2025, 12, 31))
        )
        self.assertEqual(
            self.paid(appointment=zhao), expected(dt.date(2025, 1, 1), dt.date(2025, 6, 20))
        )
        self.assertEqual(self.paid(self.liu), Decimal("10800.00"))
        # June for 赵敏: 200 × 20/30
        june = Line.objects.get(appointment=zhao, period__month=month(2025, 6), kind="monthly")
        self.assertEqual(june.amount, Decimal("133.33"))
        self.assertEqual(june.days, 20)

    def test_a_back_dated_end_is_recovered_in_the_next_open_period(self):
        cast = self.staff(dt.date(2025, 1, 1))
        self.lock(month(2025, 9))
        self.lock(month(2025, 10))
        Appointment.objects.filter(pk=cast["zhao"].pk).update(
            status="ended", end=dt.date(2025, 9, 15)
        )
        november = self.prepare(month(2025, 11))
        rows = {
            ln.service_month: ln
            for ln in november.lines.filter(appointment=cast["zhao"]).order_by("service_month")
        }
        self.assertEqual(rows[month(2025, 9)].amount, Decimal("-100.00"))  # kept 15/30 of 200
        self.assertEqual(rows[month(2025, 10)].amount, Decimal("-200.00"))
        self.assertEqual(rows[month(2025, 10)].corrects.period.month, month(2025, 10))
        self.assertIn("扣回 200.00 元（离任日期为 2025-09-15）", rows[month(2025, 10)].basis)
        self.assertEqual(set(rows), {month(2025, 9), month(2025, 10)})
        # Corrections net to the right total: paid + corrections = what was due.
        self.assertEqual(
            self.paid(appointment=cast["zhao"]) + sum(r.amount for r in rows.values()),
            Decimal("100.00"),
        )
