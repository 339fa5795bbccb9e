import datetime as dt
from unittest import mock

from loudong.accounts.models import AuditEvent
from loudong.roster.models import Selection, SelectionStep
from loudong.roster.tests.helpers import RosterTestCase, make_selection

CHAIN = [
    ("self_nomination", "resident_nomination", "shequ_a"),
    ("resident_nomination", "community_recommendation", "shequ_a"),
    ("community_recommendation", "party_review", "shequ_a"),
    ("party_review", "subdistrict_approval", "shequ_a"),
    ("subdistrict_approval", "public_notice", "jiedao"),
]


class MoveTestCase(RosterTestCase):
    def post_move(self, selection, to_status, **data):
        return self.client.post(
            f"/roster/selections/{selection.pk}/move/", {"to_status": to_status, **data}
        )

    def test_it_walks_every_step_with_the_right_roles(self):
        selection = make_selection(self.post_a1, self.person_a)
        for here, there, who in CHAIN:
            self.login(getattr(self, who))
            data = {"notice_start": "2026-03-02"} if there == "public_notice" else {}
            r = self.post_move(selection, there, outcome="同意", **data)
            self.assertEqual(r.status_code, 302, (here, there, r.content.decode()[:2000]))
            selection.refresh_from_db()
            self.assertEqual(selection.status, there)
            step = SelectionStep.objects.filter(selection=selection).latest("id")
            self.assertEqual((step.from_status, step.to_status), (here, there))
            self.assertEqual(step.actor, getattr(self, who))
        self.assertEqual(
            AuditEvent.objects.filter(action="roster.selection_move").count(), len(CHAIN)
        )
        # 2026-03-02 is a Monday: five working days end on Friday 03-06.
        self.assertEqual(selection.notice_end, dt.date(2026, 3, 6))

    def test_it_ends_the_notice_after_the_national_day_holiday(self):
        selection = make_selection(self.post_a1, self.person_a, status="subdistrict_approval")
        self.login(self.jiedao)
        r = self.post_move(selection, "public_notice", notice_start="2026-09-30")
        self.assertEqual(r.status_code, 302)
        selection.refresh_from_db()
        # 国庆/中秋 2026: 10-01..07 off; 09-30 counts as day 1, then 10-08, 10-09, the
        # 调休 Saturday 10-10 and Monday 10-12: the 5th working day is 10-12.
        self.assertEqual(selection.notice_end, dt.date(2026, 10, 12))

    def test_it_refuses_approval_by_a_community_worker(self):
        selection = make_selection(self.post_a1, self.person_a, status="subdistrict_approval")
        self.login(self.shequ_a)
        r = self.post_move(selection, "public_notice", notice_start="2026-03-02")
        self.assertEqual(r.status_code, 403)
        selection.refresh_from_db()
        self.assertEqual(selection.status, "subdistrict_approval")
        self.assertFalse(SelectionStep.objects.exists())
        self.assertTrue(AuditEvent.objects.filter(action="roster.refused").exists())

    def test_it_refuses_party_review_by_a_worker_outside_the_committee(self):
        self.shequ_a.role_assignments.update(is_committee=False)
        selection = make_selection(self.post_a1, self.person_a, status="party_review")
        self.login(self.shequ_a)
        r = self.post_move(selection, "subdistrict_approval")
        self.assertEqual(r.status_code, 403)
        selection.refresh_from_db()
        self.assertEqual(selection.status, "party_review")

    def test_it_lets_the_subdistrict_admin_do_the_party_review(self):
        selection = make_selection(self.post_a1, self.person_a, status="party_review")
        self.login(self.jiedao)
        self.assertEqual(self.post_move(selection, "subdistrict_approval").status_code, 302)

    def test_it_refuses_a_step_out_of_order(self):
        selection = make_selection(self.post_a1, self.person_a)
        self.login(self.shequ_a)
        r = self.post_move(selection, "party_review")
        self.assertContains(r, "不能直接转到", status_code=400)
        selection.refresh_from_db()
        self.assertEqual(selection.status, "self_nomination")
        self.assertFalse(SelectionStep.objects.exists())

    def test_it_refuses_appointed_through_move(self):
        selection = make_selection(
            self.post_a1,
            self.person_a,
            status="public_notice",
            notice_start=dt.date(2026, 1, 5),
            notice_end=dt.date(2026, 1, 9),
        )
        self.login(self.shequ_a)
        self.assertEqual(self.post_move(selection, "appointed").status_code, 400)

    def test_it_rejects_with_a_reason(self):
        selection = make_selection(self.post_a1, self.person_a, status="community_recommendation")
        self.login(self.shequ_a)
        self.assertEqual(self.post_move(selection, "rejected").status_code, 400)
        r = self.post_move(selection, "rejected", outcome="居民意见较大")
        self.assertEqual(r.status_code, 302)
        selection.refresh_from_db()
        self.assertEqual((selection.status, selection.end_reason), ("rejected", "居民意见较大"))
        self.assertFalse(selection.is_open)

    def test_it_withdraws(self):
        selection = make_selection(self.post_a1, self.person_a)
        self.login(self.shequ_a)
        self.assertEqual(self.post_move(selection, "withdrawn", notes="本人撤回").status_code, 302)
        selection.refresh_from_db()
        self.assertEqual(selection.status, "withdrawn")

    def test_it_shows_only_the_buttons_the_user_may_press(self):
        selection = make_selection(self.post_a1, self.person_a, status="subdistrict_approval")
        self.login(self.shequ_a)
        r = self.client.get(f"/roster/selections/{selection.pk}/")
        self.assertNotContains(r, 'value="public_notice"')
        self.assertContains(r, 'value="withdrawn"')
        self.login(self.jiedao)
        r = self.client.get(f"/roster/selections/{selection.pk}/")
        self.assertContains(r, 'value="public_notice"')

    def test_it_answers_404_to_the_other_community_and_outsiders(self):
        selection = make_selection(self.post_a1, self.person_a)
        for user in (self.shequ_b, self.outsider, self.xitong, self.anquan, self.shenji):
            self.login(user)
            self.assertEqual(
                self.post_move(selection, "resident_nomination").status_code, 404, user.username
            )
            self.assertEqual(
                self.client.get(f"/roster/selections/{selection.pk}/").status_code, 404
            )
        selection.refresh_from_db()
        self.assertEqual(selection.status, "self_nomination")

    def test_it_answers_403_to_read_only_roles(self):
        selection = make_selection(self.post_a1, self.person_a)
        for user in (self.minzheng, self.leader):
            self.login(user)
            self.assertEqual(self.post_move(selection, "resident_nomination").status_code, 403)
        self.assertFalse(SelectionStep.objects.exists())
        self.assertEqual(Selection.objects.get().status, "self_nomination")

    def test_it_rejects_get(self):
        selection = make_selection(self.post_a1, self.person_a)
        self.login(self.shequ_a)
        self.assertEqual(
            self.client.get(f"/roster/selections/{selection.pk}/move/").status_code, 405
        )

    def test_it_shows_calendar_warnings(self):
        selection = make_selection(self.post_a1, self.person_a, status="subdistrict_approval")
        self.login(self.jiedao)
        with mock.patch(
            "loudong.roster.actions.notice_period",
            return_value=(dt.date(2031, 1, 10), ["2031 年节假日尚未公布"]),
        ):
            self.post_move(selection, "public_notice", notice_start="2031-01-06")
        r = self.client.get(f"/roster/selections/{selection.pk}/")
        self.assertContains(r, "2031 年节假日尚未公布")


class StartSelectionTestCase(RosterTestCase):
    def test_it_starts_at_the_channel_step(self):
        self.login(self.shequ_a)
        r = self.client.post(
            f"/roster/posts/{self.post_a1.pk}/select/",
            {"candidate": self.person_a.pk, "channel": "organization"},
        )
        self.assertEqual(r.status_code, 302)
        selection = Selection.objects.get()
        self.assertEqual(selection.status, "community_recommendation")
        self.assertEqual(selection.steps.count(), 1)
        self.assertTrue(AuditEvent.objects.filter(action="roster.selection_start").exists())

    def test_it_refuses_the_other_communitys_worker(self):
        self.login(self.shequ_b)
        r = self.client.post(
            f"/roster/posts/{self.post_a1.pk}/select/",
            {"candidate": self.person_a.pk, "channel": "self"},
        )
        self.assertEqual(r.status_code, 404)
        self.assertFalse(Selection.objects.exists())
