"""Every move of the incident workflow through the pages: guard, role, history, refusals."""

import datetime as dt

import time_machine
from django.utils.timezone import localtime

from loudong.accounts.models import AuditEvent
from loudong.fieldwork.models import Incident, Notification, Rating
from loudong.fieldwork.tests.helpers import FieldworkTestCase

MONDAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@time_machine.travel(MONDAY, tick=False)
class MovesTestCase(FieldworkTestCase):
    def setUp(self):
        super().setUp()
        self.incident = self.report(category="dispute_neighbour", description="楼上漏水")

    def post(self, user, move, **data):
        self.login(user)
        return self.client.post(f"/fieldwork/incidents/{self.incident.pk}/{move}/", data)

    def test_it_accepts(self):
        r = self.post(self.shequ_a, "accept")
        self.assertEqual(r.status_code, 302)
        incident = self.fresh(self.incident)
        self.assertEqual((incident.status, incident.assignee), ("accepted", self.shequ_a))
        self.assertEqual(incident.events.last().move, "accept")
        self.assertTrue(
            AuditEvent.objects.filter(
                action="fieldwork.incident_move", target_id=str(incident.pk)
            ).exists()
        )

    def test_it_returns_to_the_leader_who_reported_it(self):
        r = self.post(self.shequ_a, "return", reason="请楼栋长先上门了解")
        self.assertEqual(r.status_code, 302)
        incident = self.fresh(self.incident)
        self.assertEqual((incident.status, incident.level), ("returned", "building_leader"))
        self.assertTrue(Notification.objects.filter(user=self.leader, incident=incident).exists())
        # The leader's level clock: 1 working day.
        self.assertEqual(localtime(incident.due).date(), dt.date(2026, 11, 24))

    def test_a_return_needs_a_reason(self):
        r = self.post(self.shequ_a, "return", reason="")
        self.assertContains(r, "退回原因：请填写", status_code=400)
        self.assertEqual(self.fresh(self.incident).level, "community")

    def test_an_extension_pauses_the_clock_until_the_subdistrict_decides(self):
        self.post(self.shequ_a, "accept")
        r = self.post(self.shequ_a, "extend", days="2", reason="需等物业维修材料")
        self.assertEqual(r.status_code, 302)
        incident = self.fresh(self.incident)
        self.assertIsNotNone(incident.paused_since)
        self.assertEqual(incident.extension_days, 2)
        self.assertTrue(Notification.objects.filter(user=self.jiedao, incident=incident).exists())
        with time_machine.travel(MONDAY + dt.timedelta(days=1), tick=False):
            r = self.post(self.jiedao, "approve_extension", reason="同意")
        self.assertEqual(r.status_code, 302)
        incident = self.fresh(self.incident)
        self.assertIsNone(incident.paused_since)
        # Thu 26 + the day paused (→ Fri 27) + 2 working days → Tue 1 Dec.
        self.assertEqual(localtime(incident.due).date(), dt.date(2026, 12, 1))

    def test_an_extension_without_a_reason_is_refused(self):
        self.post(self.shequ_a, "accept")
        r = self.post(self.shequ_a, "extend", days="2", reason="")
        self.assertContains(r, "延期理由：请填写", status_code=400)
        self.assertIsNone(self.fresh(self.incident).paused_since)

    def test_an_extension_beyond_the_profiles_limit_is_refused(self):
        self.post(self.shequ_a, "accept")
        r = self.post(self.shequ_a, "extend", days="9", reason="材料")
        self.assertContains(r, "延期天数：每次 1 至 5 个工作日", status_code=400)

    def test_the_worker_cannot_approve_its_own_extension(self):
        self.post(self.shequ_a, "accept")
        self.post(self.shequ_a, "extend", days="2", reason="材料")
        r = self.post(self.shequ_a, "approve_extension")
        self.assertEqual(r.status_code, 403)
        self.assertIsNotNone(self.fresh(self.incident).paused_since)
        self.assertTrue(AuditEvent.objects.filter(action="fieldwork.refused").exists())

    def test_it_escalates_to_the_subdistrict_and_not_past_the_top(self):
        r = self.post(self.shequ_a, "escalate", reason="涉及多个部门")
        self.assertEqual(r.status_code, 302)
        self.assertEqual(self.fresh(self.incident).level, "subdistrict")
        self.assertTrue(Notification.objects.filter(user=self.jiedao, kind="escalated").exists())
        r = self.post(self.jiedao, "escalate", reason="再上报")
        self.assertContains(r, "已是最高一级（街道），不能再上报", status_code=400)
        self.assertEqual(self.fresh(self.incident).level, "subdistrict")

    def _moves(self, user):
        from loudong.fieldwork.access import allowed_moves

        return allowed_moves(user, self.fresh(self.incident))

    def test_escalating_past_the_top_says_why(self):
        from loudong.fieldwork.actions.common import Refused

        self.post(self.shequ_a, "escalate", reason="涉及多个部门")
        self.assertNotIn("escalate", self._moves(self.jiedao))
        with self.assertRaisesMessage(Refused, "已是最高一级（街道），不能再上报"):
            from loudong.fieldwork.actions.incidents import _escalate

            _escalate(
                self.fresh(self.incident), acting_user=self.jiedao, now=MONDAY, reason="再上报"
            )
        self.assertEqual(self.fresh(self.incident).level, "subdistrict")

    def test_closing_without_a_resolution_is_refused(self):
        r = self.post(self.shequ_a, "close", resolution="")
        self.assertContains(r, "办理结果（关闭前须填写）：请填写", status_code=400)
        self.assertEqual(self.fresh(self.incident).status, "new")

    def test_resolve_then_the_reporter_rates_once(self):
        self.post(self.shequ_a, "accept")
        self.post(self.shequ_a, "reply", text="已联系双方，正在调解。")
        self.post(self.shequ_a, "resolve", resolution="双方已达成一致")
        incident = self.fresh(self.incident)
        self.assertEqual(incident.status, "resolved")
        self.assertTrue(
            Notification.objects.filter(user=self.leader, title__contains="已办结").exists()
        )
        r = self.post(self.leader, "rate", grade="satisfied", comment="谢谢")
        self.assertEqual(r.status_code, 302)
        self.assertEqual(self.fresh(self.incident).status, "closed")
        r = self.post(self.leader, "rate", grade="satisfied")
        self.assertContains(r, "已评价或已关闭，不能重复评价", status_code=400)
        self.assertEqual(Rating.objects.count(), 1)

    def test_unsatisfied_reopens_at_the_same_level_then_the_level_above(self):
        self.post(self.shequ_a, "resolve", resolution="已调解")
        self.post(self.leader, "rate", grade="unsatisfied", comment="还在漏水")
        incident = self.fresh(self.incident)
        self.assertEqual(
            (incident.status, incident.level, incident.reopen_count), ("reopened", "community", 1)
        )
        self.post(self.shequ_a, "resolve", resolution="已修好")
        self.post(self.leader, "rate", grade="unsatisfied", comment="仍未解决")
        incident = self.fresh(self.incident)
        self.assertEqual(
            (incident.status, incident.level, incident.reopen_count), ("reopened", "subdistrict", 2)
        )
        self.assertEqual(Rating.objects.filter(incident=incident).count(), 2)

    def test_the_reporter_reopens_within_the_window_only(self):
        self.post(self.shequ_a, "close", resolution="已处理")
        r = self.post(self.leader, "reopen", reason="没有处理")
        self.assertEqual(r.status_code, 302)
        self.assertEqual(self.fresh(self.incident).status, "reopened")
        self.post(self.shequ_a, "close", resolution="再次处理")
        with time_machine.travel(MONDAY + dt.timedelta(days=30), tick=False):
            r = self.post(self.leader, "reopen", reason="又坏了")
        self.assertContains(r, "已超过办结后 10 个工作日", status_code=400)
        self.assertEqual(self.fresh(self.incident).status, "closed")

    def test_transfer_supervise_assign(self):
        self.post(self.shequ_a, "accept")
        r = self.post(self.shequ_a, "transfer", department="区住建局", reason="房屋漏水鉴定")
        self.assertEqual(r.status_code, 302)
        self.assertEqual(
            (self.fresh(self.incident).status, self.fresh(self.incident).department),
            ("transferred", "区住建局"),
        )
        r = self.post(self.jiedao, "supervise", reason="请本周内办结")
        self.assertEqual(r.status_code, 302)
        self.assertTrue(self.fresh(self.incident).supervised)
        self.assertTrue(Notification.objects.filter(user=self.shequ_a, kind="supervised").exists())
        r = self.post(self.shequ_a, "assign", assignee=str(self.dangwei_a.pk))
        self.assertEqual(self.fresh(self.incident).assignee, self.dangwei_a)
        r = self.post(self.shequ_a, "assign", assignee=str(self.shequ_b.pk))
        self.assertContains(r, "指派：只能指派给社区的工作人员", status_code=400)

    def test_merge_keeps_the_reporter_informed(self):
        other = self.report(self.leader2, building=self.b2, category="dispute_neighbour")
        r = self.post(self.shequ_a, "merge", into=str(other.pk), reason="同一漏水问题")
        self.assertEqual(r.status_code, 302)
        incident = self.fresh(self.incident)
        self.assertEqual((incident.status, incident.merged_into_id), ("merged", other.pk))
        self.assertTrue(
            Notification.objects.filter(
                user=self.leader, title__contains=f"已并入 #{other.pk}"
            ).exists()
        )
        self.assertTrue(other.events.filter(move="merged_in").exists())
        r = self.post(self.shequ_a, "merge", into=str(self.incident.pk))
        self.assertEqual(r.status_code, 400)

    def test_a_leader_may_not_move_an_incident_held_by_the_community(self):
        r = self.post(self.leader, "escalate", reason="催办")
        self.assertEqual(r.status_code, 403)
        self.assertEqual(self.fresh(self.incident).level, "community")
        refusal = AuditEvent.objects.get(action="fieldwork.refused")
        self.assertEqual(refusal.target_id, str(self.incident.pk))
        self.assertTrue(AuditEvent.objects.filter(action="access.denied").exists())

    def test_a_leader_of_another_grid_and_a_worker_of_another_community_get_404(self):
        for user in (self.leader2, self.shequ_b, self.leader_b, self.minzheng, self.outsider):
            self.login(user)
            self.assertEqual(
                self.client.get(self.incident.get_absolute_url()).status_code, 404, user
            )
            self.assertEqual(self.post(user, "accept").status_code, 404, user)
        self.assertEqual(self.fresh(self.incident).status, "new")
        self.assertTrue(AuditEvent.objects.filter(action="access.out_of_scope").exists())

    def test_a_move_by_get_changes_nothing(self):
        self.login(self.shequ_a)
        r = self.client.get(f"/fieldwork/incidents/{self.incident.pk}/accept/")
        self.assertEqual(r.status_code, 405)
        self.assertEqual(self.fresh(self.incident).status, "new")

    def test_an_unknown_move_is_404(self):
        self.assertEqual(self.post(self.shequ_a, "delete").status_code, 404)

    def test_the_page_offers_only_the_users_moves_with_confirmation(self):
        self.post(self.shequ_a, "accept")
        self.login(self.shequ_a)
        page = self.client.get(self.incident.get_absolute_url())
        self.assertContains(page, f"/fieldwork/incidents/{self.incident.pk}/escalate/")
        self.assertContains(page, 'data-confirm="确定上报到上一级？"')
        self.assertContains(page, "已联系双方当事人，正在调解。")  # a canned reply
        self.login(self.leader)
        page = self.client.get(self.incident.get_absolute_url())
        self.assertNotContains(page, f"/fieldwork/incidents/{self.incident.pk}/escalate/")


@time_machine.travel(MONDAY, tick=False)
class BulkTestCase(FieldworkTestCase):
    def test_bulk_close_is_all_or_nothing(self):
        a = self.report(category="environment_garbage")
        b = self.report(category="environment_noise")
        self.login(self.shequ_a)
        r = self.client.post(
            "/fieldwork/incidents/bulk/", {"move": "close", "ids": [a.pk, b.pk], "resolution": ""}
        )
        self.assertEqual(r.status_code, 302)
        self.assertEqual(set(Incident.objects.values_list("status", flat=True)), {"new"})
        r = self.client.post(
            "/fieldwork/incidents/bulk/",
            {"move": "close", "ids": [a.pk, b.pk], "resolution": "已清理"},
        )
        self.assertEqual(set(Incident.objects.values_list("status", flat=True)), {"closed"})

    def test_bulk_assign_and_merge(self):
        a = self.report(category="environment_garbage")
        b = self.report(category="environment_noise")
        c = self.report(category="environment_pets")
        self.login(self.shequ_a)
        self.client.post(
            "/fieldwork/incidents/bulk/",
            {"move": "assign", "ids": [a.pk, b.pk], "assignee": self.dangwei_a.pk},
        )
        self.assertEqual(
            set(Incident.objects.filter(pk__in=[a.pk, b.pk]).values_list("assignee", flat=True)),
            {self.dangwei_a.pk},
        )
        self.client.post(
            "/fieldwork/incidents/bulk/", {"move": "merge", "ids": [a.pk, b.pk, c.pk], "into": c.pk}
        )
        self.assertEqual(
            set(Incident.objects.filter(merged_into=c).values_list("pk", flat=True)), {a.pk, b.pk}
        )

    def test_bulk_on_an_incident_out_of_scope_is_404(self):
        mine = self.report(category="environment_garbage")
        theirs = self.report(self.leader_b, building=self.bb)
        self.login(self.shequ_a)
        r = self.client.post(
            "/fieldwork/incidents/bulk/",
            {"move": "close", "ids": [mine.pk, theirs.pk], "resolution": "x"},
        )
        self.assertEqual(r.status_code, 404)
        self.assertEqual(self.fresh(mine).status, "new")

    def test_the_queue_filters_and_counts(self):
        self.report(category="environment_garbage")
        self.report(severity="urgent", category="safety_gas")
        self.report(self.leader_b, building=self.bb)
        self.login(self.shequ_a)
        r = self.client.get("/fieldwork/?severity=urgent")
        self.assertEqual([i.category.code for i in r.context["page"]], ["safety_gas"])
        r = self.client.get("/fieldwork/?category=environment")
        self.assertEqual([i.category.code for i in r.context["page"]], ["environment_garbage"])
        self.assertEqual(r.context["page"].paginator.count, 1)
        r = self.client.get("/fieldwork/?status=new")
        self.assertEqual(r.context["page"].paginator.count, 2)
        r = self.client.get("/fieldwork/")
        self.assertContains(r, "未结 <strong>2</strong>")
        self.assertNotContains(r, "杏林苑")
        with time_machine.travel(MONDAY + dt.timedelta(days=10), tick=False):
            self.login(self.shequ_a)
            r = self.client.get("/fieldwork/?overdue=on")
        self.assertContains(r, "已超期")
        self.assertEqual(len(r.context["page"].object_list), 2)

    def test_the_queue_is_for_bodies_only(self):
        for user, status in ((self.minzheng, 404), (self.outsider, 404), (self.leader, 302)):
            self.login(user)
            self.assertEqual(self.client.get("/fieldwork/").status_code, status)
