"""Opening a round, scoring, closing it with grades (through the pages)."""

import datetime as dt
from decimal import Decimal

import time_machine

from loudong.accounts.models import AuditEvent
from loudong.evaluation.actions import surveys
from loudong.evaluation.models import Answer, Evaluation, Round
from loudong.evaluation.tests.helpers import MoneyTestCase, appoint, patch_work
from loudong.fieldwork.figures import WorkFigures

DAY = dt.datetime(2025, 12, 10, 10, 0, tzinfo=dt.UTC)


def figures(**kw):
    base = dict(
        households=5,
        households_visited=5,
        visits=20,
        service_records=24,
        incidents_reported=2,
        incidents_on_time=2,
        reports_due=12,
        reports_submitted=12,
    )
    base.update(kw)
    return WorkFigures(**base)


@time_machine.travel(DAY, tick=False)
class RoundTestCase(MoneyTestCase):
    def setUp(self):
        self.cast = self.staff(dt.date(2025, 1, 1))

    def open(self, year=2025, user=None):
        self.login(user or self.shequ_a)
        return self.client.post(
            "/evaluation/open/", {"community": self.community_a.pk, "year": year}
        )

    def answer_all(self, evaluation, choice="satisfied", n=5):
        slips = surveys.issue_slips(evaluation=evaluation, acting_user=self.shequ_a)
        for slip in slips[:n]:
            surveys.answer(
                key=slip.key,
                choices={
                    "visits": "often",
                    "help": "timely",
                    "publicity": "timely",
                    "overall": choice,
                },
            )
        return slips

    def test_it_opens_one_evaluation_per_post_held_that_year(self):
        r = self.open()
        self.assertEqual(r.status_code, 302)
        round_ = Round.objects.get(community=self.community_a, year=2025)
        # 王 1 + 刘 3 (兼任: each grid's households) + 赵 1
        self.assertEqual(round_.evaluations.count(), 5)
        self.assertEqual(round_.evaluations.filter(person=self.liu).count(), 3)
        self.assertEqual(round_.questions.count(), 4)
        self.assertEqual((round_.profile_name, round_.profile_version), ("chiyang", 1))
        self.assertTrue(AuditEvent.objects.filter(action="evaluation.round_open").exists())

    def test_it_refuses_a_second_round_for_the_year(self):
        self.open()
        r = self.open()
        self.assertEqual(r.status_code, 400)
        self.assertEqual(Round.objects.count(), 1)
        self.assertIn("已经开始", r.content.decode())

    def test_it_refuses_a_future_year(self):
        r = self.open(2027)
        self.assertEqual(r.status_code, 400)
        self.assertFalse(Round.objects.exists())

    def test_the_refusals_by_role(self):
        self.assertEqual(self.open(user=self.shequ_b).status_code, 400)  # not their community
        self.assertFalse(Round.objects.exists())
        self.open()
        round_ = Round.objects.get()
        for user, status in ((self.shequ_b, 404), (self.outsider, 404), (self.leader, 403)):
            self.login(user)
            self.assertEqual(
                self.client.get(f"/evaluation/rounds/{round_.pk}/").status_code, status
            )
        self.login(self.minzheng)
        self.assertEqual(self.client.get(f"/evaluation/rounds/{round_.pk}/").status_code, 200)
        r = self.client.post(f"/evaluation/rounds/{round_.pk}/close/")
        self.assertEqual(r.status_code, 403)
        self.assertTrue(Round.objects.get().is_open)
        self.login_admin(self.xitong)
        self.assertEqual(self.client.get(f"/evaluation/rounds/{round_.pk}/").status_code, 404)

    def test_it_rejects_get_on_the_verbs(self):
        self.open()
        round_ = Round.objects.get()
        self.assertEqual(self.client.get(f"/evaluation/rounds/{round_.pk}/close/").status_code, 405)

    def test_it_closes_with_grades_explained(self):
        self.open()
        round_ = Round.objects.get()
        evaluations = list(round_.evaluations.order_by("id"))
        for e in evaluations:
            self.answer_all(e, "satisfied" if e.person != self.zhao else "unsatisfied")
        self.client.post(
            f"/evaluation/rounds/{round_.pk}/attitudes/",
            {f"attitude_{e.pk}": (90 if e.person != self.zhao else 30) for e in evaluations},
        )
        zhao = round_.evaluations.get(person=self.zhao)
        with patch_work(
            side_effect=lambda appointment, start, end: (
                figures(
                    households_visited=0,
                    reports_submitted=0,
                    service_records=0,
                    incidents_on_time=0,
                )
                if appointment.person_id == self.zhao.pk
                else figures()
            ),
        ):
            r = self.client.post(f"/evaluation/rounds/{round_.pk}/close/")
        self.assertEqual(r.status_code, 302)
        round_.refresh_from_db()
        self.assertFalse(round_.is_open)
        self.assertEqual(round_.notice_start, dt.date(2025, 12, 10))
        self.assertEqual(round_.notice_end, dt.date(2025, 12, 16))  # 5 working days
        wang = round_.evaluations.get(person=self.wang)
        self.assertEqual(wang.grade_label, "满意")
        self.assertEqual(wang.factor, Decimal("1.00"))
        # 90 × 20% + 100 × 40% + 100 × 40% = 98
        self.assertEqual(wang.score, Decimal("98.0"))
        self.assertEqual(wang.answers, 5)
        self.assertIn("合计 98 分", wang.explanation[-1])
        zhao.refresh_from_db()
        self.assertEqual(zhao.grade_label, "不满意")
        self.assertTrue(zhao.needs_adjustment)
        page = self.client.get(f"/evaluation/{zhao.pk}/").content.decode()
        self.assertIn("由社区居委会予以调整", page)

    def test_closing_refuses_all_when_one_cannot_be_scored(self):
        self.open()
        round_ = Round.objects.get()
        evaluations = list(round_.evaluations.all())
        for e in evaluations[1:]:
            self.answer_all(e)
            e.attitude_score = 80
            e.save()
        r = self.client.post(f"/evaluation/rounds/{round_.pk}/close/", follow=True)
        self.assertIn("以下评议尚不能评定", r.content.decode())
        self.assertIn("工作态度、居民满意度", r.content.decode())
        self.assertTrue(Round.objects.get().is_open)
        self.assertFalse(Evaluation.objects.filter(status="closed").exists())

    def test_it_refuses_an_evaluation_for_a_post_not_held_that_year(self):
        self.open()
        round_ = Round.objects.get()
        r = self.client.post(
            f"/evaluation/rounds/{round_.pk}/add/",
            {"person": self.wang.pk, "post": self.posts[4].pk},
        )
        self.assertEqual(r.status_code, 400)
        self.assertIn("王建国在 2025 年没有担任", r.content.decode())
        self.assertEqual(round_.evaluations.count(), 5)

    def test_it_adds_a_back_dated_appointment(self):
        self.open()
        round_ = Round.objects.get()
        newcomer = appoint(self.li, self.post_b, dt.date(2025, 3, 1))  # 社区 B: not ours
        del newcomer
        from loudong.roster.tests.helpers import make_person

        chen = make_person(self.community_a, "陈德明")
        self.cast["zhao"].end = dt.date(2025, 6, 30)
        self.cast["zhao"].status = "ended"
        self.cast["zhao"].save()
        appoint(chen, self.posts[4], dt.date(2025, 7, 1))
        r = self.client.post(
            f"/evaluation/rounds/{round_.pk}/add/", {"person": chen.pk, "post": self.posts[4].pk}
        )
        self.assertEqual(r.status_code, 302)
        self.assertEqual(round_.evaluations.filter(person=chen).count(), 1)

    def test_a_changed_attitude_needs_a_reason(self):
        self.open()
        e = Round.objects.get().evaluations.first()
        url = f"/evaluation/{e.pk}/attitude/"
        self.assertEqual(self.client.post(url, {"score": 80}).status_code, 302)
        r = self.client.post(url, {"score": 60})
        self.assertEqual(r.status_code, 400)
        self.assertIn("修改须填写理由", r.content.decode())
        e.refresh_from_db()
        self.assertEqual(e.attitude_score, 80)
        self.assertEqual(self.client.post(url, {"score": 60, "note": "经复核"}).status_code, 302)
        event = AuditEvent.objects.filter(action="evaluation.attitude").order_by("seq").last()
        self.assertEqual(
            (event.old, event.new, event.reason),
            ({"attitude_score": 80}, {"attitude_score": 60}, "经复核"),
        )

    def test_a_work_score_other_than_the_proposal_needs_a_reason(self):
        self.open()
        e = Round.objects.get().evaluations.first()
        with patch_work(return_value=figures()):
            r = self.client.post(f"/evaluation/{e.pk}/work-score/", {"score": "80"})
            self.assertEqual(r.status_code, 400)
            self.assertIn("工作记录建议 100 分", r.content.decode())
            r = self.client.post(
                f"/evaluation/{e.pk}/work-score/", {"score": "80", "reason": "记录不全"}
            )
        self.assertEqual(r.status_code, 302)
        e.refresh_from_db()
        self.assertEqual((e.work_score, e.work_reason), (Decimal("80.0"), "记录不全"))

    def test_a_meeting_tally_counts_for_the_evaluation(self):
        self.open()
        e = Round.objects.get().evaluations.get(person=self.wang)
        r = self.client.post(
            f"/evaluation/{e.pk}/meeting/",
            {
                "date": "2025-12-05",
                "households": 5,
                "attendance": 5,
                "votes_for": 4,
                "votes_against": 1,
                "abstentions": 0,
            },
        )
        self.assertEqual(r.status_code, 302)
        link = e.meeting_links.get()
        self.assertEqual((link.question.votes_for, link.question.meeting.attendance), (4, 5))
        # More votes than attended: the meeting's own check, nothing written.
        r = self.client.post(
            f"/evaluation/{e.pk}/meeting/",
            {
                "date": "2025-12-05",
                "households": 5,
                "attendance": 3,
                "votes_for": 4,
                "votes_against": 1,
                "abstentions": 0,
            },
        )
        self.assertEqual(r.status_code, 400)
        self.assertEqual(e.meeting_links.count(), 1)

    def test_a_new_profile_version_never_rewrites_a_closed_evaluation(self):
        from loudong.policy.actions import create_profile_version
        from loudong.policy.schema import read_builtin

        self.open()
        round_ = Round.objects.get()
        for e in round_.evaluations.all():
            self.answer_all(e)
            e.attitude_score = 90
            e.save()
        with patch_work(return_value=figures()):
            self.client.post(f"/evaluation/rounds/{round_.pk}/close/")
        before = list(round_.evaluations.values_list("score", "grade", "factor"))
        data = read_builtin("chiyang")
        data["evaluation"]["grades"][0]["factor"] = "0.80"
        data["evaluation"]["parts"][0]["weight"] = 40
        data["evaluation"]["parts"][1]["weight"] = 20
        create_profile_version(name="chiyang", data=data, note="测试", acting_user=self.jiedao)
        self.assertEqual(list(round_.evaluations.values_list("score", "grade", "factor")), before)
        self.assertEqual(Round.objects.get().profile().version, 1)

    def test_answer_counts_show_on_the_progress_page(self):
        self.open()
        round_ = Round.objects.get()
        self.answer_all(round_.evaluations.get(person=self.wang), n=3)
        self.assertEqual(Answer.objects.count(), 3)
        page = self.client.get(f"/evaluation/rounds/{round_.pk}/").content.decode()
        self.assertIn("共 3 户", page)
