"""外来人员登记 (seed 004 §二.4): a community switches it on, leaders register with a short
form, masked and sealed like the registry, exported (audited), purged after the profile's
retention period (audited)."""

import datetime as dt
import io
from io import StringIO

import openpyxl
import time_machine
from django.core.management import call_command

from loudong.accounts.models import AuditEvent
from loudong.community import outsiders
from loudong.community.models import OutsiderRecord, OutsiderRegistration
from loudong.community.tests.duty_helpers import DutyTestCase, at, make_leader, set_rule
from loudong.test import make_id, make_user

TODAY = dt.date(2026, 3, 10)


@time_machine.travel(at(2026, 3, 10), tick=False)
class OutsidersTestCase(DutyTestCase):
    def setUp(self):
        self.leader_user = make_user("leader_x", "building_leader", self.community_a)
        make_leader("赵楼长", self.households[0], user=self.leader_user)
        self.id_number = make_id(dt.date(1990, 1, 2))

    def switch_on(self):
        self.login(self.shequ_a)
        r = self.client.post(
            f"/community/communities/{self.community_a.pk}/outsiders/switch/",
            {"on": "1", "reason": "疫情防控应急响应"},
        )
        self.assertEqual(r.status_code, 302)
        return OutsiderRegistration.objects.get()

    def register(self, **data):
        self.login(self.leader_user)
        data = {
            "household": self.households[0].pk,
            "name": "外地来客",
            "id_number": self.id_number,
            "phone": "13800001111",
            "origin": "吉林市船营区",
            "arrived_on": "2026-03-08",
            **data,
        }
        return self.client.post("/community/m/outsiders/new/", data)

    def test_a_leader_registers_an_outsider_sealed_and_masked(self):
        self.switch_on()
        self.login(self.leader_user)
        self.assertContains(self.client.get("/fieldwork/m/"), "外来人员登记")
        r = self.register()
        self.assertEqual(r.status_code, 302, r.content.decode()[:400])
        row = OutsiderRecord.objects.get()
        self.assertEqual(row.id_number.reveal(), self.id_number)
        self.assertIsNone(row.purge_on)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT id_number, phone, origin FROM community_outsiderrecord")
            raw = " ".join(cursor.fetchone())
        self.assertNotIn(self.id_number, raw)
        self.assertNotIn("13800001111", raw)
        self.assertNotIn("吉林", raw)
        self.login(self.shequ_a)
        page = self.client.get(f"/community/outsiders/?community={self.community_a.pk}")
        self.assertContains(page, "外地来客")
        self.assertNotContains(page, self.id_number)
        self.assertContains(page, "138****1111")
        event = AuditEvent.objects.get(action="community.outsider_register")
        self.assertNotIn(self.id_number, str(event.new))

    def test_the_outbox_replay_registers_once(self):
        self.switch_on()
        self.login(self.leader_user)
        for _ in range(2):
            r = self.client.post(
                "/community/m/outsiders/new/",
                {
                    "household": self.households[0].pk,
                    "name": "甲",
                    "origin": "长春",
                    "arrived_on": "2026-03-09",
                },
                headers={"X-Outbox": "1", "Idempotency-Key": "same"},
            )
            self.assertEqual(r.status_code, 201, r.content)
        self.assertEqual(OutsiderRecord.objects.count(), 1)

    def test_bad_input_is_refused_with_the_field_and_nothing_written(self):
        self.switch_on()
        for data, reason in [
            ({"id_number": "123"}, "身份证号"),
            ({"arrived_on": "2026-04-01"}, "抵达日期：不能晚于今天"),
            ({"left_on": "2026-03-01"}, "离开日期：不能早于抵达日期"),
            ({"phone": "abc"}, "联系电话"),
        ]:
            r = self.register(**data)
            self.assertContains(r, reason, status_code=400)
        self.assertFalse(OutsiderRecord.objects.exists())

    def test_an_outsider_record_past_its_retention_period_is_refused(self):
        self.switch_on()
        r = self.register(arrived_on="2026-01-02", left_on="2026-02-01")  # 28 days before 03-01
        self.assertContains(r, "已离开超过保存期限（28 天），不再登记", status_code=400)
        self.assertFalse(OutsiderRecord.objects.exists())

    def test_registration_must_be_switched_on_and_the_profile_must_allow_it(self):
        r = self.register()
        self.assertEqual(r.status_code, 400)
        self.assertFalse(OutsiderRecord.objects.exists())
        set_rule("changchun", "outsiders.registration", False)
        self.login(self.shequ_a)
        self.client.post(
            f"/community/communities/{self.community_a.pk}/outsiders/switch/",
            {"on": "1", "reason": "x"},
        )
        self.assertFalse(OutsiderRegistration.objects.exists())

    def test_records_are_purged_after_the_retention_period_with_an_audit_row(self):
        registration = self.switch_on()
        self.register(left_on="2026-03-09")
        self.register(name="仍在住")
        gone, staying = OutsiderRecord.objects.order_by("pk")
        self.assertEqual(gone.purge_on, dt.date(2026, 4, 6))
        self.assertIsNone(staying.purge_on)
        self.login(self.shequ_a)
        self.client.post(
            f"/community/communities/{self.community_a.pk}/outsiders/switch/", {"on": "0"}
        )
        staying.refresh_from_db()
        self.assertEqual(staying.purge_on, dt.date(2026, 4, 7))
        self.assertEqual(outsiders.purge(today=dt.date(2026, 4, 5)), 0)
        out = StringIO()
        call_command("purge_outsiders", "--today", "2026-04-06", stdout=out)
        self.assertIn("1 条", out.getvalue())
        self.assertEqual(list(OutsiderRecord.objects.all()), [staying])
        event = AuditEvent.objects.get(action="community.outsider_purge")
        self.assertEqual(event.new["deleted"], 1)
        self.assertNotIn("外地来客", str(event.new) + event.target_repr)
        self.assertEqual(outsiders.purge(today=dt.date(2026, 4, 6)), 0)  # idempotent
        self.assertEqual(outsiders.purge(today=dt.date(2026, 4, 7)), 1)
        self.assertEqual(registration.records.count(), 0)

    def test_retention_days_comes_from_the_pinned_profile_version(self):
        set_rule("changchun", "outsiders.retention_days", 7)
        self.switch_on()
        self.register(left_on="2026-03-09")
        set_rule("changchun", "outsiders.retention_days", 60)
        self.assertEqual(OutsiderRecord.objects.get().purge_on, dt.date(2026, 3, 16))

    def test_the_export_has_full_values_and_is_audited(self):
        self.switch_on()
        self.register()
        self.login(self.shequ_a)
        r = self.client.get(f"/community/outsiders/export/?community={self.community_a.pk}")
        self.assertEqual(r.status_code, 200)
        sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
        values = [c.value for c in sheet[2]]
        self.assertIn(self.id_number, values)
        self.assertTrue(AuditEvent.objects.filter(action="community.outsider_export").exists())

    def test_refusals(self):
        self.switch_on()
        self.register()
        row = OutsiderRecord.objects.get()
        for user in (self.minzheng, self.outsider, self.leader_user):
            self.login(user)
            self.assertEqual(self.client.get("/community/outsiders/").status_code, 404, user)
            self.assertEqual(self.client.get("/community/outsiders/export/").status_code, 404)
        self.login(self.shequ_b)
        self.assertEqual(
            self.client.get(
                f"/community/outsiders/export/?community={self.community_a.pk}"
            ).status_code,
            404,
        )
        r = self.client.post(f"/community/outsiders/{row.pk}/left/", {"left_on": "2026-03-09"})
        self.assertEqual(r.status_code, 404)
        # A leader of another building may not register or date someone in this household.
        other = make_user("leader_y", "building_leader", self.community_a)
        make_leader("钱楼长", self.other_household, user=other)
        self.login(other)
        r = self.client.post(f"/community/outsiders/{row.pk}/left/", {"left_on": "2026-03-09"})
        self.assertEqual(r.status_code, 403)
        self.assertIsNone(OutsiderRecord.objects.get().left_on)
        self.assertFalse(AuditEvent.objects.filter(action="community.outsider_export").exists())
