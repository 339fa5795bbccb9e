"""Reporting an incident: a leader solves it on the spot or reports it up at once."""

import datetime as dt

import time_machine
from django.test import override_settings
from django.utils.timezone import localtime

from loudong.accounts.models import AuditEvent
from loudong.fieldwork.models import (
    Incident,
    IncidentEvent,
    IncidentPhoto,
    IncidentStage,
    Notification,
)
from loudong.fieldwork.tests.helpers import FieldworkTestCase, jpeg, upload

MONDAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@time_machine.travel(MONDAY, tick=False)
class PhoneReportTestCase(FieldworkTestCase):
    def post(self, **data):
        data.setdefault("category", "environment_garbage")
        data.setdefault("severity", "normal")
        data.setdefault("place", f"b{self.b1.pk}")
        data.setdefault("description", "垃圾桶满溢三天未清运")
        data.setdefault("idempotency_key", "key-1")
        data.setdefault("then", "escalate")
        self.login(self.leader)
        return self.client.post("/fieldwork/m/report/", data)

    def test_it_reports_up_to_the_community_with_its_clock(self):
        r = self.post(photos=upload())
        self.assertEqual(r.status_code, 302)
        incident = Incident.objects.get()
        self.assertEqual((incident.status, incident.level), ("new", "community"))
        self.assertEqual(incident.reporter_kind, "leader")
        self.assertEqual(incident.reporter_person, self.person)
        self.assertEqual(incident.reporter_post, self.post_a1)
        self.assertEqual(incident.grid_code, self.code_a1)
        # 3 working days for the community (chiyang *default*): Mon 23 → Thu 26, end of day.
        self.assertEqual(localtime(incident.due).isoformat(), "2026-11-26T23:59:59+08:00")
        stages = list(incident.stages.values_list("level", "outcome", "on_time"))
        self.assertEqual(stages, [("building_leader", "escalated", True), ("community", "", None)])
        self.assertEqual(
            list(incident.events.values_list("move", flat=True)), ["register", "escalate"]
        )
        self.assertEqual(IncidentPhoto.objects.filter(incident=incident).count(), 1)
        # The community's workers are told; the reporter is not.
        told = set(Notification.objects.values_list("user__username", flat=True))
        self.assertEqual(told, {"shequ_a", "dangwei_a"})
        self.assertTrue(AuditEvent.objects.filter(action="fieldwork.incident_report").exists())

    def test_it_registers_an_incident_solved_on_the_spot_as_closed(self):
        r = self.post(then="solve", resolution="已联系保洁清运")
        self.assertEqual(r.status_code, 302)
        incident = Incident.objects.get()
        self.assertEqual((incident.status, incident.level), ("closed", "building_leader"))
        self.assertTrue(incident.solved_on_spot)
        self.assertEqual(incident.resolution, "已联系保洁清运")
        self.assertEqual(incident.stages.get().outcome, "resolved")
        self.assertFalse(Notification.objects.exists())

    def test_solving_on_the_spot_needs_what_was_done(self):
        r = self.post(then="solve", resolution="")
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "就地解决情况：请填写", status_code=400)
        self.assertFalse(Incident.objects.exists())

    def test_the_same_key_twice_makes_one_incident(self):
        self.assertEqual(self.post().status_code, 302)
        self.assertEqual(self.post().status_code, 302)
        self.assertEqual(Incident.objects.count(), 1)
        self.assertEqual(IncidentEvent.objects.filter(move="register").count(), 1)

    def test_the_outbox_gets_json_and_the_header_key_wins(self):
        self.login(self.leader)
        data = {
            "category": "environment_garbage",
            "severity": "normal",
            "place": f"b{self.b1.pk}",
            "description": "垃圾",
            "idempotency_key": "form-key",
            "then": "escalate",
        }
        headers = {"HTTP_X_OUTBOX": "1", "HTTP_IDEMPOTENCY_KEY": "outbox-key"}
        first = self.client.post("/fieldwork/m/report/", data, **headers)
        again = self.client.post("/fieldwork/m/report/", data, **headers)
        self.assertEqual((first.status_code, again.status_code), (201, 201))
        self.assertEqual(first.json()["id"], again.json()["id"])
        self.assertEqual(Incident.objects.count(), 1)
        bad = self.client.post("/fieldwork/m/report/", {**data, "category": ""}, **headers)
        self.assertEqual(bad.status_code, 400)
        self.assertIn("事件类别：这个字段是必填项。", bad.json()["errors"][0])

    def test_a_photo_that_is_not_an_image_writes_nothing(self):
        r = self.post(photos=upload("x.jpg", b"not an image at all"))
        self.assertContains(r, "照片：无法识别的图片", status_code=400)
        self.assertFalse(Incident.objects.exists())
        self.assertFalse(IncidentPhoto.objects.exists())

    @override_settings(LOUDONG_MAX_PHOTO_BYTES=1000)
    def test_a_photo_over_the_limit_writes_nothing(self):
        r = self.post(photos=upload("big.jpg", jpeg((400, 400))))
        self.assertContains(r, "照片：不能超过", status_code=400)
        self.assertFalse(Incident.objects.exists())

    def test_photos_are_stripped_and_sealed(self):
        from PIL import Image

        self.post(photos=upload())
        photo = IncidentPhoto.objects.get()
        self.login(self.shequ_a)
        r = self.client.get(f"/fieldwork/incidents/{photo.incident_id}/photos/{photo.pk}.jpg")
        self.assertEqual(r["Content-Type"], "image/jpeg")
        import io

        self.assertEqual(Image.open(io.BytesIO(r.content)).format, "JPEG")
        from django.core.files.storage import default_storage

        with default_storage.open(photo.name, "rb") as handle:
            self.assertTrue(handle.read().startswith(b"LDSF1"))
        self.login(self.leader_b)
        r = self.client.get(f"/fieldwork/incidents/{photo.incident_id}/photos/{photo.pk}.jpg")
        self.assertEqual(r.status_code, 404)

    def test_a_place_outside_the_leaders_posts_is_not_offered(self):
        r = self.post(place=f"b{self.b2.pk}")
        self.assertContains(r, "不在可用的选项中", status_code=400)
        self.assertFalse(Incident.objects.exists())

    def test_it_hints_at_a_duplicate_nearby(self):
        first = self.report(category="environment_garbage")
        r = self.post(category="environment_noise")
        self.assertEqual(r.status_code, 302)
        self.login(self.shequ_a)
        second = Incident.objects.exclude(pk=first.pk).get()
        page = self.client.get(second.get_absolute_url())
        self.assertContains(page, f"#{first.pk}</a> 环境卫生·垃圾清运")


@time_machine.travel(MONDAY, tick=False)
class UrgentTestCase(FieldworkTestCase):
    def test_urgent_goes_to_the_community_and_tells_the_subdistrict_at_once(self):
        incident = self.report(
            severity="urgent", category="safety_gas", description="楼道燃气味很重"
        )
        self.assertEqual((incident.status, incident.level), ("new", "community"))
        # urgent_working_days = 0: the same day.
        self.assertEqual(localtime(incident.due).isoformat(), "2026-11-23T23:59:59+08:00")
        told = set(
            Notification.objects.filter(kind="urgent").values_list("user__username", flat=True)
        )
        self.assertEqual(told, {"shequ_a", "dangwei_a", "jiedao"})
        # The subdistrict acts on it too while it is at an urgent level.
        self.move(incident, "accept", self.jiedao)
        self.assertEqual(self.fresh(incident).status, "accepted")


@time_machine.travel(MONDAY, tick=False)
class WorkerEntryTestCase(FieldworkTestCase):
    def test_a_worker_enters_a_residents_call_for_a_call_back(self):
        self.login(self.shequ_a)
        r = self.client.post(
            "/fieldwork/incidents/new/",
            {
                "community": self.community_a.pk,
                "category": "dispute_neighbour",
                "severity": "normal",
                "place": f"b{self.b1.pk}",
                "description": "楼上漏水纠纷",
                "reporter_phone": "139 1234 5678",
                "on_behalf": "on",
                "parties": "张三 13800001111；李四",
                "idempotency_key": "w1",
            },
        )
        self.assertEqual(r.status_code, 302)
        incident = Incident.objects.get()
        self.assertEqual(
            (incident.reporter_kind, incident.level, incident.status), ("phone", "community", "new")
        )
        self.assertEqual(incident.reporter_phone.reveal(), "13912345678")
        page = self.client.get(incident.get_absolute_url())
        self.assertNotContains(page, "13912345678")
        self.assertContains(page, "139****5678")
        self.assertNotContains(page, "张三 13800001111")

    def test_a_call_without_a_phone_is_refused(self):
        self.login(self.shequ_a)
        r = self.client.post(
            "/fieldwork/incidents/new/",
            {
                "community": self.community_a.pk,
                "category": "dispute_neighbour",
                "severity": "normal",
                "place": "",
                "description": "纠纷",
                "on_behalf": "on",
            },
        )
        self.assertContains(r, "回访电话：代居民登记来电时请填写", status_code=400)
        self.assertFalse(Incident.objects.exists())

    def test_a_worker_of_another_community_gets_404_for_its_buildings(self):
        self.login(self.shequ_b)
        r = self.client.get(f"/fieldwork/incidents/new/?community={self.community_a.pk}")
        self.assertEqual(r.status_code, 404)

    def test_the_parties_are_revealed_only_with_a_reason_and_audited(self):
        incident = self.report(
            self.shequ_a, community=self.community_a, building=self.b1, parties="张三 13800001111"
        )
        self.login(self.shequ_a)
        r = self.client.post(
            f"/fieldwork/incidents/{incident.pk}/reveal/", {"reason": "联系当事人调解"}
        )
        self.assertContains(r, "张三 13800001111")
        self.assertTrue(
            AuditEvent.objects.filter(
                action="personal_data.reveal", target_id=str(incident.pk)
            ).exists()
        )
        self.assertEqual(IncidentStage.objects.filter(incident=incident).count(), 1)
