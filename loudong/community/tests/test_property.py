"""物业 and 业委会 (004 §二.8): register, a leader's supervision note reaching the community as
an incident, the 三长's property rating per compound and period with .xlsx export, the switches
``ratings.property_period`` and ``rater_kinds``; /api/v1/property-ratings."""

import datetime as dt
import io

import time_machine
from openpyxl import load_workbook

from loudong.accounts.models import AuditEvent
from loudong.community import property as actions
from loudong.community import ratings as rating_actions
from loudong.community.models import CompoundBody, RatingAnswer, RatingRound, SupervisionNote
from loudong.community.tests.life import LifeTestCase, flip
from loudong.fieldwork.models import Incident

NOW = dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
class PropertyTestCase(LifeTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.body = actions.save_body(
            compound=cls.compound_a,
            kind="property",
            name="长春万达物业",
            contact="孙经理",
            phone="0431-85651234",
            acting_user=cls.shequ_a,
        )

    def note(self, user, **data):
        self.login(user)
        data.setdefault("body", self.body.pk)
        data.setdefault("date", "2026-11-09")
        data.setdefault("checked", "消防通道、垃圾清运")
        return self.client.post(
            f"/community/property/notes/new/?community={self.community_a.pk}", data
        )

    def test_a_worker_registers_the_property_company_sealed(self):
        self.login(self.shequ_a)
        r = self.client.post(
            f"/community/property/bodies/new/?community={self.community_a.pk}",
            {
                "compound": self.compound_a.pk,
                "kind": "owners",
                "name": "翠微小区业委会",
                "phone": "139 1234 5678",
            },
        )
        self.assertEqual(r.status_code, 302)
        body = CompoundBody.objects.get(kind="owners")
        self.assertEqual(body.phone.reveal(), "13912345678")
        page = self.client.get(f"/community/property/?community={self.community_a.pk}")
        self.assertContains(page, "翠微小区业委会")
        self.assertNotContains(page, "13912345678")

    def test_a_leaders_supervision_note_with_a_problem_reaches_the_community(self):
        r = self.note(self.leader, found="消防通道被车辆堵塞", problem="on", building=self.b1.pk)
        self.assertEqual(r.status_code, 302, r.content.decode()[:500])
        note = SupervisionNote.objects.get()
        self.assertEqual(note.person, self.person)
        incident = Incident.objects.get(pk=note.incident_id)
        self.assertEqual(incident.level, "community")
        self.assertEqual(incident.category.code, "property_service")
        self.assertEqual(incident.reporter_user, self.leader)
        self.login(self.shequ_a)
        queue = self.client.get("/fieldwork/?level=community")
        self.assertContains(queue, f"#{incident.pk}")

    def test_a_note_without_problem_opens_no_incident(self):
        self.assertEqual(self.note(self.leader).status_code, 302)
        self.assertFalse(Incident.objects.exists())
        self.assertEqual(SupervisionNote.objects.count(), 1)

    def test_a_problem_without_what_was_found_is_refused(self):
        r = self.note(self.leader, problem="on", building=self.b1.pk)
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "发现情况", status_code=400)
        self.assertFalse(SupervisionNote.objects.exists())
        self.assertFalse(Incident.objects.exists())

    def test_refusals(self):
        self.assertEqual(self.note(self.leader_b).status_code, 404)
        self.assertEqual(self.note(self.minzheng).status_code, 404)
        self.assertEqual(self.note(self.shequ_b).status_code, 404)
        self.login(self.leader)
        r = self.client.post(
            f"/community/property/bodies/new/?community={self.community_a.pk}",
            {"compound": self.compound_a.pk, "kind": "owners", "name": "x"},
        )
        self.assertEqual(r.status_code, 403)
        self.assertEqual(CompoundBody.objects.count(), 1)
        self.assertFalse(SupervisionNote.objects.exists())

    def open_round(self):
        self.login(self.shequ_a)
        r = self.client.post(
            f"/community/ratings/new/?community={self.community_a.pk}", {"kind": "property"}
        )
        self.assertEqual(r.status_code, 302)
        return RatingRound.objects.get()

    def answer(self, round_, user, grade="good"):
        self.login(user)
        data = {f"q-{q['code']}": grade for q in round_.questions}
        data["compound"] = self.compound_a.pk
        return self.client.post(f"/community/ratings/{round_.pk}/answer/", data)

    def test_the_three_leaders_rate_the_property_service_with_results_and_export(self):
        round_ = self.open_round()
        self.assertEqual(round_.period, "2026-Q4")
        self.assertEqual(len(round_.questions), 4)
        self.answer(round_, self.head_user, "good")
        self.answer(round_, self.leader, "fair")
        self.answer(round_, self.unit_user, "poor")
        self.assertEqual(RatingAnswer.objects.count(), 3)
        again = self.answer(round_, self.leader, "good")
        self.assertEqual(again.status_code, 302)
        self.assertEqual(RatingAnswer.objects.count(), 3)
        result = rating_actions.results(round_)[0]
        self.assertEqual((result["answers"], result["mean"]), (3, 53.3))
        self.login(self.shequ_a)
        r = self.client.get(f"/community/ratings/{round_.pk}/xlsx/")
        self.assertEqual(r.status_code, 200)
        sheet = load_workbook(io.BytesIO(r.content)).active
        self.assertEqual(sheet.cell(2, 1).value, "翠微小区")
        self.assertTrue(AuditEvent.objects.filter(action="community.rating_export").exists())
        api = self.client.get("/api/v1/property-ratings?period=2026-Q4").json()
        self.assertEqual(api["items"][0]["results"][0]["mean"], 53.3)

    def test_a_second_round_for_the_same_period_is_refused(self):
        self.open_round()
        r = self.client.post(
            f"/community/ratings/new/?community={self.community_a.pk}",
            {"kind": "property"},
            follow=True,
        )
        self.assertContains(r, "已发起")
        self.assertEqual(RatingRound.objects.count(), 1)

    def test_property_period_none_turns_periodic_rating_off(self):
        flip("changchun", "ratings.property_period", "none", self.jiedao)
        self.login(self.shequ_a)
        r = self.client.post(
            f"/community/ratings/new/?community={self.community_a.pk}",
            {"kind": "property"},
            follow=True,
        )
        self.assertContains(r, "未设物业服务质量评价周期")
        self.assertFalse(RatingRound.objects.exists())

    def test_rater_kinds_decide_who_rates(self):
        round_ = self.open_round()
        flip("changchun", "ratings.rater_kinds", ["grid_head"], self.jiedao)
        self.assertEqual(self.answer(round_, self.leader).status_code, 403)
        self.assertEqual(self.answer(round_, self.head_user).status_code, 302)
        self.assertEqual(RatingAnswer.objects.count(), 1)

    def test_rating_refusals(self):
        round_ = self.open_round()
        self.assertEqual(self.answer(round_, self.shequ_b).status_code, 404)
        self.assertEqual(self.answer(round_, self.leader_b).status_code, 404)
        self.login(self.leader)
        self.assertEqual(self.client.get(f"/community/ratings/{round_.pk}/xlsx/").status_code, 403)
        for user in (self.shequ_b, self.minzheng, self.leader):
            self.login(user)
            self.assertEqual(self.client.get("/api/v1/property-ratings").json()["count"], 0)
        self.assertFalse(RatingAnswer.objects.exists())
