import datetime as dt
import io

from openpyxl import load_workbook

from loudong.accounts.models import AuditEvent
from loudong.documents.tests.helpers import (
    DocumentsTestCase,
    make_appointment,
    make_person,
    make_post,
)
from loudong.test import make_building


class ProgressTestCase(DocumentsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_building(cls.compound_a, "4号楼")
        make_building(cls.compound_b, "1号楼")
        # Before the campaign (调查摸底): three legacy leaders in A, one ended early.
        for i, end in enumerate([dt.date(2021, 9, 8), dt.date(2021, 9, 8), dt.date(2021, 8, 1)]):
            person = make_person(cls.community_a, f"原楼栋长{i}")
            post = make_post(cls.community_a, cls.compound_a, f"原{i}号楼楼栋长")
            make_appointment(
                person, post, start=dt.date(2019, 1, 1), end=end, status="ended", is_legacy=True
            )
        # After: 王建国 (setUp, from 2026-01-01) plus a concurrent grid; 赵丽 from 2021-09-01.
        make_appointment(
            cls.person,
            make_post(cls.community_a, cls.compound_a, "4号楼楼栋长"),
            start=dt.date(2026, 1, 1),
            is_concurrent=True,
        )
        zhao = make_person(cls.community_a, "赵丽")
        make_appointment(
            zhao,
            make_post(cls.community_a, cls.compound_a, "5号楼楼栋长"),
            start=dt.date(2021, 9, 1),
        )
        # A unit leader does not count as a 楼栋长.
        make_appointment(
            make_person(cls.community_a, "孙单元"),
            make_post(cls.community_a, cls.compound_a, "单元长", kind="unit_leader"),
            start=dt.date(2021, 9, 1),
        )

    def test_it_counts_for_a_date_range(self):
        self.login(self.jiedao)
        r = self.client.get("/documents/progress/", {"since": "2021-08-27", "until": "2026-06-30"})
        self.assertEqual(r.status_code, 200)
        rows = r.context["rows"]
        a, b, total = rows
        self.assertEqual((a.community, a.buildings, a.before, a.after), ("秀山门社区", 2, 2, 2))
        self.assertEqual(a.note, "其中兼任 1 人")
        self.assertEqual((b.community, b.buildings, b.before, b.after), ("杏花村社区", 1, 0, 0))
        self.assertEqual(
            (total.community, total.buildings, total.before, total.after), ("合计", 3, 2, 2)
        )
        self.assertContains(r, "优化整合后楼栋长数")

    def test_it_counts_an_earlier_range_differently(self):
        self.login(self.shequ_a)
        r = self.client.get("/documents/progress/", {"since": "2021-07-01", "until": "2021-12-31"})
        a, total = r.context["rows"]
        self.assertEqual((a.before, a.after), (3, 1))
        self.assertEqual(total.after, 1)

    def test_it_exports_xlsx_with_a_total_row(self):
        self.login(self.shequ_a)
        r = self.client.get(
            "/documents/progress.xlsx", {"since": "2021-08-27", "until": "2026-06-30"}
        )
        self.assertEqual(r.status_code, 200)
        rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
        self.assertEqual(
            rows[0], ("序号", "社区", "楼栋数", "原配备楼栋长数", "优化整合后楼栋长数", "备注")
        )
        self.assertEqual(rows[1][:5], (1, "秀山门社区", 2, 2, 2))
        self.assertEqual(rows[-1][1:5], ("合计", 2, 2, 2))
        self.assertTrue(AuditEvent.objects.filter(action="documents.export").exists())

    def test_it_rejects_a_reversed_range(self):
        self.login(self.shequ_a)
        r = self.client.get("/documents/progress/", {"since": "2026-06-30", "until": "2021-01-01"})
        self.assertContains(r, "起始日期不能晚于截止日期", status_code=400)

    def test_it_refuses_export_without_the_capability(self):
        self.login(self.leader)
        self.assertEqual(self.client.get("/documents/progress.xlsx").status_code, 404)
        self.login(self.outsider)
        self.assertEqual(self.client.get("/documents/progress/").status_code, 404)


class ProgressCampaignTestCase(DocumentsTestCase):
    """The issue's case: 3 leaders before, 1 kept on, 3 new → 优化整合后 4, not 3."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.appointment.delete()
        for i in range(3):
            person = make_person(cls.community_a, f"原楼栋长{i}")
            post = make_post(cls.community_a, cls.compound_a, f"原{i}号楼楼栋长")
            kept = i == 0
            make_appointment(
                person,
                post,
                start=dt.date(2019, 1, 1),
                is_legacy=True,
                **({} if kept else {"end": dt.date(2021, 9, 7), "status": "ended"}),
            )
        for i in range(3):
            make_appointment(
                make_person(cls.community_a, f"新楼栋长{i}"),
                make_post(cls.community_a, cls.compound_a, f"新{i}号楼楼栋长"),
                start=dt.date(2021, 9, 8),
            )

    def test_the_default_range_is_the_campaign_and_kept_leaders_count(self):
        self.login(self.shequ_a)
        r = self.client.get("/documents/progress/")
        self.assertEqual(r.context["form"].cleaned_data["since"], dt.date(2021, 8, 27))
        self.assertEqual(r.context["form"].cleaned_data["until"], dt.date(2021, 9, 8))
        a = r.context["rows"][0]
        self.assertEqual((a.before, a.after), (3, 4))
        self.assertIn("留任原楼栋长 1 人", a.note)

    def test_buildings_are_counted_as_of_the_date(self):
        late = make_building(self.compound_a, "9号楼")
        type(late).objects.filter(pk=late.pk).update(listed_from=dt.date(2024, 5, 1))
        self.login(self.shequ_a)
        early = self.client.get("/documents/progress/", {"until": "2021-09-08"}).context["rows"][0]
        now = self.client.get("/documents/progress/", {"until": "2026-06-30"}).context["rows"][0]
        self.assertEqual(now.buildings, early.buildings + 1)

    def test_the_dashboards_month_ends_agree_with_the_statistics_table(self):
        """The dashboard's line reads ``progress_by_day`` (two queries for any number of months);
        every month end gives what the 附件2 table gives for that date."""
        from loudong.documents.exports import progress_by_day, progress_rows
        from loudong.territory.models import Region

        late = make_building(self.compound_a, "9号楼")
        type(late).objects.filter(pk=late.pk).update(listed_from=dt.date(2024, 5, 1))
        communities = list(Region.objects.filter(level="community").order_by("path"))
        days = [
            dt.date(2019, 6, 30),
            dt.date(2021, 9, 7),
            dt.date(2021, 9, 8),
            dt.date(2024, 4, 30),
        ]
        days += [dt.date(2024, 5, 1), dt.date(2026, 6, 30)]
        with self.assertNumQueries(2):
            line = progress_by_day(communities, days)
        for day, buildings, leaders in line:
            total = progress_rows(communities, since=day, until=day)[-1]
            self.assertEqual((buildings, leaders), (total.buildings, total.after), day)
        self.assertEqual([n for _, _, n in line], [3, 3, 4, 4, 4, 4])
