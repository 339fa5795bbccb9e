"""Residents answer through their household's slip: once, anonymously, only while open."""

import datetime as dt

import time_machine

from loudong.evaluation.actions import rounds, surveys
from loudong.evaluation.models import Answer, PaperBatch, SurveyToken
from loudong.evaluation.tests.helpers import MoneyTestCase, patch_work
from loudong.evaluation.tests.test_round import figures

DAY = dt.datetime(2025, 12, 10, 10, 0, tzinfo=dt.UTC)
ANSWER = {"q_visits": "often", "q_help": "none", "q_publicity": "timely", "q_overall": "satisfied"}


@time_machine.travel(DAY, tick=False)
class SurveyTestCase(MoneyTestCase):
    def setUp(self):
        self.cast = self.staff(dt.date(2025, 1, 1))
        self.round = rounds.open_round(
            community=self.community_a, year=2025, acting_user=self.shequ_a
        )
        self.evaluation = self.round.evaluations.get(person=self.wang)

    def slips(self):
        self.login(self.shequ_a)
        r = self.client.post(f"/evaluation/{self.evaluation.pk}/slips/")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Cache-Control"], "no-store")
        return list(SurveyToken.objects.filter(evaluation=self.evaluation)), r.content.decode()

    def key(self):
        return surveys.issue_slips(evaluation=self.evaluation, acting_user=self.shequ_a)

    def test_it_prints_one_slip_per_occupied_household(self):
        tokens, page = self.slips()
        self.assertEqual(len(tokens), 5)  # the vacant sixth household gets none
        self.assertEqual(page.count('class="slip"'), 5)
        self.assertIn("data:image/svg+xml", page)
        self.assertIn("回执 No.1", page)

    def test_a_household_answers_once_anonymously(self):
        slip = self.key()[0]
        self.client.logout()
        url = f"/q/{slip.key}/"
        page = self.client.get(url)
        self.assertEqual(page.status_code, 200)
        self.assertEqual(page["Referrer-Policy"], "same-origin")
        r = self.client.post(url, ANSWER)
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "提交成功")
        answer = Answer.objects.get()
        self.assertEqual(answer.day, dt.date(2025, 12, 10))
        self.assertEqual(answer.choices["overall"], "satisfied")
        # Nothing links the answer to the token or the household.
        field_names = {f.name for f in Answer._meta.get_fields()}
        self.assertFalse(field_names & {"token", "household", "created", "time"})
        token = SurveyToken.objects.get(key_hash=surveys.hash_key(slip.key))
        self.assertTrue(token.used)
        self.assertFalse({f.name for f in SurveyToken._meta.get_fields()} & {"used_at", "answered"})
        # A second answer from the same household is refused and writes nothing.
        r = self.client.post(url, ANSWER)
        self.assertEqual(r.status_code, 409)
        self.assertContains(r, "每户只能提交一次", status_code=409)
        self.assertEqual(Answer.objects.count(), 1)

    def test_it_refuses_an_incomplete_answer(self):
        slip = self.key()[0]
        r = self.client.post(f"/q/{slip.key}/", {"q_visits": "often"})
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "请回答第 2 题", status_code=400)
        self.assertFalse(Answer.objects.exists())
        self.assertFalse(SurveyToken.objects.filter(used=True).exists())
        r = self.client.post(f"/q/{slip.key}/", {**ANSWER, "q_overall": "great"})
        self.assertEqual(r.status_code, 400)

    def test_it_refuses_an_answer_after_the_round_closed(self):
        slips = self.key()
        for slip in slips[:4]:
            surveys.answer(key=slip.key, choices={k[2:]: v for k, v in ANSWER.items()})
        for e in self.round.evaluations.all():
            e.attitude_score = 90
            e.save()
            if e.pk != self.evaluation.pk:
                for s in surveys.issue_slips(evaluation=e, acting_user=self.shequ_a)[:1]:
                    surveys.answer(key=s.key, choices={k[2:]: v for k, v in ANSWER.items()})
        with patch_work(return_value=figures()):
            rounds.close_round(round=self.round, acting_user=self.shequ_a)
        r = self.client.post(f"/q/{slips[4].key}/", ANSWER)
        self.assertEqual(r.status_code, 410)
        self.assertContains(r, "本次评议已经结束", status_code=410)
        self.assertEqual(Answer.objects.filter(evaluation=self.evaluation).count(), 4)
        self.assertFalse(SurveyToken.objects.get(key_hash=surveys.hash_key(slips[4].key)).used)

    def test_an_unknown_key_is_a_404(self):
        r = self.client.get("/q/not-a-key/")
        self.assertEqual(r.status_code, 404)

    def test_a_reprint_voids_unused_slips_and_keeps_numbers(self):
        first = self.key()
        surveys.answer(key=first[0].key, choices={k[2:]: v for k, v in ANSWER.items()})
        second = self.key()
        self.assertEqual(len(second), 4)
        self.assertEqual([s.slip_no for s in second], [2, 3, 4, 5])
        self.assertEqual(self.client.get(f"/q/{first[1].key}/").status_code, 404)

    def test_paper_forms_are_entered_as_tallies_and_spend_their_slips(self):
        self.key()
        self.login(self.shequ_a)
        data = {
            "slips": "1, 2-3",
            "q_overall_satisfied": 2,
            "q_overall_basic": 1,
            "q_visits_often": 3,
        }
        r = self.client.post(f"/evaluation/{self.evaluation.pk}/paper/", data)
        self.assertEqual(r.status_code, 302)
        batch = PaperBatch.objects.get()
        self.assertEqual(batch.forms, 3)
        self.assertEqual(batch.counts["overall"], {"satisfied": 2, "basic": 1})
        self.assertEqual(SurveyToken.objects.filter(used=True).count(), 3)
        # The same slips again: refused, nothing written.
        r = self.client.post(
            f"/evaluation/{self.evaluation.pk}/paper/", {"slips": "3, 4", "q_overall_satisfied": 2}
        )
        self.assertEqual(r.status_code, 400)
        self.assertIn("以下回执已经作答", r.content.decode())
        self.assertEqual(PaperBatch.objects.count(), 1)
        # More answers to a question than forms returned.
        r = self.client.post(
            f"/evaluation/{self.evaluation.pk}/paper/", {"slips": "4", "q_overall_satisfied": 2}
        )
        self.assertEqual(r.status_code, 400)
        self.assertIn("多于收回的 1 份", r.content.decode())

    def close_with(self, wang_answers: int):
        """Close the round with ``wang_answers`` answers for 王建国 (others get one each)."""
        slips = self.key()
        for slip in slips[:wang_answers]:
            surveys.answer(key=slip.key, choices={k[2:]: v for k, v in ANSWER.items()})
        for e in self.round.evaluations.all():
            e.attitude_score = 90
            e.save()
            if e.pk != self.evaluation.pk:
                s = surveys.issue_slips(evaluation=e, acting_user=self.shequ_a)[0]
                surveys.answer(key=s.key, choices={k[2:]: v for k, v in ANSWER.items()})
        with patch_work(return_value=figures()):
            rounds.close_round(round=self.round, acting_user=self.shequ_a)

    def test_the_leader_sees_no_distribution_while_the_round_is_open(self):
        for slip in self.key():
            surveys.answer(key=slip.key, choices={k[2:]: v for k, v in ANSWER.items()})
        self.login(self.leader)
        page = self.client.get("/evaluation/mine/").content.decode()
        self.assertIn("已有 5 户居民作答", page)
        self.assertIn("问卷结果在评议结束后显示", page)
        self.assertNotIn("居民问卷（", page)
        # Nor the worker's page, nor the API's details.
        self.assertEqual(self.client.get(f"/evaluation/{self.evaluation.pk}/").status_code, 403)
        api = self.client.get("/api/v1/evaluations").json()
        self.assertEqual([i["person"] for i in api["items"]], [self.wang.pk])
        self.assertIsNone(api["items"][0]["explanation"])

    def test_the_leader_sees_results_only_with_five_answers(self):
        self.close_with(4)
        self.login(self.leader)
        page = self.client.get("/evaluation/mine/").content.decode()
        self.assertIn("满意", page)  # the grade is theirs to know
        self.assertIn("不足 5 户", page)
        self.assertNotIn("居民问卷（", page)
        api = self.client.get("/api/v1/evaluations").json()["items"][0]
        self.assertIsNone(api["answers"])
        self.assertIsNone(api["score"])

    def test_with_five_answers_the_leader_sees_the_closed_results(self):
        self.close_with(5)
        self.login(self.leader)
        page = self.client.get("/evaluation/mine/").content.decode()
        self.assertIn("居民问卷（5 户）", page)
        api = self.client.get("/api/v1/evaluations").json()["items"][0]
        self.assertEqual((api["answers"], api["score"]), (5, "98.0"))

    def test_the_about_page_explains_without_a_token(self):
        r = self.client.get(f"/q/about/{self.round.public_key}/")
        self.assertContains(r, "评议正在进行")
        self.assertNotContains(r, "<form")
