import datetime as dt
import itertools

from loudong.documents.tests.helpers import DocumentsTestCase
from loudong.roster.models import Selection, SelectionStep


class NoticeTestCase(DocumentsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.selection = Selection.objects.create(
            post=cls.post,
            candidate=cls.person,
            community=cls.community_a,
            compound=cls.compound_a,
            channel="residents",
            status="public_notice",
            profile_name="chiyang",
            notice_start=dt.date(2026, 3, 2),
            notice_end=dt.date(2026, 3, 6),
        )
        chain = [
            "self_nomination",
            "resident_nomination",
            "community_recommendation",
            "party_review",
            "subdistrict_approval",
            "public_notice",
        ]
        SelectionStep.objects.create(selection=cls.selection, from_status="", to_status=chain[0])
        for here, there in itertools.pairwise(chain):
            SelectionStep.objects.create(selection=cls.selection, from_status=here, to_status=there)

    def test_it_prints_the_notice(self):
        self.login(self.shequ_a)
        r = self.client.get(f"/documents/selections/{self.selection.pk}/notice/")
        self.assertEqual(r.status_code, 200)
        for text in (
            "公示",
            "王建国",
            "翠微小区3号楼楼栋长",
            "2026年3月2日至2026年3月6日",
            "0566-2021234",
            "秀山门社区居民委员会",
            "经个人自荐、居民推选、社区推荐、社区党组织审查、街道党工委审批，",
        ):
            self.assertContains(r, text)
        self.assertNotContains(r, "13912345678")

    def test_it_hides_another_communitys_notice(self):
        self.login(self.shequ_b)
        r = self.client.get(f"/documents/selections/{self.selection.pk}/notice/")
        self.assertEqual(r.status_code, 404)
