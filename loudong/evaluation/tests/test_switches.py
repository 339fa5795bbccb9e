"""The evaluation section is read: flipping a switch changes what a round does."""

import datetime as dt

import time_machine

from loudong.evaluation.actions import adjustments, rounds, surveys
from loudong.evaluation.actions.common import Refused
from loudong.evaluation.models import Evaluation
from loudong.evaluation.tests.helpers import MoneyTestCase, patch_work
from loudong.evaluation.tests.test_round import figures
from loudong.policy.actions import create_profile_version
from loudong.policy.schema import read_builtin

ANSWER = {"visits": "often", "help": "timely", "publicity": "timely", "overall": "satisfied"}
BAD = {"visits": "never", "help": "no", "publicity": "no", "overall": "unsatisfied"}


def new_version(change):
    data = read_builtin("chiyang")
    change(data)
    with time_machine.travel(dt.datetime(2025, 1, 1, tzinfo=dt.UTC), tick=False):
        create_profile_version(name="chiyang", data=data, note="测试", acting_user=None)


@time_machine.travel(dt.datetime(2025, 12, 10, 9, tzinfo=dt.UTC), tick=False)
class EvaluationSwitchesTestCase(MoneyTestCase):
    def setUp(self):
        self.staff(dt.date(2025, 1, 1))

    def close(self, bad=(), work=None):
        round_ = rounds.open_round(community=self.community_a, year=2025, acting_user=self.shequ_a)
        for e in round_.evaluations.all():
            e.attitude_score = 30 if e.person_id in bad else 90
            e.save()
            for slip in surveys.issue_slips(evaluation=e, acting_user=self.shequ_a):
                surveys.answer(key=slip.key, choices=BAD if e.person_id in bad else ANSWER)
        with patch_work(
            return_value=work
            or figures(
                households_visited=0, reports_submitted=0, service_records=0, incidents_on_time=0
            ),
        ):
            return rounds.close_round(round=round_, acting_user=self.shequ_a)

    def test_publish_grades(self):
        round_ = self.close(bad={self.zhao.pk})
        self.assertIsNotNone(round_.notice_end)
        zhao = Evaluation.objects.get(round=round_, person=self.zhao)
        with self.assertRaisesMessage(Refused, "公示期满后方可调整"):
            adjustments.adjust_after_evaluation(
                evaluation=zhao,
                end=dt.date(2025, 12, 31),
                notice_date=dt.date(2025, 12, 10),
                acting_user=self.shequ_a,
            )

    def test_without_publishing_the_adjustment_can_follow_at_once(self):
        new_version(lambda d: d["evaluation"].update(publish_grades=False))
        round_ = self.close(bad={self.zhao.pk})
        self.assertIsNone(round_.notice_end)
        zhao = Evaluation.objects.get(round=round_, person=self.zhao)
        adjustments.adjust_after_evaluation(
            evaluation=zhao,
            end=dt.date(2025, 12, 31),
            notice_date=dt.date(2025, 12, 10),
            acting_user=self.shequ_a,
        )
        self.assertEqual(Evaluation.objects.get(pk=zhao.pk).appointment.end_reason, "evaluation")

    def test_methods(self):
        new_version(lambda d: d["evaluation"].update(methods=["residents_meeting"]))
        round_ = rounds.open_round(community=self.community_a, year=2025, acting_user=self.shequ_a)
        with self.assertRaisesMessage(Refused, "不含问卷调查"):
            surveys.issue_slips(evaluation=round_.evaluations.first(), acting_user=self.shequ_a)

    def test_grade_thresholds_and_factors(self):
        round_ = self.close(work=figures())
        wang = Evaluation.objects.get(round=round_, person=self.wang)
        self.assertEqual(
            (str(wang.score), wang.grade_label, str(wang.factor)), ("98.0", "满意", "1.00")
        )

    def test_a_stricter_table_grades_the_same_work_lower(self):
        new_version(lambda d: d["evaluation"]["grades"][0].update(min_score=99, factor="0.90"))
        round_ = self.close(work=figures())
        wang = Evaluation.objects.get(round=round_, person=self.wang)
        self.assertEqual(
            (str(wang.score), wang.grade_label, str(wang.factor)), ("98.0", "基本满意", "0.50")
        )

    def test_leader_min_answers(self):
        new_version(lambda d: d["evaluation"].update(leader_min_answers=3))
        round_ = rounds.open_round(community=self.community_a, year=2025, acting_user=self.shequ_a)
        for e in round_.evaluations.all():
            e.attitude_score = 90
            e.save()
            for slip in surveys.issue_slips(evaluation=e, acting_user=self.shequ_a)[:3]:
                surveys.answer(key=slip.key, choices=ANSWER)
        with patch_work(return_value=figures()):
            rounds.close_round(round=round_, acting_user=self.shequ_a)
        self.login(self.leader)
        self.assertIn("居民问卷（3 户）", self.client.get("/evaluation/mine/").content.decode())

    def test_the_part_weights(self):
        new_version(
            lambda d: d["evaluation"].update(
                parts=[
                    {"code": "attitude", "label": "工作态度", "weight": 50},
                    {"code": "work", "label": "工作内容", "weight": 0},
                    {"code": "satisfaction", "label": "居民满意度", "weight": 50},
                ]
            )
        )
        round_ = self.close()
        self.assertEqual(str(Evaluation.objects.get(round=round_, person=self.wang).score), "95.0")
