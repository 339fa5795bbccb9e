"""The 三长's voice (004 §四.13): projects proposed with their input; activity ratings."""

import datetime as dt

import time_machine

from loudong.community import ratings as actions
from loudong.community.models import ProjectInput, RatingAnswer, RatingRound, ServiceProject
from loudong.community.tests.life import LifeTestCase

NOW = dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
class VoiceTestCase(LifeTestCase):
    def propose(self, user):
        self.login(user)
        return self.client.post(
            f"/community/projects/new/?community={self.community_a.pk}",
            {"title": "老年助餐点", "description": "在党群服务站设助餐点"},
        )

    def test_a_leader_proposes_the_three_give_input_and_the_community_decides(self):
        self.assertEqual(self.propose(self.head_user).status_code, 302)
        project = ServiceProject.objects.get()
        for user, supports in ((self.leader, "yes"), (self.unit_user, "no")):
            self.login(user)
            r = self.client.post(
                f"/community/projects/{project.pk}/input/", {"supports": supports, "comment": "好"}
            )
            self.assertEqual(r.status_code, 302)
        self.assertEqual(ProjectInput.objects.filter(supports=True).count(), 1)
        self.login(self.shequ_a)
        page = self.client.get(f"/community/projects/?community={self.community_a.pk}")
        self.assertContains(page, "赞成 1，不赞成 1")
        r = self.client.post(
            f"/community/projects/{project.pk}/decide/", {"adopt": "yes", "note": "多数赞成"}
        )
        self.assertEqual(r.status_code, 302)
        project.refresh_from_db()
        self.assertEqual(project.status, "adopted")
        self.login(self.leader)
        self.client.post(f"/community/projects/{project.pk}/input/", {"supports": "no"})
        self.assertEqual(ProjectInput.objects.filter(supports=True).count(), 1)

    def test_an_activity_is_rated_by_the_three_with_results(self):
        self.login(self.shequ_a)
        r = self.client.post(
            f"/community/activities/new/?community={self.community_a.pk}",
            {"title": "重阳节慰问", "date": "2026-10-29"},
        )
        self.assertEqual(r.status_code, 302)
        round_ = RatingRound.objects.get()
        self.assertEqual((round_.kind, len(round_.questions)), ("activity", 3))
        for user, grade in ((self.leader, "good"), (self.head_user, "fair")):
            self.login(user)
            data = {f"q-{q['code']}": grade for q in round_.questions}
            self.assertEqual(
                self.client.post(f"/community/ratings/{round_.pk}/answer/", data).status_code, 302
            )
        self.assertEqual(RatingAnswer.objects.count(), 2)
        self.assertEqual(actions.results(round_)[0]["mean"], 80.0)
        self.login(self.leader)
        page = self.client.get(f"/community/ratings/{round_.pk}/")
        self.assertContains(page, "您已提交")

    def test_a_missing_answer_is_refused_and_nothing_written(self):
        self.login(self.shequ_a)
        self.client.post(
            f"/community/activities/new/?community={self.community_a.pk}",
            {"title": "重阳节慰问", "date": "2026-10-29"},
        )
        round_ = RatingRound.objects.get()
        self.login(self.leader)
        r = self.client.post(f"/community/ratings/{round_.pk}/answer/", {}, follow=True)
        self.assertContains(r, "请选择一项")
        self.assertFalse(RatingAnswer.objects.exists())

    def test_refusals(self):
        self.assertEqual(self.propose(self.shequ_b).status_code, 404)
        self.assertEqual(self.propose(self.minzheng).status_code, 404)
        self.assertFalse(ServiceProject.objects.exists())
        self.propose(self.shequ_a)
        project = ServiceProject.objects.get()
        self.login(self.shequ_a)
        r = self.client.post(f"/community/projects/{project.pk}/input/", {"supports": "yes"})
        self.assertEqual(r.status_code, 403)
        self.login(self.leader)
        r = self.client.post(
            f"/community/projects/{project.pk}/decide/", {"adopt": "yes", "note": "x"}
        )
        self.assertEqual(r.status_code, 403)
        self.login(self.leader_b)
        self.assertEqual(self.client.get(f"/community/projects/{project.pk}/").status_code, 404)
        self.assertFalse(ProjectInput.objects.exists())
        project.refresh_from_db()
        self.assertEqual(project.status, "proposed")


class QuestionnaireSchemaTestCase(LifeTestCase):
    def test_duplicate_codes_and_unscored_questions_are_refused(self):
        from loudong.policy.schema import read_builtin, validate_profile

        data = read_builtin("changchun")
        self.assertEqual(validate_profile(data), [])
        questions = data["ratings"]["property_questions"]
        questions[1]["code"] = questions[0]["code"]
        for option in questions[2]["options"]:
            option["score"] = None
        errors = validate_profile(data)
        self.assertIn("ratings.property_questions：题目代码不能重复", errors)
        self.assertIn("ratings.property_questions[2].options：至少要有一个计分的选项", errors)
