"""Residents' meetings (楼栋居民会议) and the community's contact: pages, actions, refusals."""

from loudong.accounts.models import AuditEvent
from loudong.territory.models import ResidentsMeeting
from loudong.test import BaseTestCase, make_building


class MeetingTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.building = make_building(cls.compound_a, "3号楼")

    def data(self, **more):
        return {
            "building": self.building.pk,
            "date": "2026-11-20",
            "title": "3号楼居民会议",
            "households": 40,
            "attendance": 30,
            "q1_text": "同意加装电梯",
            "q1_for": 25,
            "q1_against": 3,
            "q1_abstain": 2,
            **more,
        }

    def test_it_records_a_meeting_with_its_tallies(self):
        self.login(self.shequ_a)
        r = self.client.post(f"/territory/regions/{self.community_a.pk}/meetings/new/", self.data())
        meeting = ResidentsMeeting.objects.get()
        self.assertRedirects(r, meeting.get_absolute_url())
        question = meeting.questions.get()
        self.assertEqual(
            (question.votes_for, question.votes_against, question.abstentions), (25, 3, 2)
        )
        self.assertEqual(meeting.compound, self.compound_a)
        r = self.client.get(meeting.get_absolute_url())
        self.assertContains(r, "30 户（75.0%）")
        self.assertContains(r, "通过")
        self.assertTrue(AuditEvent.objects.filter(action="territory.residents_meeting").exists())
        r = self.client.get(f"/territory/regions/{self.community_a.pk}/meetings/")
        self.assertContains(r, "同意加装电梯：赞成 25，反对 3，弃权 2")

    def test_it_refuses_tallies_above_attendance_or_attendance_above_households(self):
        self.login(self.shequ_a)
        url = f"/territory/regions/{self.community_a.pk}/meetings/new/"
        r = self.client.post(url, self.data(q1_for=40))
        self.assertContains(r, "多于实到 30 户", status_code=400)
        r = self.client.post(url, self.data(attendance=50))
        self.assertContains(r, "不能多于应到户数", status_code=400)
        r = self.client.post(url, self.data(date="2099-01-01"))
        self.assertEqual(r.status_code, 400)
        self.assertFalse(ResidentsMeeting.objects.exists())

    def test_it_refuses_other_communities_and_read_only_roles(self):
        url = f"/territory/regions/{self.community_a.pk}/meetings/new/"
        self.login(self.shequ_b)
        self.assertEqual(self.client.post(url, self.data()).status_code, 404)
        self.login(self.minzheng)
        self.assertEqual(self.client.post(url, self.data()).status_code, 403)
        self.assertFalse(ResidentsMeeting.objects.exists())


class CommunityContactTestCase(BaseTestCase):
    def test_it_sets_the_leader_and_office_phone_used_by_agreements(self):
        self.login(self.shequ_a)
        url = f"/territory/regions/{self.community_a.pk}/contact/"
        r = self.client.post(url, {"leader_name": "李主任", "office_phone": "0566 2021234"})
        self.assertEqual(r.status_code, 302)
        self.community_a.refresh_from_db()
        self.assertEqual(
            (self.community_a.leader_name, self.community_a.office_phone),
            ("李主任", "0566-2021234"),
        )
        self.assertTrue(AuditEvent.objects.filter(action="region.update").exists())
        r = self.client.post(url, {"leader_name": "李主任", "office_phone": "12345"})
        self.assertEqual(r.status_code, 400)

    def test_it_refuses_other_communities_and_read_only_roles(self):
        url = f"/territory/regions/{self.community_a.pk}/contact/"
        self.login(self.shequ_b)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.login(self.minzheng)
        self.assertEqual(
            self.client.post(url, {"leader_name": "x", "office_phone": "0566-2021234"}).status_code,
            403,
        )
