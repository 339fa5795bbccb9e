"""Residents object during 公示 themselves, from the QR code on the printed notice."""

import datetime as dt

import time_machine

from loudong.accounts.models import AuditEvent
from loudong.roster.models import Objection, Selection
from loudong.roster.tests.helpers import RosterTestCase, make_selection

MONDAY = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


@time_machine.travel(MONDAY, tick=False)
class ResidentObjectionTestCase(RosterTestCase):
    def open_notice(self):
        selection = make_selection(self.post_a1, self.person_a, status="subdistrict_approval")
        self.login(self.jiedao)
        self.client.post(
            f"/roster/selections/{selection.pk}/move/",
            {"to_status": "public_notice", "notice_start": "2026-03-02"},
        )
        self.client.logout()
        selection.refresh_from_db()
        return selection

    def test_the_printed_notice_carries_a_qr_to_a_no_account_objection_page(self):
        selection = self.open_notice()
        self.assertTrue(selection.notice_token)
        self.login(self.shequ_a)
        r = self.client.get(f"/documents/selections/{selection.pk}/notice/")
        self.assertContains(r, "扫码提出异议")
        self.assertContains(r, "经街道党工委审批，")  # this case started at the approval
        self.client.logout()
        url = f"/roster/gongshi/{selection.notice_token}/"
        r = self.client.get(url)
        self.assertContains(r, "陈德明")
        self.assertEqual(r["Cache-Control"], "no-store")
        r = self.client.post(url, {"text": "候选人长期不在本小区居住", "contact": "13900001111"})
        self.assertContains(r, "您的异议已提交")
        selection.refresh_from_db()
        self.assertEqual(selection.status, "party_review")
        objection = Objection.objects.get()
        self.assertIsNone(objection.recorded_by)
        self.assertEqual(objection.contact.reveal(), "13900001111")
        event = AuditEvent.objects.get(action="roster.objection")
        self.assertEqual(event.actor_username, "居民（公示二维码）")
        self.assertNotIn("13900001111", str(event.new))
        # The worker sees it on the case.
        self.login(self.shequ_a)
        self.assertContains(
            self.client.get(f"/roster/selections/{selection.pk}/"), "候选人长期不在本小区居住"
        )

    def test_it_refuses_outside_the_window_and_unknown_tokens(self):
        selection = self.open_notice()
        url = f"/roster/gongshi/{selection.notice_token}/"
        with time_machine.travel(dt.datetime(2026, 3, 20, 9, tzinfo=dt.UTC), tick=False):
            r = self.client.get(url)
            self.assertContains(r, "不在公示期内")
            r = self.client.post(url, {"text": "晚了"})
            self.assertEqual(r.status_code, 400)
        self.assertFalse(Objection.objects.exists())
        self.assertEqual(self.client.get("/roster/gongshi/nope/").status_code, 404)
        self.assertEqual(Selection.objects.get().status, "public_notice")

    def test_it_needs_text_and_limits_the_rate(self):
        selection = self.open_notice()
        url = f"/roster/gongshi/{selection.notice_token}/"
        self.assertEqual(self.client.post(url, {"text": ""}).status_code, 400)
        from loudong.lib import throttle

        for _ in range(throttle.RESIDENT_LIMIT + 1):
            r = self.client.post(url, {"text": ""})
        self.assertEqual(r.status_code, 429)
        self.assertFalse(Objection.objects.exists())
