"""Home, phone pages, the service worker, coverage; no N+1 on the queue."""

import datetime as dt

import time_machine

from loudong.fieldwork.actions.visits import record_visit
from loudong.fieldwork.tests.helpers import FieldworkTestCase

CST = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=CST)


@time_machine.travel(MONDAY, tick=False)
class PagesTestCase(FieldworkTestCase):
    def test_a_leader_lands_on_the_phone_home_with_big_buttons(self):
        self.login(self.leader)
        r = self.client.get("/")
        self.assertRedirects(r, "/fieldwork/m/")
        page = self.client.get("/fieldwork/m/")
        for label in ("走访登记", "上报事件", "服务记录", "我的住户", "我的事件", "通知"):
            self.assertContains(page, f">{label}")
        self.assertContains(page, "5 户")
        self.assertContains(page, '<span class="badge">5</span> 户待走访')
        # One visited today no longer waits; one visited 40 days ago is within the 90 days, but
        # once it needs attention (重点关注, 30 days) it waits again.
        from loudong.fieldwork.actions.visits import record_visit
        from loudong.territory.models import Household

        record_visit(acting_user=self.leader, date=MONDAY.date(), households=self.homes[:1])
        record_visit(
            acting_user=self.leader,
            date=MONDAY.date() - dt.timedelta(days=40),
            households=self.homes[1:2],
        )
        Household.objects.filter(pk=self.homes[1].pk).update(needs_attention=True)
        page = self.client.get("/fieldwork/m/")
        self.assertContains(page, '<span class="badge">4</span> 户待走访')
        # Other roles keep the ordinary home page.
        self.login(self.shequ_a)
        self.assertEqual(self.client.get("/").status_code, 200)
        self.assertContains(self.client.get("/"), 'href="/fieldwork/"')

    def test_the_service_worker_is_served_for_the_phone_scope(self):
        r = self.client.get("/fieldwork/m/sw.js")
        self.assertEqual(r["Content-Type"], "application/javascript; charset=utf-8")
        self.assertEqual(r["Service-Worker-Allowed"], "/fieldwork/m/")
        self.assertIn(b'addEventListener("fetch"', r.content)
        self.login(self.leader)
        page = self.client.get("/fieldwork/m/visit/")
        self.assertContains(page, 'data-sw="/fieldwork/m/sw.js"')
        self.assertContains(page, 'data-outbox="走访登记"')
        self.assertNotContains(page, "<script>")  # CSP: no inline script

    def test_my_incidents_shows_status_and_replies(self):
        incident = self.report()
        self.move(incident, "accept", self.shequ_a)
        self.move(self.fresh(incident), "reply", self.shequ_a, text="明天上门查看")
        self.login(self.leader)
        page = self.client.get("/fieldwork/m/incidents/")
        self.assertContains(page, "办理中")
        self.assertContains(page, "明天上门查看")

    def test_notifications_are_read(self):
        self.report()
        self.login(self.shequ_a)
        page = self.client.get("/fieldwork/notifications/")
        self.assertContains(page, "新事件待受理")
        self.client.post("/fieldwork/notifications/read/")
        from loudong.fieldwork.models import Notification

        self.assertFalse(
            Notification.objects.filter(user=self.shequ_a, read_at__isnull=True).exists()
        )

    def test_the_queue_has_no_n_plus_one(self):
        for _ in range(3):
            self.report()
        self.login(self.shequ_a)
        self.client.get("/fieldwork/")
        with self.assertNumQueries(14):
            self.client.get("/fieldwork/")
        archive = self.client.get("/fieldwork/?status=all")
        self.assertEqual(len(archive.context["page"].object_list), 3)
        self.assertContains(archive, "第 1 页")
        for _ in range(5):
            self.report()
        with self.assertNumQueries(14):
            self.client.get("/fieldwork/")

    def test_coverage_per_grid_and_map(self):
        record_visit(acting_user=self.leader, date=dt.date(2026, 11, 2), households=self.homes[:4])
        last = self.homes[4]
        last.needs_attention, last.attention_reason = True, "独居老人"
        last.save()
        self.login(self.shequ_a)
        page = self.client.get("/fieldwork/coverage/?period=2026-Q4")
        rows = {r["code"]: r for r in page.context["rows"]}
        self.assertEqual(rows[self.code_a1]["visited"], 4)
        self.assertEqual(rows[self.code_a1]["pct"], 80.0)
        self.assertEqual(
            (rows[self.code_a1]["priority"], rows[self.code_a1]["priority_late"]), (1, 1)
        )
        self.assertEqual(rows[self.code_a2]["visited"], 0)
        self.assertEqual(rows[self.code_a1]["leader"], "陈德明")
        data = self.client.get(
            f"/fieldwork/coverage/map.json?community={self.community_a.pk}&period=2026-Q4"
        ).json()
        b1 = next(b for b in data["buildings"] if b["name"] == str(self.b1))
        self.assertEqual((b1["visited"], b1["households"]), (4, 5))
        self.assertContains(self.client.get("/fieldwork/coverage/?period=nonsense"), "统计期：请用")
        self.login(self.shequ_b)
        self.assertEqual(
            self.client.get(f"/fieldwork/coverage/?community={self.community_a.pk}").status_code,
            404,
        )
        self.login(self.leader)
        self.assertEqual(self.client.get("/fieldwork/coverage/").status_code, 404)
