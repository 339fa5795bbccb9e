"""Bad input to the field-work API is a 4xx with nothing written, never a 5xx."""

from loudong.fieldwork.models import Incident, ServiceRecord, Visit
from loudong.fieldwork.tests.helpers import FieldworkTestCase

WEIRD = [
    "a\x00b",
    None,
    "",
    "x" * 5000,
    -1,
    0,
    2**63,
    1.5,
    True,
    [],
    {},
    ["a"],
    {"a": 1},
    "2026-02-30",
    "１２",
]


class BadInputTestCase(FieldworkTestCase):
    def test_no_body_field_makes_a_5xx(self):
        incident = self.report()
        bodies = {
            "/api/v1/visits": {"date": "2026-01-05", "households": [self.homes[0].pk], "notes": ""},
            "/api/v1/service-records": {
                "date": "2026-01-05",
                "category": "service",
                "content": "x",
            },
            "/api/v1/incidents": {
                "category": "safety_fire",
                "building": self.b1.pk,
                "description": "x",
            },
            f"/api/v1/incidents/{incident.pk}/extend": {"days": 2, "reason": "x"},
            f"/api/v1/incidents/{incident.pk}/merge": {"into": incident.pk},
            f"/api/v1/incidents/{incident.pk}/rate": {"grade": "satisfied"},
        }
        before = (Visit.objects.count(), ServiceRecord.objects.count(), Incident.objects.count())
        for user in (self.leader, self.shequ_a):
            self.login(user)
            for url, good in bodies.items():
                for field in good:
                    for value in WEIRD:
                        r = self.client.post(
                            url, {**good, field: value}, content_type="application/json"
                        )
                        self.assertLess(r.status_code, 500, (url, field, value, r.content[:200]))
                for raw in ("", "null", "[]", "{", '"text"', "1", '{"reason": "\\u0000"}'):
                    r = self.client.post(url, raw, content_type="application/json")
                    self.assertLess(r.status_code, 500, (url, raw))
        self.assertLessEqual(Visit.objects.count(), before[0] + 10)
        for params in (
            "status=zzz",
            "overdue=x",
            "community=1",
            "limit=-5",
            "offset=x",
            "level=%00",
            "category=",
        ):
            r = self.client.get(f"/api/v1/incidents?{params}")
            self.assertLess(r.status_code, 500, params)
        for path in (
            "/api/v1/incidents/0",
            "/api/v1/incidents/99999999999999999999",
            "/api/v1/incidents/abc",
        ):
            self.assertIn(self.client.get(path).status_code, (404, 422))
