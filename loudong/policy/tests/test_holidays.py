"""/policy/holidays/: the 街道管理员 adds and removes calendar entries (audited)."""

import datetime as dt

from loudong.accounts.models import AuditEvent
from loudong.policy.models import Holiday
from loudong.test import BaseTestCase


class HolidaysTestCase(BaseTestCase):
    def test_it_adds_an_entry_and_lists_it_by_year(self):
        self.login(self.jiedao)
        response = self.client.post(
            "/policy/holidays/add/", {"date": "2027-02-06", "kind": "holiday", "name": "春节"}
        )
        self.assertRedirects(response, "/policy/holidays/", fetch_redirect_response=False)
        holiday = Holiday.objects.get()
        self.assertEqual(
            (holiday.date, holiday.kind, holiday.created_by),
            (dt.date(2027, 2, 6), "holiday", self.jiedao),
        )
        event = AuditEvent.objects.get(action="policy.holiday_add")
        self.assertEqual(event.new, {"date": "2027-02-06", "kind": "holiday", "name": "春节"})
        response = self.client.get("/policy/holidays/")
        self.assertContains(response, "2027 年")
        self.assertContains(response, "日历库未收录")
        self.assertContains(response, "春节")

    def test_it_refuses_a_second_entry_for_a_date(self):
        Holiday.objects.create(date=dt.date(2027, 2, 6), kind="holiday", name="春节")
        self.login(self.jiedao)
        response = self.client.post(
            "/policy/holidays/add/", {"date": "2027-02-06", "kind": "workday", "name": ""}
        )
        self.assertContains(response, "2027-02-06 已有录入", status_code=400)
        self.assertEqual(Holiday.objects.get().kind, "holiday")

    def test_it_removes_an_entry(self):
        holiday = Holiday.objects.create(date=dt.date(2027, 2, 6), kind="holiday", name="春节")
        self.login(self.jiedao)
        response = self.client.post(f"/policy/holidays/{holiday.pk}/delete/")
        self.assertRedirects(response, "/policy/holidays/", fetch_redirect_response=False)
        self.assertFalse(Holiday.objects.exists())
        event = AuditEvent.objects.get(action="policy.holiday_remove")
        self.assertEqual(event.old["date"], "2027-02-06")

    def test_it_lets_viewers_read_but_not_change(self):
        holiday = Holiday.objects.create(date=dt.date(2027, 2, 6), kind="holiday", name="春节")
        self.login(self.shequ_a)
        response = self.client.get("/policy/holidays/")
        self.assertContains(response, "春节")
        self.assertNotContains(response, "/policy/holidays/add/")
        for user in (self.shequ_a, self.minzheng, self.leader, self.outsider):
            self.login(user)
            response = self.client.post(
                "/policy/holidays/add/", {"date": "2027-02-07", "kind": "holiday", "name": "x"}
            )
            self.assertEqual(response.status_code, 404)
            self.assertEqual(
                self.client.post(f"/policy/holidays/{holiday.pk}/delete/").status_code, 404
            )
        self.login_admin(self.xitong)
        self.assertEqual(self.client.get("/policy/holidays/").status_code, 404)
        self.assertEqual(list(Holiday.objects.values_list("name", flat=True)), ["春节"])

    def test_it_rejects_get_on_the_verbs(self):
        self.login(self.jiedao)
        self.assertEqual(self.client.get("/policy/holidays/add/").status_code, 405)


class HolidayYearTestCase(BaseTestCase):
    url = "/policy/holidays/year/"
    notice = {
        "year": 2027,
        "holidays": "2027-01-01 元旦\n2027-02-06 至 2027-02-12 春节\n2027-10-01~2027-10-07 国庆节",
        "workdays": "2027-02-14 春节调休\n2027-10-09 国庆调休",
    }

    def test_it_enters_a_whole_year_in_one_form(self):
        from loudong.policy.models import Holiday
        from loudong.policy.workdays import is_working_day

        self.login(self.jiedao)
        r = self.client.post(self.url, self.notice)
        self.assertRedirects(r, "/policy/holidays/")
        self.assertEqual(Holiday.objects.filter(kind="holiday").count(), 1 + 7 + 7)
        self.assertEqual(Holiday.objects.filter(kind="workday").count(), 2)
        working, warnings = is_working_day(dt.date(2027, 2, 14))  # a Sunday made a workday
        self.assertTrue(working)
        self.assertEqual(warnings, [])  # the admin's own entry is not a guess
        self.assertIn("管理员录入", is_working_day(dt.date(2027, 3, 1))[1][0])
        self.assertFalse(is_working_day(dt.date(2027, 2, 8))[0])

    def test_it_refuses_bad_lines_and_overlaps_writing_nothing(self):
        from loudong.policy.models import Holiday

        self.login(self.jiedao)
        for bad in (
            {**self.notice, "holidays": "春节 2027-02-06"},
            {**self.notice, "holidays": "2028-01-01 元旦"},
            {**self.notice, "holidays": "2027-02-30 春节"},
            {**self.notice, "workdays": "2027-02-07 春节"},  # both a holiday and a workday
        ):
            self.assertEqual(self.client.post(self.url, bad).status_code, 400, bad)
        self.assertFalse(Holiday.objects.exists())
        self.client.post(self.url, self.notice)
        r = self.client.post(self.url, self.notice)
        self.assertContains(r, "以下日期已有录入", status_code=400)

    def test_it_is_the_subdistrict_admins_only(self):
        self.login(self.shequ_a)
        self.assertEqual(self.client.post(self.url, self.notice).status_code, 404)


class FixedHolidayFallbackTestCase(BaseTestCase):
    def test_a_year_past_the_library_still_knows_the_fixed_date_holidays(self):
        from loudong.policy.workdays import add_working_days, is_working_day

        for day in (dt.date(2027, 1, 1), dt.date(2027, 5, 3 - 1), dt.date(2027, 10, 1)):
            working, warnings = is_working_day(day)
            self.assertFalse(working, day)
            self.assertIn("尚未录入", warnings[0])
        # 2027-09-30 is a Thursday; 10-01 (Fri) is 国庆: the next working day is Monday 10-04.
        self.assertEqual(add_working_days(dt.date(2027, 9, 30), 1)[0], dt.date(2027, 10, 4))
