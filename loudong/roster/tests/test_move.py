import datetime as dt
from unittest import mock

import time_machine

from loudong.accounts.models import AuditEvent
from loudong.roster.models import Selection, SelectionStep
from loudong.roster.tests.helpers import RosterTestCase, make_selection

# 000 §三.3: the 居委会 recommends, the 社区党组织 reviews, the 街道党工委 approves.
CHAIN = [
    ("self_nomination", "resident_nomination", "shequ_a"),
    ("resident_nomination", "community_recommendation", "shequ_a"),
    ("community_recommendation", "party_review", "shequ_a"),
    ("party_review", "subdistrict_approval", "dangwei_a"),
    ("subdistrict_approval", "public_notice", "jiedao"),
]
# A Monday: the 公示 may start that day (the approval's).
MONDAY = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def meeting_result(client, selection, votes_for=30, votes_against=2, **more):
    data = {
        "date": "2026-02-27",
        "households": 40,
        "attendance": 34,
        "votes_for": votes_for,
        "votes_against": votes_against,
        "abstentions": 2,
        **more,
    }
    return client.post(f"/roster/selections/{selection.pk}/meeting/", data)


@time_machine.travel(MONDAY, tick=False)
class MoveTestCase(RosterTestCase):
    def post_move(self, selection, to_status, **data):
        return self.client.post(
            f"/roster/selections/{selection.pk}/move/", {"to_status": to_status, **data}
        )

    def test_it_walks_every_step_with_the_right_roles(self):
        selection = make_selection(self.post_a1, self.person_a)
        for here, there, who in CHAIN:
            self.login(getattr(self, who))
            if here == "resident_nomination":
                self.assertEqual(meeting_result(self.client, selection).status_code, 302)
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
        # The printed notice names every step the case went through.
        r = self.client.get(f"/documents/selections/{selection.pk}/notice/")
        self.assertContains(r, "经个人自荐、居民推选、社区推荐、社区党组织审查、街道党工委审批，")

    @time_machine.travel(dt.datetime(2026, 9, 29, 9, tzinfo=dt.UTC), tick=False)
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

    def test_it_refuses_party_review_by_a_worker_outside_the_party_organisation(self):
        selection = make_selection(self.post_a1, self.person_a, status="party_review")
        self.login(self.shequ_a)  # a 两委 member, but not of the 社区党组织
        r = self.post_move(selection, "subdistrict_approval")
        self.assertEqual(r.status_code, 403)
        selection.refresh_from_db()
        self.assertEqual(selection.status, "party_review")

    def test_it_refuses_the_party_review_to_the_subdistrict_admin(self):
        selection = make_selection(self.post_a1, self.person_a, status="party_review")
        self.login(self.jiedao)
        self.assertEqual(self.post_move(selection, "subdistrict_approval").status_code, 403)
        selection.refresh_from_db()
        self.assertEqual(selection.status, "party_review")

    def test_it_refuses_one_person_doing_two_bodies_steps(self):
        # dangwei_a recommends as the 居委会, then may not also review as the 党组织.
        selection = make_selection(self.post_a1, self.person_a, status="community_recommendation")
        self.login(self.dangwei_a)
        self.assertEqual(self.post_move(selection, "party_review").status_code, 302)
        r = self.post_move(selection, "subdistrict_approval")
        self.assertEqual(r.status_code, 403)
        selection.refresh_from_db()
        self.assertEqual(selection.status, "party_review")
        r = self.client.get(f"/roster/selections/{selection.pk}/")
        self.assertContains(r, "须由不同人员办理")
        self.assertNotContains(r, 'value="subdistrict_approval"')

    def test_it_refuses_to_leave_resident_nomination_without_a_result(self):
        selection = make_selection(self.post_a1, self.person_a, status="resident_nomination")
        self.login(self.shequ_a)
        r = self.post_move(selection, "community_recommendation")
        self.assertContains(r, "居民推选尚无结果", status_code=400)
        selection.refresh_from_db()
        self.assertEqual(selection.status, "resident_nomination")

    def test_it_refuses_a_residents_result_with_more_against_than_for(self):
        selection = make_selection(self.post_a1, self.person_a, status="resident_nomination")
        self.login(self.shequ_a)
        meeting_result(self.client, selection, votes_for=10, votes_against=20)
        r = self.post_move(selection, "community_recommendation")
        self.assertContains(r, "赞成未多于反对", status_code=400)
        self.assertContains(r, "参与 34/40 户（85.0%）", status_code=400)

    def test_it_applies_the_profiles_minimum_turnout(self):
        from loudong.policy.actions import create_profile_version
        from loudong.policy.schema import read_builtin

        data = read_builtin("chiyang")
        data["selection"]["min_turnout_pct"] = 90
        create_profile_version(name="chiyang", data=data, note="参与率", acting_user=self.jiedao)
        selection = make_selection(self.post_a1, self.person_a, status="resident_nomination")
        self.login(self.shequ_a)
        meeting_result(self.client, selection)
        r = self.post_move(selection, "community_recommendation")
        self.assertContains(r, "最低参与率 90%", status_code=400)

    def test_it_refuses_a_notice_starting_before_the_approval(self):
        selection = make_selection(self.post_a1, self.person_a, status="subdistrict_approval")
        self.login(self.jiedao)
        for day in ("2020-01-06", "2026-02-27", "2026-06-01"):
            r = self.post_move(selection, "public_notice", notice_start=day)
            self.assertEqual(r.status_code, 400, day)
        selection.refresh_from_db()
        self.assertEqual(selection.status, "subdistrict_approval")
        self.assertIsNone(selection.notice_start)

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

    @time_machine.travel(dt.datetime(2031, 1, 6, 9, tzinfo=dt.UTC), tick=False)
    def test_it_shows_calendar_warnings(self):
        selection = make_selection(self.post_a1, self.person_a, status="subdistrict_approval")
        self.login(self.jiedao)
        with mock.patch(
            "loudong.roster.actions.selections.notice_end",
            return_value=(dt.date(2031, 1, 10), ["2031 年节假日尚未公布"]),
        ):
            self.post_move(selection, "public_notice", notice_start="2031-01-06")
        r = self.client.get(f"/roster/selections/{selection.pk}/")
        self.assertContains(r, "2031 年节假日尚未公布")


class StartSelectionTestCase(RosterTestCase):
    def test_it_runs_all_six_steps_whatever_the_channel(self):
        # 000 §三.3: one procedure; 组织推荐 only records how the candidate came forward.
        self.login(self.shequ_a)
        r = self.client.post(
            f"/roster/posts/{self.post_a1.pk}/select/",
            {"candidate": self.person_a.pk, "channel": "organization"},
        )
        self.assertEqual(r.status_code, 302)
        selection = Selection.objects.get()
        self.assertEqual(selection.status, "self_nomination")
        self.assertEqual(selection.channel, "organization")
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
