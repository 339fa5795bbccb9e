"""Visits (走访) and service records from the phone, and the registry change requests."""

import datetime as dt

import time_machine

from loudong.accounts.models import AuditEvent
from loudong.fieldwork.models import ChangeRequest, Incident, ServiceRecord, Visit, VisitHousehold
from loudong.fieldwork.tests.helpers import FieldworkTestCase

TODAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@time_machine.travel(TODAY, tick=False)
class VisitTestCase(FieldworkTestCase):
    def post(self, **data):
        data.setdefault("date", "2026-11-23")
        data.setdefault("households", [self.homes[0].pk, self.homes[1].pk])
        data.setdefault("idempotency_key", "v-1")
        self.login(self.leader)
        return self.client.post("/fieldwork/m/visit/", data)

    def test_it_records_a_visit_to_several_households(self):
        r = self.post(notes="王大爷腿脚不便，需要助餐", companions="社区网格员")
        self.assertEqual(r.status_code, 302)
        visit = Visit.objects.get()
        self.assertEqual(
            (visit.person, visit.date, visit.companions),
            (self.person, dt.date(2026, 11, 23), "社区网格员"),
        )
        rows = VisitHousehold.objects.order_by("household_id")
        self.assertEqual([r.household_id for r in rows], [self.homes[0].pk, self.homes[1].pk])
        self.assertEqual(
            {(r.post_id, r.grid_code) for r in rows}, {(self.post_a1.pk, self.code_a1)}
        )
        self.assertTrue(AuditEvent.objects.filter(action="fieldwork.visit").exists())
        page = self.client.get("/fieldwork/m/households/")
        self.assertContains(page, "上次走访 2026-11-23")

    def test_a_replay_of_the_same_key_makes_one_visit(self):
        self.post()
        self.post()
        self.assertEqual(Visit.objects.count(), 1)
        self.assertEqual(VisitHousehold.objects.count(), 2)

    def test_households_of_another_grid_are_refused(self):
        r = self.post(households=[self.homes2[0].pk])
        self.assertEqual(r.status_code, 400)
        self.assertFalse(Visit.objects.exists())

    def test_a_visit_without_households_or_in_the_future_is_refused(self):
        r = self.post(households=[])
        self.assertContains(r, "请至少选择一户", status_code=400)
        r = self.post(date="2026-11-24")
        self.assertContains(r, "走访日期不能晚于 2026-11-23", status_code=400)
        self.assertFalse(Visit.objects.exists())

    def test_a_change_and_a_problem_found_on_the_visit(self):
        r = self.post(
            households=[self.homes[0].pk],
            change="新增一名常住人口（孙子）",
            problem_category="safety_ebike",
            problem="楼道内给电动车充电",
        )
        self.assertEqual(r.status_code, 302)
        visit = Visit.objects.get()
        change = ChangeRequest.objects.get()
        self.assertEqual(
            (change.household_id, change.visit_id, change.status),
            (self.homes[0].pk, visit.pk, "pending"),
        )
        incident = Incident.objects.get()
        self.assertEqual(
            (incident.visit, incident.household_id, incident.level),
            (visit, self.homes[0].pk, "community"),
        )
        self.login(self.shequ_a)
        self.client.post(f"/fieldwork/changes/{change.pk}/review/", {"confirmed": "0", "note": ""})
        self.assertEqual(ChangeRequest.objects.get().status, "pending")
        self.client.post(
            f"/fieldwork/changes/{change.pk}/review/", {"confirmed": "1", "note": "已登记"}
        )
        self.assertEqual(ChangeRequest.objects.get().status, "confirmed")
        self.login(self.shequ_b)
        self.assertEqual(
            self.client.post(
                f"/fieldwork/changes/{change.pk}/review/", {"confirmed": "1"}
            ).status_code,
            404,
        )

    def test_the_priority_households_come_first_without_the_reason(self):
        last = self.homes[-1]
        last.needs_attention, last.attention_reason = True, "独居老人"
        last.save()
        self.login(self.leader)
        page = self.client.get("/fieldwork/m/visit/")
        self.assertEqual(page.context["form"].fields["households"].choices[0][0], str(last.pk))
        self.assertContains(page, "【重点关注】")
        self.assertNotContains(page, "独居老人")
        page = self.client.get("/fieldwork/m/households/")
        self.assertContains(page, "重点关注")
        self.assertNotContains(page, "独居老人")

    def test_the_leaders_list_has_only_the_posts_households(self):
        self.login(self.leader)
        page = self.client.get("/fieldwork/m/households/")
        self.assertEqual({h.pk for h in page.context["rows"]}, {h.pk for h in self.homes})

    def test_an_account_without_a_post_sees_a_notice(self):
        self.login(self.shequ_a)
        page = self.client.get("/fieldwork/m/visit/")
        self.assertContains(page, "还没有关联在任的楼栋长")
        r = self.client.post(
            "/fieldwork/m/visit/", {"date": "2026-11-23", "households": [self.homes[0].pk]}
        )
        self.assertFalse(Visit.objects.exists())
        self.assertEqual(r.status_code, 200)


@time_machine.travel(TODAY, tick=False)
class ServiceTestCase(FieldworkTestCase):
    def test_it_records_a_service_under_a_duty_of_the_profile(self):
        self.login(self.leader)
        page = self.client.get("/fieldwork/m/service/")
        for label in ("政策宣传员", "信息采集员", "民事调解员", "文明创建员", "为民服务员"):
            self.assertContains(page, label)
        r = self.client.post(
            "/fieldwork/m/service/",
            {
                "date": "2026-11-20",
                "category": "service",
                "content": "帮助独居老人代购药品",
                "people_served": "1",
                "idempotency_key": "s1",
            },
        )
        self.assertEqual(r.status_code, 302)
        record = ServiceRecord.objects.get()
        self.assertEqual(
            (record.category_label, record.post, record.person),
            ("为民服务员", self.post_a1, self.person),
        )

    def test_an_unknown_duty_or_empty_content_is_refused(self):
        self.login(self.leader)
        r = self.client.post(
            "/fieldwork/m/service/",
            {"date": "2026-11-20", "category": "mayor", "content": "x", "people_served": "1"},
        )
        self.assertEqual(r.status_code, 400)
        r = self.client.post(
            "/fieldwork/m/service/",
            {"date": "2026-11-20", "category": "service", "content": "", "people_served": "1"},
        )
        self.assertEqual(r.status_code, 400)
        self.assertFalse(ServiceRecord.objects.exists())
