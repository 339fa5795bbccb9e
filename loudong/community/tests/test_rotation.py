"""The rotating 单元长 (seed 004 §三.12 自愿轮值): pilot, rota with skip rules and swaps, the
month's personal link, handover written by the outgoing and confirmed by the incoming only,
the daily job, the board, and each role's refusal."""

import re

import time_machine

from loudong.accounts.models import AuditEvent
from loudong.community import rotation as rota
from loudong.community.models import (
    ChatGroup,
    Handover,
    Rotation,
    RotationMember,
    RotationPilot,
    RotationTurn,
)
from loudong.community.tests.duty_helpers import DutyTestCase, at, set_rule
from loudong.fieldwork.models import Notification, OutboxMessage
from loudong.test import make_user, serve

MARCH = at(2026, 3, 10)


@time_machine.travel(MARCH, tick=False)
class RotationTestCase(DutyTestCase):
    def setUp(self):
        self.login(self.shequ_a)

    # -- helpers ---------------------------------------------------------------------------

    def pilot(self, unit=None):
        data = {"on": "1"}
        if unit:
            data["unit"] = unit.pk
        return self.client.post(
            f"/community/communities/{self.community_a.pk}/rotations/pilot/", data
        )

    def start(self):
        self.pilot()
        r = self.client.post(
            f"/community/communities/{self.community_a.pk}/rotations/new/", {"unit": self.unit.pk}
        )
        self.assertEqual(r.status_code, 302, r.content.decode()[:300])
        return Rotation.objects.get(unit=self.unit)

    def willing(self, rotation, *indexes):
        for i in indexes:
            r = self.client.post(
                f"/community/rotations/{rotation.pk}/members/new/",
                {"household": self.households[i].pk, "duty_name": f"户{i + 1}"},
            )
            self.assertEqual(r.status_code, 302, r.content.decode()[:300])

    def plan(self, rotation, months=3):
        return self.client.post(f"/community/rotations/{rotation.pk}/plan/", {"months": months})

    def rooms(self, rotation):
        return [t.household.room for t in rotation.turns.order_by("month")]

    def link(self, turn):
        r = self.client.post(f"/community/rotation-turns/{turn.pk}/link/")
        self.assertEqual(r.status_code, 200)
        return re.search(r"/community/m/duty/([^/]+)/", r.content.decode()).group(1)

    def ready(self, months=3):
        rotation = self.start()
        self.willing(rotation, 0, 1, 2)
        self.assertEqual(self.plan(rotation, months).status_code, 302)
        return rotation

    # -- pilot -----------------------------------------------------------------------------

    def test_the_pilot_is_off_by_default_and_a_worker_switches_it_on(self):
        r = self.client.post(
            f"/community/communities/{self.community_a.pk}/rotations/new/", {"unit": self.unit.pk}
        )
        self.assertEqual(r.status_code, 302)
        self.assertFalse(Rotation.objects.exists())
        self.pilot(self.unit)
        self.assertTrue(RotationPilot.objects.filter(unit=self.unit).exists())
        self.assertEqual(rota.pilot_state(self.unit, on=MARCH.date())[0], True)
        self.assertEqual(rota.pilot_state(self.other_unit, on=MARCH.date())[0], False)
        self.assertTrue(AuditEvent.objects.filter(action="community.rotation_pilot").exists())

    def test_pilot_default_on_lets_every_unit_rotate_without_a_switch(self):
        self.assertFalse(rota.pilot_state(self.other_unit, on=MARCH.date())[0])
        set_rule("changchun", "rotation.pilot_default_on", True)
        self.assertTrue(rota.pilot_state(self.other_unit, on=MARCH.date())[0])

    def test_unit_leader_monthly_false_refuses_the_pilot(self):
        set_rule("changchun", "rotation.handover_required", False)
        set_rule("changchun", "rotation.unit_leader_monthly", False)
        r = self.pilot()
        self.assertEqual(r.status_code, 302)
        self.assertFalse(RotationPilot.objects.exists())
        page = self.client.get(f"/community/rotations/?community={self.community_a.pk}")
        self.assertContains(page, "未设单元长轮值")

    # -- the rota --------------------------------------------------------------------------

    def test_it_plans_months_in_household_order_skipping_vacant_declined_and_away(self):
        rotation = self.start()
        self.willing(rotation, 0, 1, 2, 3)
        self.households[1].residence = "vacant"
        self.households[1].save()
        declined = RotationMember.objects.get(household=self.households[2])
        self.client.post(
            f"/community/rotation-members/{declined.pk}/status/", {"status": "declined"}
        )
        away = RotationMember.objects.get(household=self.households[0])
        self.client.post(
            f"/community/rotation-members/{away.pk}/status/",
            {"status": "willing", "away_from": "2026-04", "away_until": "2026-04"},
        )
        self.assertEqual(self.plan(rotation, 3).status_code, 302)
        # March: 101; April: 101 away, 201 vacant, 301 declined → 401; May: back to 101.
        self.assertEqual(self.rooms(rotation), ["101", "401", "101"])
        april = rotation.turns.get(month="2026-04-01")
        self.assertEqual([s["reason"] for s in april.skipped], ["空置", "婉拒"])
        self.assertEqual(rotation.turns.get(month="2026-03-01").status, "on_duty")

    def test_planning_again_continues_the_rota_without_duplicates(self):
        rotation = self.ready(2)
        self.assertEqual(self.plan(rotation, 2).status_code, 302)
        self.assertEqual(self.rooms(rotation), ["101", "201", "301", "101"])
        self.assertEqual(rotation.turns.count(), 4)

    def test_a_rota_month_without_a_willing_household_is_refused_and_nothing_written(self):
        rotation = self.start()
        r = self.plan(rotation, 3)
        self.assertEqual(r.status_code, 302)
        page = self.client.get(rotation.get_absolute_url())
        self.assertContains(page, "2026年03月：本单元没有自愿轮值的住户")
        self.assertFalse(RotationTurn.objects.exists())
        # All declined but one who is away in May: March and April plan, May fails — nothing kept.
        self.willing(rotation, 0)
        member = rotation.members.get()
        self.client.post(
            f"/community/rotation-members/{member.pk}/status/",
            {"status": "willing", "away_from": "2026-05", "away_until": "2026-05"},
        )
        before = AuditEvent.objects.filter(action="community.rotation_plan").count()
        self.plan(rotation, 3)
        self.assertFalse(RotationTurn.objects.exists())
        self.assertEqual(
            AuditEvent.objects.filter(action="community.rotation_plan").count(), before
        )

    def test_two_future_months_swap_and_their_links_stop_working(self):
        rotation = self.ready(3)
        april, may = rotation.turns.get(month="2026-04-01"), rotation.turns.get(month="2026-05-01")
        key = self.link(april)
        r = self.client.post(
            f"/community/rotations/{rotation.pk}/swap/",
            {"first": april.pk, "second": may.pk, "reason": "201室五月要出差"},
        )
        self.assertEqual(r.status_code, 302)
        self.assertEqual(self.rooms(rotation), ["101", "301", "201"])
        self.assertIsNone(rota.turn_for_key(key))
        march = rotation.turns.get(month="2026-03-01")
        self.client.post(
            f"/community/rotations/{rotation.pk}/swap/",
            {"first": march.pk, "second": may.pk, "reason": "试试"},
        )
        self.assertEqual(self.rooms(rotation), ["101", "301", "201"])

    # -- the month's link ------------------------------------------------------------------

    def test_the_link_shows_the_units_households_by_room_and_name_only_until_month_end(self):
        rotation = self.ready()
        march = rotation.turns.get(month="2026-03-01")
        key = self.link(march)
        self.assertEqual(march.__class__.objects.get(pk=march.pk).key_hash, rota._hash(key))
        self.client.logout()
        page = self.client.get(f"/community/m/duty/{key}/")
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "赵一")
        self.assertContains(page, "601")
        self.assertNotContains(page, "1391")  # no phone
        self.assertNotContains(page, "9号楼")  # nothing of another unit
        with time_machine.travel(at(2026, 4, 1, 0), tick=False):
            self.assertEqual(self.client.get(f"/community/m/duty/{key}/").status_code, 404)
        self.assertEqual(self.client.get("/community/m/duty/nonsense/").status_code, 404)
        self.assertTrue(AuditEvent.objects.filter(action="community.rotation_link").exists())

    # -- handover --------------------------------------------------------------------------

    def test_the_outgoing_writes_the_handover_and_only_the_incoming_confirms_it(self):
        rotation = self.ready()
        march, april = (
            rotation.turns.get(month="2026-03-01"),
            rotation.turns.get(month="2026-04-01"),
        )
        out_key, in_key = self.link(march), self.link(april)
        self.client.logout()
        with time_machine.travel(at(2026, 3, 30), tick=False):
            r = self.client.post(
                f"/community/m/duty/{out_key}/handover/",
                {"text": "本月走访 6 户，3 楼漏水已报物业"},
            )
            self.assertEqual(r.status_code, 302)
            handover = Handover.objects.get(turn=march)
            # The outgoing cannot confirm their own handover.
            r = self.client.post(f"/community/m/duty/{out_key}/confirm/", {})
            self.assertEqual(r.status_code, 404)
            self.assertIsNone(Handover.objects.get(pk=handover.pk).confirmed)
            r = self.client.post(f"/community/m/duty/{in_key}/confirm/", {"note": "已了解"})
            self.assertEqual(r.status_code, 302)
        handover.refresh_from_db()
        march.refresh_from_db()
        self.assertIsNotNone(handover.confirmed)
        self.assertEqual(handover.confirmed_by_turn, april)
        self.assertEqual(march.status, "closed")
        self.assertTrue(AuditEvent.objects.filter(action="community.handover_confirm").exists())

    def test_a_handover_confirmed_by_anyone_but_the_incoming_is_refused(self):
        rotation = self.ready()
        march, may = rotation.turns.get(month="2026-03-01"), rotation.turns.get(month="2026-05-01")
        handover = rota.write_handover(turn=march, text="本月情况")
        for who in (march, may, None):
            with self.assertRaisesMessage(
                rota.Refused, "只有下任轮值单元长（201室 户2）本人可以确认"
            ):
                rota.confirm_handover(handover=handover, by_turn=who)
        handover.refresh_from_db()
        self.assertIsNone(handover.confirmed)
        self.assertEqual(RotationTurn.objects.get(pk=march.pk).status, "handed_over")
        self.assertFalse(AuditEvent.objects.filter(action="community.handover_confirm").exists())

    def test_a_confirmed_handover_cannot_be_rewritten(self):
        rotation = self.ready()
        march, april = (
            rotation.turns.get(month="2026-03-01"),
            rotation.turns.get(month="2026-04-01"),
        )
        handover = rota.write_handover(turn=march, text="本月情况")
        rota.confirm_handover(handover=handover, by_turn=april)
        with self.assertRaisesMessage(rota.Refused, "下任已确认，不能再修改"):
            rota.write_handover(turn=march, text="改一改")
        self.assertEqual(Handover.objects.get(pk=handover.pk).text, "本月情况")

    def test_the_phones_outbox_gets_json_and_a_replay_changes_nothing(self):
        rotation = self.ready()
        key = self.link(rotation.turns.get(month="2026-03-01"))
        self.client.logout()
        for _ in range(2):
            r = self.client.post(
                f"/community/m/duty/{key}/handover/",
                {"text": "本月情况"},
                headers={"X-Outbox": "1", "Idempotency-Key": "k1"},
            )
            self.assertEqual(r.status_code, 201)
        self.assertEqual(Handover.objects.count(), 1)
        r = self.client.post(
            f"/community/m/duty/{key}/handover/", {"text": ""}, headers={"X-Outbox": "1"}
        )
        self.assertEqual(r.status_code, 400)
        self.assertIn("本月工作情况", r.json()["errors"][0])

    # -- the daily job ---------------------------------------------------------------------

    def test_a_month_does_not_close_without_the_confirmed_handover(self):
        rotation = self.ready()
        with time_machine.travel(at(2026, 4, 2), tick=False):
            result = rota.sweep()
        self.assertEqual(result.closed, 0)
        march = rotation.turns.get(month="2026-03-01")
        self.assertIsNone(march.closed)
        self.assertEqual(rotation.turns.get(month="2026-04-01").status, "on_duty")
        self.assertIn(march, rota.awaiting_confirmation())

    def test_handover_required_false_closes_months_at_month_end(self):
        set_rule("changchun", "rotation.handover_required", False)
        rotation = self.ready()
        with time_machine.travel(at(2026, 4, 2), tick=False):
            self.assertEqual(rota.sweep().closed, 1)
        self.assertEqual(rotation.turns.get(month="2026-03-01").status, "closed")

    def test_a_rotation_keeps_the_profile_version_it_started_under(self):
        rotation = self.ready()
        set_rule("changchun", "rotation.handover_required", False)
        with time_machine.travel(at(2026, 4, 2), tick=False):
            self.assertEqual(rota.sweep().closed, 0)
        self.assertTrue(rota.handover_required(rotation))

    def test_it_reminds_before_a_turn_and_before_month_end_once(self):
        unit_leader = make_user("danyuanzhang_a", "unit_leader", self.community_a)
        serve(unit_leader, self.households[0], kind="unit_leader")
        self.ready()
        ChatGroup.objects.create(
            name="2单元群",
            level="unit",
            kind="wecom",
            community=self.community_a,
            unit=self.unit,
            building=self.building,
            webhook="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
        )
        with time_machine.travel(at(2026, 3, 29), tick=False):
            first = rota.sweep()
            again = rota.sweep()
        # April's turn starts in 3 days; March's handover is due in 2.
        self.assertEqual(first.reminded, 2)
        self.assertEqual(again.reminded, 0)
        notices = Notification.objects.filter(kind="rotation")
        self.assertEqual(
            set(notices.values_list("user_id", flat=True)),
            {self.shequ_a.pk, self.dangwei_a.pk, unit_leader.pk},
        )
        messages = list(OutboxMessage.objects.values_list("text", flat=True))
        self.assertEqual(len(messages), 2)
        self.assertNotIn("户2", "".join(messages))  # rooms only in a group message

    def test_the_command_runs_the_sweep(self):
        from io import StringIO

        from django.core.management import call_command

        self.ready()
        out = StringIO()
        call_command("rotation_sweep", "--now", "2026-03-29T10:00:00", stdout=out)
        self.assertIn("发送提醒 2 条", out.getvalue())

    # -- the board and the pages -----------------------------------------------------------

    def test_the_unit_board_shows_who_is_on_duty_this_month_and_next(self):
        self.ready()
        page = self.client.get(f"/documents/boards/unit/{self.unit.pk}/")
        self.assertContains(page, "轮值单元长")
        self.assertContains(page, "101室 户1")
        self.assertContains(page, "201室 户2")

    def test_the_pages_list_and_detail(self):
        rotation = self.ready()
        page = self.client.get(f"/community/rotations/?community={self.community_a.pk}")
        self.assertContains(page, "101室 户1")
        page = self.client.get(rotation.get_absolute_url())
        self.assertContains(page, "2026年4月")

    def test_get_never_writes(self):
        rotation = self.ready()
        before = (AuditEvent.objects.count(), RotationTurn.objects.count())
        self.client.get(rotation.get_absolute_url())
        self.client.get(f"/community/rotations/{rotation.pk}/plan/")
        self.client.get(f"/community/rotation-turns/{rotation.turns.first().pk}/link/")
        self.assertEqual((AuditEvent.objects.count(), RotationTurn.objects.count()), before)

    # -- refusals --------------------------------------------------------------------------

    def test_out_of_scope_roles_get_404(self):
        rotation = self.ready()
        turn = rotation.turns.first()
        for user in (self.shequ_b, self.minzheng, self.outsider, self.leader):
            self.login(user)
            self.assertEqual(self.client.get(rotation.get_absolute_url()).status_code, 404, user)
            self.assertEqual(self.plan(rotation).status_code, 404, user)
            self.assertEqual(
                self.client.post(f"/community/rotation-turns/{turn.pk}/link/").status_code, 404
            )
        self.assertEqual(rotation.turns.count(), 3)

    def test_a_leader_of_the_unit_reads_but_may_not_plan_403(self):
        rotation = self.ready()
        serve(self.leader, self.households[0])
        self.login(self.leader)
        self.assertEqual(self.client.get(rotation.get_absolute_url()).status_code, 200)
        self.assertEqual(self.plan(rotation).status_code, 403)
        self.assertEqual(
            self.client.post(
                f"/community/rotation-turns/{rotation.turns.first().pk}/link/"
            ).status_code,
            403,
        )
        r = self.client.post(
            f"/community/communities/{self.community_a.pk}/rotations/pilot/", {"on": "1"}
        )
        self.assertEqual(r.status_code, 403)
        self.assertEqual(rotation.turns.count(), 3)
        home = self.client.get("/fieldwork/m/")
        self.assertContains(home, "单元轮值")
        self.assertContains(self.client.get("/community/m/rotations/"), "101室 户1")

    def test_anonymous_is_sent_to_login(self):
        self.client.logout()
        r = self.client.get("/community/rotations/")
        self.assertEqual(r.status_code, 302)
        self.assertIn("/accounts/login/", r["Location"])
