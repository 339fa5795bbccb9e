"""业务培训 (seed 000 §三.5): sessions with invitees, attendance and materials; the untrained
list follows the profile's ``training`` section; a leader's history on their pages."""

import datetime as dt

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from loudong.accounts.models import AuditEvent
from loudong.community.models import TrainingInvitee, TrainingMaterial, TrainingSession
from loudong.community.tests.duty_helpers import DutyTestCase, at, make_leader, set_rule
from loudong.test import make_user


@time_machine.travel(at(2026, 6, 10), tick=False)
class TrainingTestCase(DutyTestCase):
    def setUp(self):
        self.login(self.shequ_a)
        self.leader_user = make_user("leader_x", "building_leader", self.community_a)
        self.zhao = make_leader("赵楼长", self.households[0], user=self.leader_user)
        self.qian = make_leader("钱单元长", self.households[1], kind="unit_leader")

    def create(self, **data):
        data.setdefault("date", "2026-06-08")
        data.setdefault("topic", "矛盾纠纷调解")
        data.setdefault("trainer", "司法所王所长")
        data.setdefault("invitees", [self.zhao.pk, self.qian.pk])
        return self.client.post(
            f"/community/communities/{self.community_a.pk}/trainings/new/", data
        )

    def test_a_worker_records_a_session_attendance_and_materials(self):
        r = self.create()
        self.assertEqual(r.status_code, 302)
        session = TrainingSession.objects.get()
        self.assertEqual(session.invitees.count(), 2)
        zhao = session.invitees.get(person=self.zhao)
        r = self.client.post(
            f"/community/trainings/{session.pk}/attendance/", {"attended": [zhao.pk]}
        )
        self.assertEqual(r.status_code, 302)
        self.assertEqual(
            dict(TrainingInvitee.objects.values_list("person__name", "attended")),
            {"赵楼长": True, "钱单元长": False},
        )
        upload = SimpleUploadedFile(
            "调解要点.pdf", b"%PDF-1.4 hello", content_type="application/pdf"
        )
        r = self.client.post(f"/community/trainings/{session.pk}/materials/", {"file": upload})
        self.assertEqual(r.status_code, 302)
        material = TrainingMaterial.objects.get()
        self.assertEqual(material.name, "调解要点.pdf")
        r = self.client.get(f"/community/training-materials/{material.pk}/")
        self.assertEqual(r.content, b"%PDF-1.4 hello")
        self.assertEqual(
            AuditEvent.objects.filter(action__startswith="community.training").count(), 3
        )

    def test_it_refuses_a_bad_material_and_attendance_before_the_day(self):
        self.create(date="2026-06-20")
        session = TrainingSession.objects.get()
        upload = SimpleUploadedFile("x.exe", b"MZ")
        self.client.post(f"/community/trainings/{session.pk}/materials/", {"file": upload})
        self.assertFalse(TrainingMaterial.objects.exists())
        r = self.client.post(
            f"/community/trainings/{session.pk}/attendance/",
            {"attended": [session.invitees.first().pk]},
            follow=True,
        )
        self.assertContains(r, "尚未举行")
        self.assertFalse(TrainingInvitee.objects.filter(attended=True).exists())

    def test_the_untrained_list_shows_leaders_without_a_session_this_year(self):
        self.create()
        session = TrainingSession.objects.get()
        zhao = session.invitees.get(person=self.zhao)
        self.client.post(f"/community/trainings/{session.pk}/attendance/", {"attended": [zhao.pk]})
        page = self.client.get(f"/community/trainings/untrained/?community={self.community_a.pk}")
        self.assertContains(page, "钱单元长")
        self.assertNotContains(page, "赵楼长")
        last_year = self.client.get(
            f"/community/trainings/untrained/?community={self.community_a.pk}&year=2025"
        )
        self.assertContains(last_year, "赵楼长")
        self.assertEqual(
            self.client.get("/community/trainings/untrained/?year=1000000000000").status_code, 404
        )

    def test_post_kinds_and_sessions_per_year_come_from_the_profile(self):
        from loudong.community.training import untrained

        today = dt.date(2026, 6, 10)
        names = lambda: {r.person.name for r in untrained(self.community_a, year=2026, today=today)}  # noqa: E731
        self.assertEqual(names(), {"赵楼长", "钱单元长"})
        set_rule("changchun", "training.post_kinds", ["building_leader"])
        self.assertEqual(names(), {"赵楼长"})
        set_rule("changchun", "training.sessions_per_year", 0)
        self.assertEqual(names(), set())

    def test_the_leader_sees_the_history_on_the_phone_and_the_person_page(self):
        self.create()
        self.assertContains(self.client.get(f"/roster/persons/{self.zhao.pk}/"), "矛盾纠纷调解")
        self.login(self.leader_user)
        self.assertContains(self.client.get("/fieldwork/m/"), "我的培训")
        self.assertContains(self.client.get("/community/m/trainings/"), "矛盾纠纷调解")

    def test_refusals(self):
        self.create()
        session = TrainingSession.objects.get()
        for user in (self.shequ_b, self.minzheng, self.outsider, self.leader_user):
            self.login(user)
            self.assertEqual(self.client.get(session.get_absolute_url()).status_code, 404, user)
            r = self.client.post(f"/community/trainings/{session.pk}/attendance/", {})
            self.assertEqual(r.status_code, 404)
            if user != self.shequ_b:  # 社区 B's worker has a list of their own
                self.assertEqual(self.client.get("/community/trainings/").status_code, 404, user)
        self.login(self.shequ_b)
        r = self.client.post(
            f"/community/communities/{self.community_a.pk}/trainings/new/",
            {"date": "2026-06-08", "topic": "x", "trainer": "y"},
        )
        self.assertEqual(r.status_code, 404)
        self.assertEqual(TrainingSession.objects.count(), 1)
        self.assertIsNone(session.invitees.first().attended)

    def test_an_invited_leader_downloads_materials_others_get_404(self):
        self.create()
        session = TrainingSession.objects.get()
        upload = SimpleUploadedFile("a.pdf", b"%PDF", content_type="application/pdf")
        self.client.post(f"/community/trainings/{session.pk}/materials/", {"file": upload})
        material = TrainingMaterial.objects.get()
        self.login(self.leader_user)
        self.assertEqual(
            self.client.get(f"/community/training-materials/{material.pk}/").status_code, 200
        )
        self.login(self.shequ_b)
        self.assertEqual(
            self.client.get(f"/community/training-materials/{material.pk}/").status_code, 404
        )
