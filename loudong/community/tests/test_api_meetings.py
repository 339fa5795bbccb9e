"""/api/v1/meetings: list, detail, convene, attendance, decisions; scope and refusals."""

import datetime as dt
import json

import time_machine

from loudong.community.models import Decision, Meeting
from loudong.community.tests.life import LifeTestCase

NOW = dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
class MeetingApiTestCase(LifeTestCase):
    def post(self, url, body):
        return self.client.post(url, json.dumps(body), content_type="application/json")

    def convene(self, **body):
        body.setdefault("community", self.community_a.code)
        body.setdefault("grid", self.code_a1)
        body.setdefault("title", "网格协商会议")
        body.setdefault("starts", "2026-11-12T19:00:00+08:00")
        return self.post("/api/v1/meetings", body)

    def test_it_convenes_records_attendance_and_a_decision(self):
        self.login(self.head_user)
        r = self.convene(agenda=["楼道堆物"])
        self.assertEqual(r.status_code, 201, r.content)
        meeting_id = r.json()["id"]
        self.assertEqual(r.json()["invitees"], 3)
        detail = self.client.get(f"/api/v1/meetings/{meeting_id}").json()
        ids = [a["id"] for a in detail["attendees"]]
        r = self.post(f"/api/v1/meetings/{meeting_id}/attendance", {"present": ids})
        self.assertEqual((r.status_code, r.json()["present"]), (200, 3))
        r = self.post(
            f"/api/v1/meetings/{meeting_id}/decisions",
            {"text": "清理楼道", "owner": self.person.pk, "due": "2026-11-30"},
        )
        self.assertEqual(r.status_code, 201, r.content)
        listed = self.client.get("/api/v1/meetings").json()
        self.assertEqual(listed["count"], 1)
        self.assertEqual(listed["items"][0]["decisions"], 1)

    def test_a_decision_without_owner_is_400_and_nothing_is_written(self):
        self.login(self.head_user)
        meeting_id = self.convene().json()["id"]
        ids = [
            a["id"] for a in self.client.get(f"/api/v1/meetings/{meeting_id}").json()["attendees"]
        ]
        self.post(f"/api/v1/meetings/{meeting_id}/attendance", {"present": ids})
        r = self.post(
            f"/api/v1/meetings/{meeting_id}/decisions", {"text": "x", "due": "2026-11-30"}
        )
        self.assertEqual(r.status_code, 400)
        self.assertIn("责任人", r.json()["detail"])
        self.assertFalse(Decision.objects.exists())

    def test_a_building_leader_convening_is_403(self):
        self.login(self.leader)
        self.assertEqual(self.convene().status_code, 403)
        self.assertFalse(Meeting.objects.exists())

    def test_out_of_scope_is_404_and_lists_are_scoped(self):
        self.login(self.head_user)
        meeting_id = self.convene().json()["id"]
        for user in (self.shequ_b, self.minzheng, self.leader2):
            self.login(user)
            self.assertEqual(self.client.get(f"/api/v1/meetings/{meeting_id}").status_code, 404)
            self.assertEqual(self.client.get("/api/v1/meetings").json()["count"], 0)
        self.login(self.shequ_b)
        self.assertEqual(self.convene().status_code, 404)

    def test_bad_input_is_4xx(self):
        self.login(self.head_user)
        self.assertEqual(self.convene(title="a\x00b").status_code, 422)
        self.assertEqual(self.client.get(f"/api/v1/meetings/{10**12}").status_code, 404)
        self.assertEqual(self.client.get(f"/api/v1/meetings/{10**30}").status_code, 422)
        self.assertEqual(self.client.get("/api/v1/meetings?grid=%00").status_code, 400)
        self.assertEqual(self.convene(starts="99999-01-01").status_code, 422)
