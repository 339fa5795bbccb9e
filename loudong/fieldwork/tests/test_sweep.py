"""The overdue sweep: ``loudong escalate_overdue [--now]`` and the worker's task."""

import datetime as dt
import io

import time_machine
from django.core.management import CommandError, call_command

from loudong.accounts.models import AuditEvent
from loudong.community.models import ChatGroup
from loudong.fieldwork.models import Incident, IncidentEvent, Notification, OutboxMessage
from loudong.fieldwork.tests.helpers import FieldworkTestCase
from loudong.ops.schedule import SCHEDULE

CST = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=CST)


def sweep(now: str) -> str:
    out = io.StringIO()
    call_command("escalate_overdue", "--now", now, stdout=out)
    return out.getvalue()


class SweepTestCase(FieldworkTestCase):
    def setUp(self):
        super().setUp()
        with time_machine.travel(MONDAY, tick=False):
            # Held by the community until the end of Thursday 26 (3 working days).
            self.incident = self.report(category="dispute_neighbour")

    def test_it_escalates_an_overdue_incident_one_level_with_a_notice(self):
        ChatGroup.objects.create(
            name="秀山门社区网格长群",
            level="community",
            kind="wecom",
            community=self.community_a,
            webhook="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
        )
        self.assertIn("escalated=0", sweep("2026-11-26T20:00:00+08:00"))
        out = sweep("2026-11-27T09:00:00+08:00")
        self.assertIn("超期自动上报 1 件", out)
        incident = self.fresh(self.incident)
        self.assertEqual((incident.status, incident.level), ("new", "subdistrict"))
        event = incident.events.last()
        self.assertEqual((event.move, event.by), ("auto_escalate", "系统"))
        self.assertEqual(incident.stages.get(level="community").on_time, False)
        self.assertTrue(
            Notification.objects.filter(
                user=self.jiedao, kind="escalated", incident=incident
            ).exists()
        )
        warning, message = OutboxMessage.objects.order_by("id")
        self.assertIn("事件即将超期", warning.text)
        self.assertIn("事件超期，已自动上报", message.text)
        self.assertNotIn("楼上漏水", message.text)  # no description in a group
        self.assertTrue(AuditEvent.objects.filter(action="fieldwork.sweep").exists())

    def test_it_is_idempotent_for_the_same_now(self):
        sweep("2026-11-27T09:00:00+08:00")
        events = IncidentEvent.objects.count()
        notices = Notification.objects.count()
        self.assertIn("escalated=0", sweep("2026-11-27T09:00:00+08:00"))
        self.assertEqual(
            (IncidentEvent.objects.count(), Notification.objects.count()), (events, notices)
        )

    def test_at_the_top_it_warns_once(self):
        sweep("2026-11-27T09:00:00+08:00")
        out = sweep("2026-12-20T09:00:00+08:00")
        self.assertIn("已在最高一级的超期 1 件", out)
        self.assertIn("已在最高一级的超期 0 件", sweep("2026-12-21T09:00:00+08:00"))
        self.assertEqual(self.fresh(self.incident).level, "subdistrict")

    def test_it_warns_on_the_last_day(self):
        out = sweep("2026-11-26T09:00:00+08:00")
        self.assertIn("即将超期提醒 1 件", out)
        self.assertTrue(Notification.objects.filter(user=self.shequ_a, kind="warning").exists())
        self.assertIn("即将超期提醒 0 件", sweep("2026-11-26T10:00:00+08:00"))

    def test_a_paused_clock_is_not_swept(self):
        with time_machine.travel(MONDAY, tick=False):
            self.move(self.incident, "accept", self.shequ_a)
            self.move(self.incident, "extend", self.shequ_a, days=2, reason="等材料")
        self.assertIn("escalated=0", sweep("2026-12-01T09:00:00+08:00"))
        self.assertEqual(self.fresh(self.incident).level, "community")

    def test_it_closes_a_resolved_incident_left_unrated(self):
        with time_machine.travel(MONDAY, tick=False):
            self.move(self.incident, "resolve", self.shequ_a, resolution="已调解")
        self.assertIn("自动关闭 0 件", sweep("2026-11-27T09:00:00+08:00"))
        self.assertIn("自动关闭 1 件", sweep("2026-12-01T09:00:00+08:00"))
        self.assertEqual(self.fresh(self.incident).status, "closed")

    def test_working_days_skip_the_weekend_and_an_admins_holiday(self):
        from loudong.policy.models import Holiday

        Holiday.objects.create(date=dt.date(2026, 11, 24), kind="holiday", name="测试调休")
        with time_machine.travel(MONDAY, tick=False):
            later = self.report(category="dispute_family")
        # Tue 24 off: Wed, Thu, Fri → end of Friday 27.
        self.assertEqual(later.due.astimezone(CST).date(), dt.date(2026, 11, 27))

    def test_a_bad_now_is_refused(self):
        with self.assertRaisesMessage(CommandError, "不是 ISO 格式的时间"):
            call_command("escalate_overdue", "--now", "yesterday", stdout=io.StringIO())
        self.assertEqual(self.fresh(self.incident).level, "community")

    def test_the_worker_runs_it_every_five_minutes(self):
        jobs = {job.task: job.every_s for job in SCHEDULE}
        self.assertEqual(jobs["loudong.fieldwork.tasks:sweep_overdue"], 300)
        self.assertEqual(jobs["loudong.fieldwork.tasks:send_outbox"], 60)
        from loudong.fieldwork.tasks import sweep_overdue

        with time_machine.travel(dt.datetime(2026, 11, 27, 9, 0, tzinfo=CST), tick=False):
            sweep_overdue.call()
        self.assertEqual(self.fresh(self.incident).level, "subdistrict")


class ChangchunLadderTestCase(FieldworkTestCase):
    """长春: 单元长 → 楼栋长 → 网格长 → 小区党支部 → 社区 → 街道; vacant levels are skipped."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.subdistrict.policy_name = "changchun"
        cls.subdistrict.save()
        from loudong.accounts.roles import Role
        from loudong.roster.models import Post
        from loudong.roster.tests.helpers import make_appointment, make_person
        from loudong.test import make_user

        unit = cls.homes[0].unit
        cls.unit_post = Post.objects.create(
            kind="unit_leader",
            community=cls.community_a,
            compound=cls.compound_a,
            building=cls.b1,
            unit=unit,
            title="1号楼1单元单元长",
        )
        cls.unit_user = make_user("danyuanzhang", Role.UNIT_LEADER, cls.community_a)
        make_appointment(make_person(cls.community_a, "赵丽", user=cls.unit_user), cls.unit_post)
        cls.post_a1.kind = "grid_head"
        cls.post_a1.save()

    def test_a_residents_report_climbs_the_three_leaders_then_the_branch(self):
        with time_machine.travel(MONDAY, tick=False):
            incident = self.report(
                self.unit_user, household=self.homes[0], category="dispute_neighbour"
            )
        # The 单元长 reported it up: no 楼栋长 post for the building, so the 网格长 holds it.
        self.assertEqual((incident.level, incident.profile_name), ("grid_head", "changchun"))
        self.assertEqual(incident.stages.first().level, "unit_leader")
        out = sweep("2026-11-26T09:00:00+08:00")  # grid_head: 2 working days → end of Wed 25
        self.assertIn("超期自动上报 1 件", out)
        self.assertEqual(self.fresh(incident).level, "party_branch")
        # Until the 三长 app provides members, the community's workers act for the branch.
        self.move(self.fresh(incident), "accept", self.shequ_a)
        self.assertEqual(self.fresh(incident).status, "accepted")
        self.assertEqual(Incident.objects.count(), 1)
