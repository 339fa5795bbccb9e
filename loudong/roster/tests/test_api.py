import datetime as dt

import time_machine
from django.utils import timezone

from loudong.roster.models import Selection
from loudong.roster.tests.helpers import RosterTestCase, make_appointment, make_selection


class ApiTestCase(RosterTestCase):
    def test_it_lists_appointments_with_exact_fields(self):
        a = make_appointment(self.person_a, self.post_a1)
        make_appointment(self.person_b, self.post_b1)
        self.login(self.shequ_a)
        r = self.client.get(f"/api/v1/appointments?community={self.community_a.code}")
        self.assertEqual(r.status_code, 200)
        items = r.json()["items"]
        self.assertEqual(
            items,
            [
                {
                    "id": a.pk,
                    "person": self.person_a.pk,
                    "person_name": "陈德明",
                    "post": self.post_a1.pk,
                    "grid": self.code_a1,
                    "start": "2022-01-01",
                    "end": None,
                    "agreement_docx": f"http://testserver/documents/appointments/{a.pk}/agreement.docx",
                }
            ],
        )

    def test_it_answers_404_for_a_community_out_of_scope(self):
        self.login(self.shequ_b)
        for url in ("appointments", "persons", "posts", "selections"):
            r = self.client.get(f"/api/v1/{url}?community={self.community_a.code}")
            self.assertEqual(r.status_code, 404, url)

    def test_it_masks_phones(self):
        self.login(self.jiedao)
        items = self.client.get("/api/v1/persons?limit=5000").json()["items"]
        self.assertEqual({i["phone"] for i in items}, {"139****5678"})

    def test_it_lists_posts_with_holders(self):
        make_appointment(self.person_a, self.post_a1)
        self.login(self.shequ_a)
        items = self.client.get("/api/v1/posts").json()["items"]
        self.assertEqual(
            {i["grid"]: i["holder"] for i in items},
            {self.code_a1: self.person_a.pk, self.code_a2: None},
        )

    @time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False)
    def test_it_moves_a_selection_with_the_page_guards(self):
        selection = make_selection(self.post_a1, self.person_a, status="subdistrict_approval")
        url = f"/api/v1/selections/{selection.pk}/move"
        body = {"to_status": "public_notice", "notice_start": "2026-03-02"}
        self.login(self.shequ_a)
        self.assertEqual(
            self.client.post(url, body, content_type="application/json").status_code, 403
        )
        self.login(self.minzheng)
        self.assertEqual(
            self.client.post(url, body, content_type="application/json").status_code, 403
        )
        self.login(self.shequ_b)
        self.assertEqual(
            self.client.post(url, body, content_type="application/json").status_code, 404
        )
        self.assertEqual(Selection.objects.get().status, "subdistrict_approval")
        self.login(self.jiedao)
        r = self.client.post(url, body, content_type="application/json")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json()["notice_end"], "2026-03-06")

    def test_it_refuses_appointing_before_the_notice_ends(self):
        today = timezone.localdate()
        selection = make_selection(
            self.post_a1,
            self.person_a,
            status="public_notice",
            notice_start=today,
            notice_end=today + dt.timedelta(days=5),
        )
        self.login(self.shequ_a)
        r = self.client.post(
            f"/api/v1/selections/{selection.pk}/appoint",
            {"start": today.isoformat()},
            content_type="application/json",
        )
        self.assertEqual(r.status_code, 400)
        self.assertIn("公示期满", r.json()["detail"])
