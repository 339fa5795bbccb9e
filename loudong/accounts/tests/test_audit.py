from io import StringIO

from django.core.management import CommandError, call_command
from django.db import connection

from loudong.accounts.audit import AuditAction, record
from loudong.accounts.models import AuditEvent
from loudong.test import BaseTestCase


class AuditChainTestCase(BaseTestCase):
    def make_events(self, n=5):
        return [
            record(actor=self.shequ_a, action=AuditAction.AUDIT_EXPORT, new={"i": i, "x": "值"})
            for i in range(n)
        ]

    def test_it_chains_rows(self):
        events = self.make_events()
        self.assertEqual([e.seq for e in events], [1, 2, 3, 4, 5])
        self.assertEqual(events[1].prev_hash, events[0].hash)
        out = StringIO()
        call_command("verify_audit", stdout=out)
        self.assertIn("校验通过", out.getvalue())

    def test_it_detects_a_row_edited_in_the_database(self):
        events = self.make_events()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE accounts_auditevent SET actor_username = %s WHERE id = %s",
                ["mallory", events[2].pk],
            )
        with self.assertRaisesMessage(CommandError, "第 3 条记录"):
            call_command("verify_audit", stdout=StringIO())

    def test_it_detects_a_deleted_row(self):
        events = self.make_events()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM accounts_auditevent WHERE id = %s", [events[1].pk])
        with self.assertRaisesMessage(CommandError, "第 3 条记录"):
            call_command("verify_audit", stdout=StringIO())

    def test_it_detects_edited_json(self):
        events = self.make_events()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE accounts_auditevent SET new = %s WHERE id = %s",
                ['{"i": 99, "x": "值"}', events[3].pk],
            )
        with self.assertRaisesMessage(CommandError, "第 4 条记录"):
            call_command("verify_audit", stdout=StringIO())

    def test_it_refuses_updates_and_deletes_in_code(self):
        event = self.make_events(1)[0]
        event.action = "changed"
        with self.assertRaises(PermissionError):
            event.save()
        with self.assertRaises(PermissionError):
            event.delete()
        with self.assertRaises(PermissionError):
            AuditEvent.objects.all().delete()
        with self.assertRaises(PermissionError):
            AuditEvent.objects.update(action="x")
        self.assertEqual(AuditEvent.objects.get().action, "audit.export")

    def test_it_masks_protected_values(self):
        from loudong.lib.protected import Protected

        event = record(
            actor=None,
            action=AuditAction.AUDIT_EXPORT,
            new={"phone": Protected.seal("phone", "13912345678")},
        )
        self.assertEqual(event.new, {"phone": "139****5678"})


class AuditActionTestCase(BaseTestCase):
    def test_it_refuses_an_action_outside_the_enum(self):
        with self.assertRaises(ValueError):
            record(actor=None, action="made.up")
        self.assertFalse(AuditEvent.objects.exists())

    def test_it_shows_actions_and_changes_in_chinese(self):
        record(
            actor=self.shequ_a,
            action=AuditAction.ROSTER_APPOINT,
            old={"status": "active", "is_concurrent": False},
            new={"status": "ended", "is_concurrent": True, "fields": ["phone", "id_number"]},
        )
        self.login_admin(self.shenji)
        r = self.client.get("/accounts/audit/")
        self.assertContains(r, "<td>任命</td>")
        self.assertContains(r, "兼任")
        self.assertContains(r, "否 → 是")
        self.assertContains(r, "phone、id_number")
        self.assertNotContains(r, "<code>")
        self.assertNotContains(r, "{&#x27;")
