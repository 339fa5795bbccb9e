"""不满意 → the community adjusts the leader through the roster; the post is open again."""

import datetime as dt

import time_machine

from loudong.evaluation.actions import rounds, surveys
from loudong.evaluation.models import Evaluation, Notice
from loudong.evaluation.tests.helpers import MoneyTestCase, patch_work
from loudong.evaluation.tests.test_round import figures
from loudong.roster.models import Appointment, Selection

CLOSE = dt.datetime(2025, 12, 10, 10, 0, tzinfo=dt.UTC)
AFTER = dt.datetime(2025, 12, 22, 10, 0, tzinfo=dt.UTC)


class AdjustTestCase(MoneyTestCase):
    def setUp(self):
        self.cast = self.staff(dt.date(2025, 1, 1))
        with time_machine.travel(CLOSE, tick=False):
            self.round = rounds.open_round(
                community=self.community_a, year=2025, acting_user=self.shequ_a
            )
            for e in self.round.evaluations.all():
                bad = e.person_id == self.zhao.pk
                e.attitude_score = 30 if bad else 90
                e.save()
                for slip in surveys.issue_slips(evaluation=e, acting_user=self.shequ_a):
                    surveys.answer(
                        key=slip.key,
                        choices={
                            "visits": "never" if bad else "often",
                            "help": "no" if bad else "timely",
                            "publicity": "no" if bad else "timely",
                            "overall": "unsatisfied" if bad else "satisfied",
                        },
                    )
            with patch_work(
                return_value=figures(
                    households_visited=1,
                    reports_submitted=2,
                    service_records=0,
                    incidents_on_time=0,
                ),
            ):
                rounds.close_round(round=self.round, acting_user=self.shequ_a)
        self.zhao_eval = Evaluation.objects.get(round=self.round, person=self.zhao)
        self.url = f"/evaluation/{self.zhao_eval.pk}/adjust/"
        self.login(self.shequ_a)

    def test_the_grade_calls_for_adjustment(self):
        self.assertEqual(self.zhao_eval.grade_label, "不满意")
        self.assertTrue(self.zhao_eval.needs_adjustment)

    def test_it_waits_for_the_notice_to_end(self):
        with time_machine.travel(CLOSE + dt.timedelta(days=2), tick=False):
            r = self.client.post(self.url, {"notice_date": "2025-12-12", "end": "2025-12-31"})
        self.assertEqual(r.status_code, 400)
        self.assertIn("公示期满后方可调整", r.content.decode())
        self.assertTrue(Appointment.objects.get(pk=self.cast["zhao"].pk).is_active)

    def test_it_adjusts_notifies_and_opens_the_post(self):
        with time_machine.travel(AFTER, tick=False):
            r = self.client.post(self.url, {"notice_date": "2025-12-22", "end": "2025-12-31"})
            self.assertEqual(r.status_code, 302)
            appointment = Appointment.objects.get(pk=self.cast["zhao"].pk)
            self.assertEqual(appointment.status, "ended")
            self.assertEqual(appointment.end_reason, Appointment.EndReason.EVALUATION)
            self.assertEqual(appointment.end, dt.date(2025, 12, 31))
            self.assertEqual(appointment.notice_date, dt.date(2025, 12, 22))
            self.zhao_eval.refresh_from_db()
            self.assertEqual(self.zhao_eval.adjusted_on, dt.date(2025, 12, 22))
            notice = Notice.objects.get(person=self.zhao)
            self.assertIn("不再担任该岗位", notice.text)
            self.assertEqual(
                self.client.get(f"/evaluation/{self.zhao_eval.pk}/adjustment-notice/").status_code,
                200,
            )
            # The post is vacant: a new selection can start.
            from loudong.roster.tests.helpers import make_person

            newcomer = make_person(self.community_a, "孙丽")
            r = self.client.post(
                f"/roster/posts/{self.posts[4].pk}/select/",
                {"candidate": newcomer.pk, "channel": "self"},
            )
            self.assertEqual(r.status_code, 302)
            self.assertTrue(
                Selection.objects.filter(post=self.posts[4], candidate=newcomer).exists()
            )
            # Twice: refused.
            r = self.client.post(self.url, {"notice_date": "2025-12-22", "end": "2025-12-31"})
            self.assertEqual(r.status_code, 400)

    def test_a_satisfied_leader_is_not_adjusted_here(self):
        wang = Evaluation.objects.get(round=self.round, person=self.wang)
        with time_machine.travel(AFTER, tick=False):
            r = self.client.post(
                f"/evaluation/{wang.pk}/adjust/", {"notice_date": "2025-12-22", "end": "2025-12-31"}
            )
        self.assertEqual(r.status_code, 400)
        self.assertTrue(Appointment.objects.get(pk=self.cast["wang"].pk).is_active)

    def test_the_refusals_by_role(self):
        with time_machine.travel(AFTER, tick=False):
            for user, status in ((self.shequ_b, 404), (self.minzheng, 403), (self.leader, 403)):
                self.login(user)
                r = self.client.post(self.url, {"notice_date": "2025-12-22", "end": "2025-12-31"})
                self.assertEqual(r.status_code, status, user)
        self.assertTrue(Appointment.objects.get(pk=self.cast["zhao"].pk).is_active)

    def test_the_leader_is_told_on_their_page(self):
        with time_machine.travel(AFTER, tick=False):
            self.client.post(self.url, {"notice_date": "2025-12-22", "end": "2025-12-31"})
        self.zhao.user = self.outsider
        self.zhao.save()
        self.login(self.outsider)
        page = self.client.get("/evaluation/mine/").content.decode()
        self.assertIn("不再担任该岗位", page)
        self.assertIn("不满意", page)
