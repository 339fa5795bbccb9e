import datetime as dt

from loudong.documents.tests.helpers import DocumentsTestCase
from loudong.roster.models import Selection


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
            "居民推选",
        ):
            self.assertContains(r, text)
        self.assertNotContains(r, "13912345678")

    def test_it_hides_another_communitys_notice(self):
        self.login(self.shequ_b)
        r = self.client.get(f"/documents/selections/{self.selection.pk}/notice/")
        self.assertEqual(r.status_code, 404)
