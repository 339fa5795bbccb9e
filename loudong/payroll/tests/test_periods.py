"""Preparing, submitting, approving and locking a period through the pages; bad input."""

import datetime as dt
from decimal import Decimal

import time_machine

from loudong.accounts.models import AuditEvent
from loudong.payroll import exports
from loudong.payroll.actions import periods
from loudong.payroll.models import Line, LockedError, Period
from loudong.payroll.tests.helpers import PayrollTestCase, month
from loudong.roster.models import Appointment

NOW = dt.datetime(2025, 11, 20, 9, 0, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
class PeriodPagesTestCase(PayrollTestCase):
    def setUp(self):
        self.cast = self.staff(dt.date(2025, 1, 1))

    def post_prepare(self, when="2025-11", user=None, community=None):
        self.login(user or self.shequ_a)
        return self.client.post(
            "/payroll/prepare/", {"community": (community or self.community_a).pk, "month": when}
        )

    def test_the_community_prepares_and_the_subdistrict_approves(self):
        r = self.post_prepare()
        self.assertEqual(r.status_code, 302)
        period = Period.objects.get()
        self.assertEqual(period.lines.count(), 5)
        self.assertEqual(periods.totals(period), (Decimal("1000.00"), 5))
        self.assertEqual(self.client.post(f"/payroll/periods/{period.pk}/submit/").status_code, 302)
        period.refresh_from_db()
        self.assertEqual((period.status, period.control_total), ("submitted", Decimal("1000.00")))
        # The community cannot approve its own period: a 403.
        self.assertEqual(
            self.client.post(f"/payroll/periods/{period.pk}/approve/").status_code, 403
        )
        self.login(self.jiedao)
        page = self.client.get(f"/payroll/periods/{period.pk}/").content.decode()
        self.assertIn("审批并锁定", page)
        self.assertIn("data-confirm", page)
        r = self.client.post(f"/payroll/periods/{period.pk}/approve/", follow=True)
        self.assertContains(r, "已审批并锁定")
        period.refresh_from_db()
        self.assertTrue(period.is_locked)
        self.assertEqual(len(period.digest), 64)
        line = period.lines.first()
        self.assertEqual(line.payee_name, line.person.name)
        self.assertTrue(AuditEvent.objects.filter(action="payroll.approve").exists())

    def test_a_payroll_for_a_month_already_locked_is_refused(self):
        self.lock(month(2025, 11))
        before = list(Line.objects.values_list("pk", "amount"))
        r = self.post_prepare("2025-11")
        self.assertEqual(r.status_code, 400)
        self.assertIn("已审批锁定，不能重新生成", r.content.decode())
        self.assertEqual(list(Line.objects.values_list("pk", "amount")), before)
        # An earlier month after a later one is locked: refused too.
        r = self.post_prepare("2025-10")
        self.assertEqual(r.status_code, 400)
        self.assertFalse(Period.objects.filter(month=month(2025, 10)).exists())

    def test_a_future_month_is_refused(self):
        r = self.post_prepare("2026-01")
        self.assertEqual(r.status_code, 400)
        self.assertFalse(Period.objects.exists())
        r = self.post_prepare("2025-13")
        self.assertEqual(r.status_code, 400)
        self.assertIn("月份格式应为", r.content.decode())

    def test_approving_an_unbalanced_period_is_refused(self):
        period = self.prepare(month(2025, 11))
        periods.submit_period(period=period, acting_user=self.shequ_a)
        # The roster changed after submission: 赵敏 left on 10 November.
        Appointment.objects.filter(pk=self.cast["zhao"].pk).update(
            status="ended", end=dt.date(2025, 11, 10)
        )
        self.login(self.jiedao)
        page = self.client.get(f"/payroll/periods/{period.pk}/").content.decode()
        self.assertIn("不平衡，不能审批", page)
        r = self.client.post(f"/payroll/periods/{period.pk}/approve/", follow=True)
        self.assertContains(r, "补贴发放表不平衡，不能审批")
        self.assertContains(r, "1 条明细与现在的任职")
        period.refresh_from_db()
        self.assertEqual(period.status, "submitted")
        self.assertEqual(period.digest, "")
        # A line slipped in after submission breaks the control total.
        Line.objects.create(
            period=period,
            community=period.community,
            appointment=self.cast["wang"],
            person=self.wang,
            post=self.posts[0],
            kind="reward",
            component="reward",
            service_month=period.month,
            amount=Decimal("50.00"),
            basis="测试",
            source="award",
        )
        self.assertIn("与报批合计 1000.00 元（5 条）不符", periods.balance_problems(period)[0])
        # Returned, regenerated, resubmitted: it balances.
        r = self.client.post(
            f"/payroll/periods/{period.pk}/return/", {"reason": "请按离任日期重算"}
        )
        self.assertEqual(r.status_code, 302)
        self.login(self.shequ_a)
        self.client.post(f"/payroll/periods/{period.pk}/prepare/")
        self.client.post(f"/payroll/periods/{period.pk}/submit/")
        self.login(self.jiedao)
        self.client.post(f"/payroll/periods/{period.pk}/approve/")
        period.refresh_from_db()
        self.assertTrue(period.is_locked)
        zhao = period.lines.get(appointment=self.cast["zhao"])
        self.assertEqual(zhao.amount, Decimal("66.67"))  # 10/30 of 200

    def test_editing_a_locked_line_is_refused(self):
        period = self.prepare(month(2025, 11))
        self.login(self.shequ_a)
        r = self.client.post(
            f"/payroll/periods/{period.pk}/lines/add/",
            {"appointment": self.cast["wang"].pk, "amount": "-20.00", "note": "街道决定扣回"},
        )
        self.assertEqual(r.status_code, 302)
        manual = period.lines.get(source="manual")
        periods.submit_period(period=period, acting_user=self.shequ_a)
        periods.approve_period(period=period, acting_user=self.jiedao)
        r = self.client.post(
            f"/payroll/lines/{manual.pk}/edit/", {"amount": "-10.00", "note": "改"}, follow=True
        )
        self.assertContains(r, "已锁定的补贴明细不能修改")
        manual.refresh_from_db()
        self.assertEqual(manual.amount, Decimal("-20.00"))
        r = self.client.post(f"/payroll/lines/{manual.pk}/delete/", follow=True)
        self.assertContains(r, "已锁定的补贴明细不能修改")
        self.assertTrue(Line.objects.filter(pk=manual.pk).exists())
        # And the model itself refuses, whoever calls it.
        manual.amount = Decimal("1.00")
        with self.assertRaises(LockedError):
            manual.save()
        with self.assertRaises(LockedError):
            manual.delete()

    def test_a_computed_line_is_not_edited_by_hand(self):
        period = self.prepare(month(2025, 11))
        line = period.lines.first()
        self.login(self.shequ_a)
        r = self.client.post(
            f"/payroll/lines/{line.pk}/edit/", {"amount": "1.00", "note": "x"}, follow=True
        )
        self.assertContains(r, "按任职记录计算的明细不能直接修改")
        line.refresh_from_db()
        self.assertEqual(line.amount, Decimal("200.00"))

    def test_the_refusals_by_role(self):
        period = self.prepare(month(2025, 11))
        self.assertEqual(self.post_prepare(user=self.shequ_b).status_code, 400)  # A is not theirs
        for user, status in ((self.shequ_b, 404), (self.outsider, 404), (self.leader, 403)):
            self.login(user)
            self.assertEqual(
                self.client.get(f"/payroll/periods/{period.pk}/").status_code, status, user
            )
            self.assertEqual(
                self.client.post(f"/payroll/periods/{period.pk}/submit/").status_code, status, user
            )
        self.login(self.minzheng)
        page = self.client.get(f"/payroll/periods/{period.pk}/")
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, "王建国")  # totals, not the lines
        self.assertEqual(
            self.client.get(f"/payroll/periods/{period.pk}/export.xlsx").status_code, 403
        )
        self.assertEqual(self.client.post(f"/payroll/periods/{period.pk}/submit/").status_code, 403)
        self.login_admin(self.xitong)
        self.assertEqual(self.client.get(f"/payroll/periods/{period.pk}/").status_code, 404)
        self.assertEqual(Period.objects.get().status, "draft")

    def test_it_rejects_get_on_the_verbs(self):
        period = self.prepare(month(2025, 11))
        self.login(self.jiedao)
        for verb in ("submit", "approve", "prepare"):
            self.assertEqual(
                self.client.get(f"/payroll/periods/{period.pk}/{verb}/").status_code, 405
            )

    def test_the_export_and_the_sign_sheet(self):
        from loudong.payroll.actions.periods import set_bank_account

        set_bank_account(
            person=self.wang,
            bank="工商银行池州分行",
            account="6222 0000 1111 2345",
            acting_user=self.shequ_a,
        )
        period = self.lock(month(2025, 11))
        self.login(self.jiedao)
        r = self.client.get(f"/payroll/periods/{period.pk}/export.xlsx")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(exports.digest(r.content), period.digest)
        from io import BytesIO

        from openpyxl import load_workbook

        sheet = load_workbook(BytesIO(r.content)).active
        values = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
        wang = next(v for v in values if v[1] == "王建国")
        self.assertEqual(wang[4], "6222000011112345")  # the 街道 may reveal
        self.assertEqual(values[-1][10], 1000)
        self.assertEqual(AuditEvent.objects.filter(action="payroll.export").count(), 1)
        self.login(self.shequ_b)
        self.assertEqual(
            self.client.get(f"/payroll/periods/{period.pk}/export.xlsx").status_code, 404
        )
        self.login(self.jiedao)
        sheet = self.client.get(f"/payroll/periods/{period.pk}/sign-sheet/")
        self.assertContains(sheet, "签领表")
        self.assertContains(sheet, "1000.00")

    def test_the_bank_account_is_sealed_and_masked(self):
        self.login(self.shequ_a)
        r = self.client.post(
            f"/payroll/persons/{self.wang.pk}/bank-account/",
            {"bank": "农业银行", "account": "6228 4800 1234 5678"},
        )
        self.assertEqual(r.status_code, 302)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT account FROM payroll_bankaccount")
            raw = cursor.fetchone()[0]
        self.assertNotIn("5678", raw)
        page = self.client.get(f"/payroll/persons/{self.wang.pk}/bank-account/").content.decode()
        self.assertIn("**** 5678", page)
        self.assertNotIn("62284800", page)
        r = self.client.post(
            f"/payroll/persons/{self.wang.pk}/bank-account/", {"bank": "农业银行", "account": "12"}
        )
        self.assertEqual(r.status_code, 400)
        self.assertIn("8–30 位数字", r.content.decode())

    def test_the_leader_sees_only_their_own_lines(self):
        self.lock(month(2025, 11))
        self.login(self.leader)
        page = self.client.get("/payroll/mine/").content.decode()
        self.assertIn("200.00", page)
        self.assertNotIn("刘芳", page)
        self.assertEqual(self.client.get("/payroll/", follow=False).status_code, 302)
