"""The field-work API (PRODUCT.md "Stable interfaces") and the read-only Open311 view."""

import datetime as dt
import io

import time_machine
from django.core.management import call_command

from loudong.fieldwork.models import ServiceRecord, Visit
from loudong.fieldwork.tests.helpers import FieldworkTestCase

MONDAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def token_for(username) -> str:
    out = io.StringIO()
    call_command("create_api_token", username, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


@time_machine.travel(MONDAY, tick=False)
class ApiTestCase(FieldworkTestCase):
    def post(self, url, data, **headers):
        return self.client.post(url, data, content_type="application/json", **headers)

    def test_visits_with_an_idempotency_key(self):
        self.login(self.leader)
        body = {"date": "2026-11-22", "households": [self.homes[0].pk], "notes": "了解助餐需求"}
        first = self.post("/api/v1/visits", body, HTTP_IDEMPOTENCY_KEY="abc")
        again = self.post("/api/v1/visits", body, HTTP_IDEMPOTENCY_KEY="abc")
        self.assertEqual((first.status_code, again.status_code), (201, 201))
        self.assertEqual(first.json()["id"], again.json()["id"])
        self.assertEqual(first.json()["households"], [self.homes[0].pk])
        self.assertEqual(Visit.objects.count(), 1)
        # The same key from another user is that user's own.
        self.login(self.leader2)
        other = self.post(
            "/api/v1/visits",
            {**body, "households": [self.homes2[0].pk]},
            HTTP_IDEMPOTENCY_KEY="abc",
        )
        self.assertEqual(other.status_code, 201)
        self.assertEqual(Visit.objects.count(), 2)

    def test_a_visit_to_another_grids_household_is_404_and_bad_input_422(self):
        self.login(self.leader)
        r = self.post("/api/v1/visits", {"date": "2026-11-22", "households": [self.homes2[0].pk]})
        self.assertEqual(r.status_code, 404)
        r = self.post("/api/v1/visits", {"date": "not a date", "households": []})
        self.assertEqual(r.status_code, 422)
        r = self.post("/api/v1/visits", {"date": "2026-11-30", "households": [self.homes[0].pk]})
        self.assertEqual(r.status_code, 400)
        self.assertIn("走访日期不能晚于", r.json()["detail"])
        self.login(self.shequ_a)
        r = self.post("/api/v1/visits", {"date": "2026-11-22", "households": [self.homes[0].pk]})
        self.assertEqual(r.status_code, 403)
        self.assertFalse(Visit.objects.exists())

    def test_categories(self):
        self.login(self.leader)
        items = self.client.get("/api/v1/incident-categories?limit=1000").json()["items"]
        self.assertIn({"code": "safety", "name": "安全隐患", "parent": None}, items)
        self.assertIn({"code": "safety_ebike", "name": "电动车充电", "parent": "safety"}, items)

    def test_incidents_and_moves(self):
        self.login(self.leader)
        r = self.post(
            "/api/v1/incidents",
            {
                "category": "safety_ebike",
                "severity": "major",
                "household": self.homes[0].pk,
                "description": "飞线充电",
            },
            HTTP_IDEMPOTENCY_KEY="i-1",
        )
        self.assertEqual(r.status_code, 201)
        data = r.json()
        self.assertEqual((data["status"], data["level"]), ("new", "community"))
        self.assertTrue(data["due"].startswith("2026-11-24"))
        pk = data["id"]
        self.login(self.shequ_a)
        listed = self.client.get("/api/v1/incidents?community=341702001001&status=new").json()
        self.assertEqual([i["id"] for i in listed["items"]], [pk])
        self.assertEqual(listed["items"][0]["overdue"], False)
        r = self.post(f"/api/v1/incidents/{pk}/accept", {})
        self.assertEqual(r.json()["status"], "accepted")
        r = self.post(f"/api/v1/incidents/{pk}/resolve", {"resolution": ""})
        self.assertEqual(r.status_code, 400)
        self.assertEqual(r.json()["detail"], "办理结果：请填写")
        r = self.post(f"/api/v1/incidents/{pk}/escalate", {"reason": "需要街道协调"})
        self.assertEqual(r.json()["level"], "subdistrict")
        detail = self.client.get(f"/api/v1/incidents/{pk}").json()
        self.assertEqual(
            [(h["move"], h["from"], h["to"], h["level"]) for h in detail["history"]],
            [
                ("register", "", "new", "building_leader"),
                ("escalate", "new", "new", "community"),
                ("accept", "new", "accepted", "community"),
                ("escalate", "accepted", "new", "subdistrict"),
            ],
        )
        self.assertEqual(detail["history"][2]["by"], "shequ_a")
        with time_machine.travel(MONDAY + dt.timedelta(days=20), tick=False):
            self.login(self.shequ_a)
            overdue = self.client.get("/api/v1/incidents?overdue=1").json()["items"]
        self.assertEqual([i["id"] for i in overdue], [pk])

    def test_refusals_403_and_404(self):
        incident = self.report()
        self.login(self.leader)
        r = self.post(f"/api/v1/incidents/{incident.pk}/escalate", {"reason": "x"})
        self.assertEqual(r.status_code, 403)
        self.login(self.shequ_b)
        self.assertEqual(self.client.get(f"/api/v1/incidents/{incident.pk}").status_code, 404)
        self.assertEqual(self.post(f"/api/v1/incidents/{incident.pk}/accept", {}).status_code, 404)
        self.assertEqual(
            self.client.get("/api/v1/incidents?community=341702001001").status_code, 404
        )
        self.login(self.shequ_a)
        self.assertEqual(self.post(f"/api/v1/incidents/{incident.pk}/fly", {}).status_code, 404)
        self.assertEqual(self.fresh(incident).status, "new")

    def test_a_leader_sees_only_the_posts_area(self):
        mine = self.report()
        self.report(self.leader2, building=self.b2)
        self.login(self.leader)
        items = self.client.get("/api/v1/incidents").json()["items"]
        self.assertEqual([i["id"] for i in items], [mine.pk])

    def test_service_records(self):
        self.login(self.leader)
        r = self.post(
            "/api/v1/service-records",
            {
                "date": "2026-11-20",
                "category": "publicity",
                "content": "宣传防诈骗",
                "people_served": 12,
            },
        )
        self.assertEqual(r.status_code, 201)
        self.assertEqual(r.json()["category_label"], "政策宣传员")
        r = self.post(
            "/api/v1/service-records", {"date": "2026-11-20", "category": "nope", "content": "x"}
        )
        self.assertEqual(r.status_code, 400)
        self.assertEqual(ServiceRecord.objects.count(), 1)
        self.login(self.shequ_a)
        self.assertEqual(self.client.get("/api/v1/service-records").json()["count"], 1)
        self.login(self.shequ_b)
        self.assertEqual(self.client.get("/api/v1/service-records").json()["count"], 0)

    def test_open311_behind_a_token_without_contacts(self):
        incident = self.report(parties="张三 13800001111", description="楼道堆物")
        self.assertEqual(self.client.get("/api/v1/open311/v2/requests.json").status_code, 401)
        self.login(self.shequ_a)  # a session is not enough
        self.assertEqual(self.client.get("/api/v1/open311/v2/requests.json").status_code, 401)
        self.client.logout()
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for('shequ_a')}"}
        services = self.client.get("/api/v1/open311/v2/services.json", **auth).json()
        self.assertIn("safety_fire", {s["service_code"] for s in services})
        rows = self.client.get("/api/v1/open311/v2/requests.json", **auth).json()
        self.assertEqual([r["service_request_id"] for r in rows], [str(incident.pk)])
        text = self.client.get("/api/v1/open311/v2/requests.json", **auth).content.decode(
            "unicode_escape"
        )
        self.assertNotIn("张三", text)
        self.assertNotIn("13800001111", text)
        self.assertEqual(rows[0]["status"], "open")
        self.assertEqual(rows[0]["media_url"], "")
        one = self.client.get(f"/api/v1/open311/v2/requests/{incident.pk}.json", **auth).json()
        self.assertEqual(one[0]["service_code"], "safety_fire")
        other = {"HTTP_AUTHORIZATION": f"Bearer {token_for('shequ_b')}"}
        self.assertEqual(self.client.get("/api/v1/open311/v2/requests.json", **other).json(), [])
        self.assertEqual(
            self.client.get(f"/api/v1/open311/v2/requests/{incident.pk}.json", **other).status_code,
            404,
        )

    def test_the_openapi_document_lists_the_endpoints(self):
        self.login(self.shequ_a)
        paths = self.client.get("/api/v1/openapi.json").json()["paths"]
        for path in (
            "/api/v1/visits",
            "/api/v1/incident-categories",
            "/api/v1/incidents",
            "/api/v1/incidents/{incident_id}",
            "/api/v1/incidents/{incident_id}/{move}",
            "/api/v1/service-records",
            "/api/v1/open311/v2/requests.json",
        ):
            self.assertIn(path, paths)
        responses = paths["/api/v1/incidents/{incident_id}/{move}"]["post"]["responses"]
        self.assertLessEqual({"200", "400", "403", "404"}, set(responses))
