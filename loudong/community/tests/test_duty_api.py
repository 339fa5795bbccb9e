"""API: ``/rotations`` and ``/trainings`` in the ``{"items", "count"}`` shape, scoped by role,
masked (rooms and names only), 4xx for bad parameters."""

import json

import time_machine

from loudong.community import rotation as rota
from loudong.community import training
from loudong.community.tests.duty_helpers import DutyTestCase, at, make_leader
from loudong.test import make_user, serve

HUGE = 2**63


@time_machine.travel(at(2026, 3, 10), tick=False)
class DutyApiTestCase(DutyTestCase):
    def setUp(self):
        today = at(2026, 3, 10).date()
        rota.switch_pilot(
            community=self.community_a, on=True, acting_user=self.shequ_a, today=today
        )
        self.rotation = rota.start_rotation(unit=self.unit, acting_user=self.shequ_a, today=today)
        for i in (0, 1):
            rota.add_member(
                rotation=self.rotation,
                household=self.households[i],
                duty_name=f"户{i + 1}",
                acting_user=self.shequ_a,
                today=today,
            )
        rota.plan_months(rotation=self.rotation, months=2, acting_user=self.shequ_a, today=today)
        rota.write_handover(turn=self.rotation.turns.first(), text="本月情况")
        self.zhao = make_leader("赵楼长", self.households[0])
        self.session = training.create_session(
            community=self.community_a,
            date=today,
            topic="政策宣传",
            trainer="王",
            invitees=[self.zhao],
            acting_user=self.shequ_a,
        )

    def get(self, url, user):
        self.login(user)
        r = self.client.get(url)
        return r.status_code, (json.loads(r.content) if r.content else None)

    def test_a_worker_lists_rotations_and_one_rotation(self):
        status, body = self.get(
            f"/api/v1/rotations?community={self.community_a.code}", self.shequ_a
        )
        self.assertEqual(status, 200)
        self.assertEqual(body["count"], 1)
        item = body["items"][0]
        self.assertEqual(item["current"]["room"], "101")
        self.assertEqual(item["next"]["duty_name"], "户2")
        self.assertIsNotNone(item["current"]["handover_written"])
        status, body = self.get(f"/api/v1/rotations/{self.rotation.pk}", self.shequ_a)
        self.assertEqual([m["month"] for m in body["months"]], ["2026-03", "2026-04"])
        self.assertNotIn("1391", json.dumps(body))

    def test_trainings_list_and_detail(self):
        status, body = self.get("/api/v1/trainings?year=2026", self.shequ_a)
        self.assertEqual((status, body["count"]), (200, 1))
        self.assertEqual(body["items"][0]["invited"], 1)
        status, body = self.get(f"/api/v1/trainings/{self.session.pk}", self.shequ_a)
        self.assertEqual(body["invitees"][0]["name"], "赵楼长")
        self.assertEqual(self.get("/api/v1/trainings?year=2025", self.shequ_a)[1]["count"], 0)

    def test_scope_out_of_it_is_empty_or_404(self):
        for user in (self.shequ_b, self.minzheng, self.outsider):
            self.assertEqual(self.get("/api/v1/rotations", user)[1]["count"], 0, user)
            self.assertEqual(self.get(f"/api/v1/rotations/{self.rotation.pk}", user)[0], 404)
            self.assertEqual(self.get(f"/api/v1/trainings/{self.session.pk}", user)[0], 404)
            self.assertEqual(self.get("/api/v1/trainings", user)[1]["count"], 0)
        self.assertEqual(
            self.get(f"/api/v1/rotations?community={self.community_a.code}", self.shequ_b)[0], 404
        )

    def test_a_leader_sees_their_units_rotation_and_their_own_trainings(self):
        user = make_user("lz", "building_leader", self.community_a)
        serve(user, self.households[0])
        self.assertEqual(self.get("/api/v1/rotations", user)[1]["count"], 1)
        self.assertEqual(self.get("/api/v1/trainings", user)[1]["count"], 0)
        from loudong.community.models import TrainingInvitee
        from loudong.roster.models import Person

        TrainingInvitee.objects.create(session=self.session, person=Person.objects.get(user=user))
        self.assertEqual(self.get("/api/v1/trainings", user)[1]["count"], 1)

    def test_bad_parameters_are_4xx(self):
        for url, status in (
            ("/api/v1/trainings?year=1000000000000", 422),
            ("/api/v1/trainings?year=abc", 422),
            (f"/api/v1/rotations/{HUGE}", 422),
            (f"/api/v1/trainings/{HUGE}", 422),
            ("/api/v1/rotations?community=%00", 400),
            ("/api/v1/trainings?community=%00", 400),
            ("/api/v1/rotations?limit=0", 422),
        ):
            self.assertEqual(self.get(url, self.shequ_a)[0], status, url)

    def test_the_schema_documents_the_operations(self):
        self.login(self.shequ_a)
        schema = json.loads(self.client.get("/api/v1/openapi.json").content)
        for path in ("/api/v1/rotations", "/api/v1/rotations/{rotation_id}", "/api/v1/trainings"):
            responses = schema["paths"][path]["get"]["responses"]
            for code in ("200", "400", "403", "404", "422"):
                self.assertIn(code, responses, (path, code))
