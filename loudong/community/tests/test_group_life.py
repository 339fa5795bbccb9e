"""Groups (seed 004 §三.10): owner, member count, QR image (hostile uploads refused), coverage,
the group a report started in, and /api/v1/groups."""

import json

from loudong.accounts.models import AuditEvent
from loudong.community.models import ChatGroup
from loudong.community.tests.life import LifeTestCase
from loudong.fieldwork.models import Incident
from loudong.fieldwork.tests.helpers import jpeg, upload


class GroupLifeTestCase(LifeTestCase):
    def register(self, user=None, **data):
        data.setdefault("name", "1号楼居民群")
        data.setdefault("level", "building")
        data.setdefault("kind", "wechat")
        data.setdefault("building", self.b1.pk)
        data.setdefault("owner", "陈德明")
        data.setdefault("member_count", 86)
        self.login(user or self.shequ_a)
        return self.client.post(f"/community/communities/{self.community_a.pk}/groups/new/", data)

    def test_it_registers_owner_member_count_and_a_sealed_qr_image(self):
        r = self.register(qr=upload("qr.png"))
        self.assertEqual(r.status_code, 302, r.content.decode()[:300])
        group = ChatGroup.objects.get()
        self.assertEqual((group.owner, group.member_count), ("陈德明", 86))
        self.assertTrue(group.qr_image.endswith(".sealed"))
        image = self.client.get(f"/community/groups/{group.pk}/qr/")
        self.assertEqual(image.status_code, 200)
        self.assertEqual(image["Content-Type"], "image/jpeg")
        self.assertTrue(image.content.startswith(b"\xff\xd8"))

    def test_a_hostile_qr_upload_is_refused_and_nothing_is_written(self):
        r = self.register(qr=upload("qr.png", data=b"<?php echo 1; ?>", content_type="image/png"))
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "群二维码", status_code=400)
        self.assertFalse(ChatGroup.objects.exists())

    def test_it_updates_owner_and_count_audited(self):
        self.register()
        group = ChatGroup.objects.get()
        r = self.client.post(
            f"/community/groups/{group.pk}/update/",
            {"owner": "王秀兰", "member_count": 90, "qr": upload(data=jpeg())},
        )
        self.assertEqual(r.status_code, 302)
        group.refresh_from_db()
        self.assertEqual((group.owner, group.member_count), ("王秀兰", 90))
        self.assertTrue(group.qr_image)
        self.assertTrue(AuditEvent.objects.filter(action="community.group_update").exists())

    def test_refusals_for_update_and_qr(self):
        self.register(qr=upload())
        group = ChatGroup.objects.get()
        self.login(self.leader)
        r = self.client.post(f"/community/groups/{group.pk}/update/", {"owner": "x"})
        self.assertEqual(r.status_code, 403)
        self.login(self.shequ_b)
        self.assertEqual(self.client.get(f"/community/groups/{group.pk}/qr/").status_code, 404)
        r = self.client.post(f"/community/groups/{group.pk}/update/", {"owner": "x"})
        self.assertEqual(r.status_code, 404)
        group.refresh_from_db()
        self.assertEqual(group.owner, "陈德明")

    def test_coverage_lists_what_has_no_group(self):
        self.register()
        self.login(self.shequ_a)
        r = self.client.get(f"/community/groups/coverage/?community={self.community_a.pk}")
        self.assertEqual(r.status_code, 200)
        self.assertEqual([b.pk for b in r.context["buildings"]], [self.b2.pk])
        self.assertEqual(len(r.context["grids"]), 2)
        self.assertFalse(r.context["community_group"])
        self.login(self.minzheng)
        r = self.client.get(f"/community/groups/coverage/?community={self.community_a.pk}")
        self.assertEqual(r.status_code, 404)

    def test_a_phone_report_records_the_group_it_came_from(self):
        self.register()
        group = ChatGroup.objects.get()
        self.login(self.leader)
        page = self.client.get("/fieldwork/m/report/")
        self.assertContains(page, "1号楼居民群")
        r = self.client.post(
            "/fieldwork/m/report/",
            {
                "category": "safety_fire",
                "severity": "normal",
                "place": f"b{self.b1.pk}",
                "description": "群里反映楼道堆物",
                "group": group.pk,
            },
        )
        self.assertIn(r.status_code, (200, 302), r.content.decode()[:300])
        incident = Incident.objects.get()
        self.assertEqual(incident.source_group, group)

    def test_api_lists_groups_in_scope_without_webhooks(self):
        self.register()
        self.login(self.shequ_a)
        body = self.client.get("/api/v1/groups").json()
        self.assertEqual(body["count"], 1)
        self.assertEqual(body["items"][0]["member_count"], 86)
        self.assertNotIn("webhook", json.dumps(body))
        self.login(self.shequ_b)
        self.assertEqual(self.client.get("/api/v1/groups").json()["count"], 0)
        r = self.client.get(f"/api/v1/groups?community={self.community_a.code}")
        self.assertEqual(r.status_code, 404)

    def test_api_incident_with_a_group_of_another_community_is_404(self):
        self.login(self.shequ_b)
        self.client.post(
            f"/community/communities/{self.community_b.pk}/groups/new/",
            {"name": "B群", "level": "community", "kind": "wechat"},
        )
        other = ChatGroup.objects.get()
        self.login(self.leader)
        r = self.client.post(
            "/api/v1/incidents",
            json.dumps(
                {
                    "category": "safety_fire",
                    "building": self.b1.pk,
                    "description": "x",
                    "group": other.pk,
                }
            ),
            content_type="application/json",
        )
        self.assertIn(r.status_code, (400, 404))
        self.assertFalse(Incident.objects.exists())
