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
