"""The monthly 服务记录表: generated from the records, submitted, reviewed, printed, exported."""

import datetime as dt
import io

import time_machine
from openpyxl import load_workbook

from loudong.accounts.models import AuditEvent
from loudong.fieldwork.actions.service import record_service
from loudong.fieldwork.actions.visits import record_visit
from loudong.fieldwork.models import MonthlyReport, Notification
from loudong.fieldwork.tests.helpers import FieldworkTestCase

DEC_2 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@time_machine.travel(DEC_2, tick=False)
class MonthlyReportTestCase(FieldworkTestCase):
    def setUp(self):
        super().setUp()
        record_visit(
            acting_user=self.leader,
            date=dt.date(2026, 11, 10),
            households=self.homes[:3],
            notes="了解需求",
        )
        record_visit(acting_user=self.leader, date=dt.date(2026, 11, 20), households=self.homes[:1])
        record_service(
            acting_user=self.leader,
            date=dt.date(2026, 11, 12),
            category="publicity",
            content="宣传燃气安全",
        )
        record_service(
            acting_user=self.leader,
            date=dt.date(2026, 10, 12),
            category="publicity",
            content="十月的",
        )
        with time_machine.travel(
            dt.datetime(2026, 11, 16, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False
        ):
            self.report(then="solve", resolution="已清理", category="environment_garbage")

    def test_the_leader_sees_last_month_until_its_due_day_and_submits_it(self):
        self.login(self.leader)
        page = self.client.get("/fieldwork/m/month/")
        self.assertEqual(page.context["month"], dt.date(2026, 11, 1))
        content = page.context["content"]
        self.assertEqual(
            (content["visit_count"], content["visited"], content["households"]), (2, 3, 5)
        )
        self.assertEqual(
            (content["service_count"], content["incident_count"], content["solved_on_spot"]),
            (1, 1, 1),
        )
        self.assertEqual(content["not_visited"], 2)
        r = self.client.post(
            "/fieldwork/m/month/", {"month": "2026-11", "remarks": "3号楼有独居老人需要关注"}
        )
        self.assertEqual(r.status_code, 302)
        report = MonthlyReport.objects.get()
        self.assertEqual((report.status, report.content["visit_count"]), ("submitted", 2))
        self.assertTrue(Notification.objects.filter(user=self.shequ_a, kind="report").exists())
        r = self.client.post("/fieldwork/m/month/", {"month": "2026-11"})
        self.assertEqual(MonthlyReport.objects.count(), 1)

    def test_the_submitted_content_does_not_change_with_later_records(self):
        self.login(self.leader)
        self.client.post("/fieldwork/m/month/", {"month": "2026-11"})
        record_service(
            acting_user=self.leader, date=dt.date(2026, 11, 28), category="service", content="补录"
        )
        self.login(self.shequ_a)
        page = self.client.get(f"/fieldwork/reports/{self.person.pk}/2026-11/")
        self.assertEqual(page.context["content"]["service_count"], 1)

    def test_the_community_sees_who_has_not_submitted_and_reviews(self):
        self.login(self.leader)
        self.client.post("/fieldwork/m/month/", {"month": "2026-11"})
        self.login(self.shequ_a)
        page = self.client.get("/fieldwork/reports/?month=2026-11")
        self.assertEqual([r.person for r in page.context["submitted"]], [self.person])
        self.assertEqual(list(page.context["missing"]), [self.person2])
        url = f"/fieldwork/reports/{self.person.pk}/2026-11/review/"
        r = self.client.post(url, {"comment": ""})
        self.assertEqual(r.status_code, 400)
        r = self.client.post(url, {"comment": "走访覆盖不足，请加强"})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(MonthlyReport.objects.get().status, "reviewed")
        self.assertTrue(
            Notification.objects.filter(user=self.leader, title__contains="已审阅").exists()
        )
        r = self.client.post(url, {"comment": "再审"})
        self.assertContains(r, "已审阅", status_code=400)

    def test_it_prints_and_exports(self):
        self.login(self.shequ_a)
        page = self.client.get(f"/fieldwork/reports/{self.person.pk}/2026-11/")
        self.assertContains(page, "秀山门社区楼栋长服务记录表")
        self.assertContains(page, "宣传燃气安全")
        r = self.client.get(f"/fieldwork/reports/{self.person.pk}/2026-11/xlsx/")
        book = load_workbook(io.BytesIO(r.content))
        self.assertEqual(book.sheetnames, ["汇总", "走访", "服务记录", "事件"])
        self.assertEqual(book["汇总"]["B2"].value, "陈德明")
        self.assertTrue(AuditEvent.objects.filter(action="fieldwork.report_export").exists())

    def test_others_get_404(self):
        for user in (self.leader2, self.shequ_b, self.minzheng):
            self.login(user)
            self.assertEqual(
                self.client.get(f"/fieldwork/reports/{self.person.pk}/2026-11/").status_code, 404
            )
        self.login(self.leader2)
        self.assertEqual(self.client.get("/fieldwork/reports/").status_code, 404)

    def test_a_future_month_or_a_month_out_of_post_is_refused(self):
        from loudong.fieldwork.actions.common import Refused
        from loudong.fieldwork.actions.reports import submit_report

        with self.assertRaisesMessage(Refused, "不能报送以后月份"):
            submit_report(acting_user=self.leader, month=dt.date(2027, 1, 1))
        with self.assertRaisesMessage(Refused, "不在任"):
            submit_report(acting_user=self.leader, month=dt.date(2021, 1, 1))
        self.assertFalse(MonthlyReport.objects.exists())
