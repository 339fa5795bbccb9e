"""定期协商 (seed 004 §三.9): convene, attendance, minutes, decisions as tasks, incidents."""

import datetime as dt

import time_machine
from django.utils import timezone

from loudong.accounts.models import AuditEvent
from loudong.community import meetings as actions
from loudong.community.models import Decision, Meeting, MinutesRevision
from loudong.community.tests.life import LifeTestCase, flip
from loudong.fieldwork.models import Incident

NOW = dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
class MeetingTestCase(LifeTestCase):
    def convene(self, user=None, **data):
        self.login(user or self.head_user)
        data.setdefault("grid_code", self.code_a1)
        data.setdefault("title", "11月网格协商会议")
        data.setdefault("starts", "2026-11-12T19:00")
        data.setdefault("place", "翠微小区党群服务站")
        data.setdefault("agenda", "楼道堆物清理\n电动车充电桩选址")
        return self.client.post(f"/community/meetings/new/?community={self.community_a.pk}", data)

    def meeting(self) -> Meeting:
        return Meeting.objects.get()

    def hold(self, meeting):
        actions.record_attendance(
            meeting=meeting,
            attendance={i.pk: "present" for i in meeting.invitees.all()},
            acting_user=self.head_user,
        )
        return Meeting.objects.get(pk=meeting.pk)

    def test_it_convenes_with_the_grids_leaders_and_an_incident_on_the_agenda(self):
        incident = self.report()
        r = self.convene(incidents=[incident.pk])
        self.assertEqual(
            r.status_code, 302, [x for x in r.content.decode().splitlines() if "error" in x]
        )
        meeting = self.meeting()
        self.assertEqual(meeting.kind, "consultation")
        self.assertEqual(meeting.convener_person, self.head)
        names = set(meeting.invitees.values_list("person__name", flat=True))
        self.assertEqual(names, {"刘网格", "陈德明", "赵单元"})
        self.assertNotIn("王建国", names)  # grid 02's leader is not of this grid
        self.assertEqual(meeting.agenda.count(), 3)
        self.assertEqual(meeting.agenda.filter(incident=incident).count(), 1)
        self.assertTrue(AuditEvent.objects.filter(action="community.meeting_convene").exists())
        page = self.client.get(meeting.get_absolute_url())
        self.assertContains(page, "电动车充电桩选址")

    def test_it_records_attendance_and_two_decisions_one_becoming_an_incident(self):
        self.convene()
        meeting = self.meeting()
        att = {f"att-{i.pk}": "present" for i in meeting.invitees.all()}
        absent = meeting.invitees.get(person=self.unit_person)
        att[f"att-{absent.pk}"] = "leave"
        r = self.client.post(f"/community/meetings/{meeting.pk}/attendance/", att)
        self.assertEqual(r.status_code, 302)
        meeting.refresh_from_db()
        self.assertEqual(meeting.status, "held")
        self.assertEqual(meeting.invitees.filter(attendance="present").count(), 2)
        for text in ("清理1号楼楼道堆物", "协调物业确定充电桩位置"):
            r = self.client.post(
                f"/community/meetings/{meeting.pk}/decisions/new/",
                {
                    "decision-text": text,
                    "decision-owner": self.person.pk,
                    "decision-due": "2026-11-30",
                },
            )
            self.assertEqual(r.status_code, 302, r.content.decode()[:500])
        first, second = Decision.objects.order_by("pk")
        r = self.client.post(
            f"/community/decisions/{second.pk}/incident/",
            {f"i{second.pk}-category": "property", f"i{second.pk}-building": self.b1.pk},
        )
        self.assertEqual(r.status_code, 302, r.content.decode()[:800])
        second.refresh_from_db()
        self.assertIsNotNone(second.incident)
        self.assertEqual(second.status, "in_progress")
        incident = Incident.objects.get(pk=second.incident_id)
        self.assertEqual(incident.reporter_user, self.head_user)
        self.assertIn("协调物业确定充电桩位置", incident.description)
        self.assertIsNone(first.incident_id)
        # The owner reports progress until done.
        self.login(self.leader)
        r = self.client.post(
            f"/community/decisions/{first.pk}/progress/",
            {f"p{first.pk}-progress": 100, f"p{first.pk}-note": "已清理"},
        )
        self.assertEqual(r.status_code, 302)
        first.refresh_from_db()
        self.assertEqual((first.status, first.progress), ("done", 100))
        self.assertEqual(first.updates.count(), 1)

    def test_it_refuses_a_decision_without_an_owner_and_writes_nothing(self):
        self.convene()
        meeting = self.hold(self.meeting())
        before = AuditEvent.objects.count()
        r = self.client.post(
            f"/community/meetings/{meeting.pk}/decisions/new/",
            {"decision-text": "清理楼道", "decision-owner": "", "decision-due": "2026-11-30"},
        )
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "每项决定都要指定责任人", status_code=400)
        self.assertFalse(Decision.objects.exists())
        self.assertEqual(AuditEvent.objects.count(), before)

    def test_approved_minutes_are_not_edited_a_revision_is_kept(self):
        self.convene()
        meeting = self.hold(self.meeting())
        url = f"/community/meetings/{meeting.pk}"
        self.assertEqual(
            self.client.post(f"{url}/minutes/", {"minutes-text": "议定两项"}).status_code, 302
        )
        self.assertEqual(self.client.post(f"{url}/approve/").status_code, 302)
        r = self.client.post(f"{url}/minutes/", {"minutes-text": "改写"})
        self.assertContains(r, "会议纪要已审定，不能直接修改", status_code=400)
        meeting.refresh_from_db()
        self.assertEqual(meeting.minutes, "议定两项")
        self.assertFalse(MinutesRevision.objects.exists())
        r = self.client.post(
            f"{url}/revise/", {"revise-text": "议定两项（补记出席）", "revise-reason": "补记"}
        )
        self.assertEqual(r.status_code, 302)
        meeting.refresh_from_db()
        self.assertEqual(meeting.minutes, "议定两项")
        self.assertEqual(meeting.current_minutes(), "议定两项（补记出席）")
        printed = self.client.get(f"{url}/print/")
        self.assertContains(printed, "第 1 次修订")
        self.assertContains(printed, "@page", count=0)  # the CSS is a file, not inline

    def test_a_leader_of_another_grid_may_not_convene(self):
        r = self.convene(self.leader2)
        self.assertEqual(r.status_code, 403)
        self.assertFalse(Meeting.objects.exists())

    def test_a_building_leader_may_not_convene_but_sees_the_meeting_invited_to(self):
        self.convene()
        meeting = self.meeting()
        self.assertEqual(self.convene(self.leader).status_code, 403)
        self.assertEqual(self.client.get(meeting.get_absolute_url()).status_code, 200)
        r = self.client.post(f"/community/meetings/{meeting.pk}/approve/")
        self.assertEqual(r.status_code, 403)

    def test_out_of_scope_users_get_404(self):
        self.convene()
        meeting = self.meeting()
        for user in (self.shequ_b, self.minzheng, self.outsider, self.leader2):
            self.login(user)
            self.assertEqual(self.client.get(meeting.get_absolute_url()).status_code, 404, user)
            r = self.client.post(
                f"/community/meetings/{meeting.pk}/minutes/", {"minutes-text": "x"}
            )
            self.assertEqual(r.status_code, 404, user)

    def test_civil_affairs_has_no_meetings_page(self):
        self.login(self.minzheng)
        self.assertEqual(self.client.get("/community/meetings/").status_code, 404)

    def test_the_grids_due_this_period_follow_the_profiles_frequency(self):
        due = {code for code, _, _ in actions.due_grids(self.community_a, timezone.localdate())}
        self.assertEqual(due, {self.code_a1, self.code_a2})
        self.convene()
        due = {code for code, _, _ in actions.due_grids(self.community_a, timezone.localdate())}
        self.assertEqual(due, {self.code_a2})
        flip("changchun", "meetings.frequency", "none", self.jiedao)
        self.assertEqual(actions.due_grids(self.community_a, timezone.localdate()), [])

    def test_a_grids_own_schedule_overrides_the_profile(self):
        self.login(self.shequ_a)
        r = self.client.post(
            f"/community/meetings/schedule/?community={self.community_a.pk}",
            {"grid_code": self.code_a2, "frequency": "none"},
        )
        self.assertEqual(r.status_code, 302)
        due = {code for code, _, _ in actions.due_grids(self.community_a, timezone.localdate())}
        self.assertEqual(due, {self.code_a1})

    def test_convener_kinds_come_from_the_profile(self):
        flip("changchun", "meetings.convener_kinds", ["building_leader"], self.jiedao)
        self.assertEqual(self.convene().status_code, 403)
        self.assertEqual(self.convene(self.leader).status_code, 302)

    def test_the_page_rejects_get_on_verbs(self):
        self.convene()
        meeting = self.meeting()
        self.assertEqual(
            self.client.get(f"/community/meetings/{meeting.pk}/approve/").status_code, 405
        )


@time_machine.travel(NOW, tick=False)
class MeetingHomeTestCase(LifeTestCase):
    def test_the_phone_home_shows_the_meeting_and_owned_decision_in_one_tap(self):
        meeting = actions.convene_meeting(
            community=self.community_a,
            grid_code=self.code_a1,
            title="11月网格协商会议",
            starts=NOW + dt.timedelta(days=2),
            acting_user=self.head_user,
        )
        self.login(self.unit_user)
        home = self.client.get("/fieldwork/m/")
        self.assertContains(home, "协商会议")
        self.assertContains(home, meeting.get_absolute_url())
        self.assertContains(home, "物业监督")
        # Each button once (a merge once rendered the hook's items twice).
        self.assertContains(home, f'href="{meeting.get_absolute_url()}"', count=1)
        self.assertContains(home, ">物业监督<", count=1)
        self.assertEqual(self.client.get(meeting.get_absolute_url()).status_code, 200)

    def test_the_workbench_lists_grids_due_and_overdue_decisions(self):
        meeting = actions.convene_meeting(
            community=self.community_a,
            grid_code=self.code_a1,
            title="会议",
            starts=NOW - dt.timedelta(days=9),
            acting_user=self.head_user,
        )
        meeting = actions.record_attendance(
            meeting=meeting,
            attendance={i.pk: "present" for i in meeting.invitees.all()},
            acting_user=self.head_user,
        )
        actions.add_decision(
            meeting=meeting,
            text="清理楼道",
            owner=self.person,
            due=dt.date(2026, 11, 5),
            acting_user=self.head_user,
        )
        self.login(self.shequ_a)
        page = self.client.get("/")
        self.assertContains(page, "本期应召开的协商会议")
        self.assertContains(page, "超期未完成的会议决定事项")


class IndexTestCase(LifeTestCase):
    def test_the_hub_is_for_workers_and_leaders_not_civil_affairs(self):
        for user, status in ((self.shequ_a, 200), (self.head_user, 200), (self.minzheng, 404)):
            self.login(user)
            self.assertEqual(self.client.get("/community/").status_code, status)
