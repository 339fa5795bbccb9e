"""Field work on the workbench (incidents at the user's level, tables to review) and in the
dashboards (incidents by category and status, visits coverage)."""

import datetime as dt

import time_machine

from loudong.fieldwork.models import Incident, MonthlyReport
from loudong.fieldwork.tests.helpers import FieldworkTestCase
from loudong.workbench.tests.test_home import counts

MONDAY = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


@time_machine.travel(MONDAY, tick=False)
class FieldworkWorkbenchTestCase(FieldworkTestCase):
    def test_an_escalated_incident_waits_for_the_community_then_the_subdistrict(self):
        incident = self.report()
        self.assertEqual(self.fresh(incident).level, "community")
        self.login(self.shequ_a)
        r = self.client.get("/")
        self.assertEqual(counts(r)["incidents-community"], 1)
        self.assertContains(r, f'href="/fieldwork/incidents/{incident.pk}/"')
        self.login(self.shequ_b)
        self.assertNotIn("incidents-community", counts(self.client.get("/")))
        self.login(self.jiedao)
        self.assertNotIn("incidents-subdistrict", counts(self.client.get("/")))
        self.move(incident, "escalate", self.shequ_a, reason="需街道协调消防部门")
        self.assertEqual(self.fresh(incident).level, "subdistrict")
        r = self.client.get("/")
        self.assertEqual(counts(r)["incidents-subdistrict"], 1)
        self.login(self.shequ_a)
        self.assertNotIn("incidents-community", counts(self.client.get("/")))

    def test_overdue_incidents_are_counted_and_the_count_opens_the_queue(self):
        self.report()
        late = self.report(description="电动车楼道充电")
        Incident.objects.filter(description="电动车楼道充电").update(
            due=MONDAY - dt.timedelta(hours=1)
        )
        self.login(self.shequ_a)
        r = self.client.get("/")
        self.assertEqual(counts(r)["incidents-community"], 2)
        self.assertContains(r, "其中 1 项逾期或紧急")
        self.assertContains(r, 'href="/fieldwork/?level=community"')
        queue = self.client.get("/fieldwork/?level=community")
        self.assertEqual(queue.status_code, 200)
        self.assertContains(queue, f'href="/fieldwork/incidents/{late.pk}/"')

    def test_urgent_incidents_also_reach_the_subdistrict(self):
        self.report(severity="urgent", description="燃气泄漏")
        self.login(self.jiedao)
        r = self.client.get("/")
        self.assertEqual(counts(r)["incidents-urgent"], 1)

    def test_service_tables_to_review(self):
        MonthlyReport.objects.create(
            community=self.community_a,
            person=self.person,
            month=dt.date(2026, 2, 1),
            submitted_by=self.leader,
        )
        self.login(self.shequ_a)
        r = self.client.get("/")
        self.assertEqual(counts(r)["service-reports"], 1)
        self.login(self.shequ_b)
        self.assertNotIn("service-reports", counts(self.client.get("/")))

    @time_machine.travel(dt.datetime(2026, 3, 9, 9, tzinfo=dt.UTC), tick=False)
    def test_tables_missing_after_the_due_day(self):
        MonthlyReport.objects.create(
            community=self.community_a,
            person=self.person,
            month=dt.date(2026, 2, 1),
            submitted_by=self.leader,
        )
        self.login(self.shequ_a)
        got = counts(self.client.get("/"))
        self.assertEqual(got["service-reports-missing"], 1)  # 王建国 (person2) has none
        r = self.client.get("/workbench/service-reports-missing/")
        self.assertContains(r, "王建国")
        self.assertNotContains(r, "陈德明")
