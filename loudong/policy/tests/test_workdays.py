"""Working days: chinese-calendar, admin overrides, and the fallback past the library's years."""

import datetime as dt

from loudong.policy.models import Holiday
from loudong.policy.workdays import add_working_days, is_working_day
from loudong.test import BaseTestCase


class WorkdaysTestCase(BaseTestCase):
    def test_it_knows_national_day_2026(self):
        self.assertEqual(is_working_day(dt.date(2026, 10, 1)), (False, []))
        self.assertEqual(is_working_day(dt.date(2026, 9, 30)), (True, []))

    def test_it_knows_a_saturday_workday_of_2026(self):
        # 2026-10-10 is a Saturday, worked in exchange for the 国庆 break (调休).
        self.assertEqual(dt.date(2026, 10, 10).weekday(), 5)
        self.assertEqual(is_working_day(dt.date(2026, 10, 10)), (True, []))

    def test_it_counts_five_working_days_across_national_day(self):
        # From Mon 2026-09-28: 9-29, 9-30, (10-1…10-7 off), 10-8, 10-9, 10-10 (调休 Saturday).
        with self.assertNumQueries(1):
            self.assertEqual(add_working_days(dt.date(2026, 9, 28), 5), (dt.date(2026, 10, 10), []))
        self.assertEqual(add_working_days(dt.date(2026, 9, 28), 0), (dt.date(2026, 9, 28), []))
        self.assertEqual(add_working_days(dt.date(2026, 10, 8), -1), (dt.date(2026, 9, 30), []))

    def test_it_falls_back_to_weekends_and_fixed_holidays_with_a_warning_after_2026(self):
        warning = "2027 年的放假安排尚未录入，已按周末和元旦、劳动节、国庆节等固定日期假日计算"
        self.assertEqual(is_working_day(dt.date(2027, 1, 1)), (False, [warning]))  # 元旦, a Friday
        self.assertEqual(is_working_day(dt.date(2027, 1, 4)), (True, [warning]))
        self.assertEqual(is_working_day(dt.date(2027, 1, 2)), (False, [warning]))
        # Thu 2026-12-31 + 2: (元旦 Fri off) Mon 2027-01-04, Tue 01-05.
        self.assertEqual(
            add_working_days(dt.date(2026, 12, 31), 2), (dt.date(2027, 1, 5), [warning])
        )

    def test_it_lets_an_admin_entry_override_the_library(self):
        Holiday.objects.create(date=dt.date(2027, 1, 1), kind="holiday", name="元旦")
        Holiday.objects.create(date=dt.date(2027, 1, 2), kind="workday", name="元旦调休")
        Holiday.objects.create(date=dt.date(2026, 9, 30), kind="holiday", name="临时放假")
        working, warnings = is_working_day(dt.date(2027, 1, 1))
        self.assertFalse(working)
        self.assertEqual(warnings, [])  # the admin's own entry is not a guess
        working, warnings = is_working_day(dt.date(2027, 1, 4))
        self.assertTrue(working)
        self.assertEqual(
            warnings,
            ["2027 年的法定节假日不在日历库中，已按管理员录入的 2 条调整、固定日期假日和周末计算"],
        )
        self.assertEqual(is_working_day(dt.date(2027, 1, 2))[0], True)
        self.assertEqual(is_working_day(dt.date(2026, 9, 30)), (False, []))
        self.assertEqual(add_working_days(dt.date(2026, 9, 28), 1), (dt.date(2026, 9, 29), []))
        self.assertEqual(add_working_days(dt.date(2026, 9, 29), 1), (dt.date(2026, 10, 8), []))

    def test_it_never_raises_before_the_library_either(self):
        working, warnings = is_working_day(dt.date(2003, 1, 6))
        self.assertTrue(working)
        self.assertEqual(
            warnings,
            ["2003 年的放假安排尚未录入，已按周末和元旦、劳动节、国庆节等固定日期假日计算"],
        )
