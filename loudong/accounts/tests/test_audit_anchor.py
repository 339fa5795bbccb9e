"""The keyed chain and its anchor (issue 9 item 4): truncation and recomputation are caught.

An attacker with write access to the database (not to LOUDONG_AUDIT_KEY, nor to the anchor
file) deletes the last rows, or edits a row and recomputes every later hash. Both passed
``verify_audit`` before the chain was keyed and anchored.
"""

import hashlib
import json
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from loudong.accounts.audit import AuditAction, record
from loudong.accounts.models import AuditEvent
from loudong.test import BaseTestCase


def _raw_delete_from(seq: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_auditevent WHERE seq >= %s", [seq])


def _rewrite(event, *, prev: str, digest) -> str:
    """Store ``event`` (already edited in memory) with ``prev`` and a recomputed hash."""
    body = (prev + event.canonical()).encode()
    new_hash = digest(body)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_auditevent SET actor_username = %s, prev_hash = %s, hash = %s "
            "WHERE id = %s",
            [event.actor_username, prev, new_hash, event.pk],
        )
    return new_hash


def _recompute_from(seq: int, digest) -> None:
    """Edit row ``seq`` and recompute every later hash, as an attacker with the table would."""
    events = list(AuditEvent.objects.filter(seq__gte=seq).order_by("seq"))
    prev = AuditEvent.objects.get(seq=seq - 1).hash if seq > 1 else "0" * 64
    events[0].actor_username = "mallory"
    for event in events:
        prev = _rewrite(event, prev=prev, digest=digest)


class AnchorTestCase(BaseTestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp())
        self.anchor = self.dir / "anchor.json"
        override = override_settings(LOUDONG_AUDIT_ANCHOR=self.anchor)
        override.enable()
        self.addCleanup(override.disable)

    def make_events(self, n=6):
        return [
            record(actor=self.shequ_a, action=AuditAction.REVEAL, new={"i": i}) for i in range(n)
        ]

    def verify(self, *args):
        out = StringIO()
        call_command("verify_audit", *args, stdout=out, stderr=StringIO())
        return out.getvalue()

    def test_it_records_the_head_at_a_checkpoint(self):
        events = self.make_events()
        out = self.verify("--checkpoint")
        self.assertIn("共 6 条记录", out)
        self.assertIn(events[-1].hash, out)
        data = json.loads(self.anchor.read_text())
        self.assertEqual(
            (data["rows"], data["seq"], data["hmac"], data["first_hmac"]),
            (6, 6, events[-1].hash, events[0].hash),
        )
        self.assertIn("比对通过", self.verify())

    def test_it_catches_the_last_rows_deleted_after_a_checkpoint(self):
        self.make_events()
        self.verify("--checkpoint")
        _raw_delete_from(5)
        with self.assertRaisesMessage(CommandError, "审计日志第 5 条记录缺失"):
            self.verify()
        # Nor can a checkpoint move the anchor backwards.
        with self.assertRaisesMessage(CommandError, "第 5 条记录缺失"):
            self.verify("--checkpoint")
        self.assertEqual(json.loads(self.anchor.read_text())["rows"], 6)

    def test_it_catches_the_whole_log_emptied(self):
        self.make_events()
        self.verify("--checkpoint")
        _raw_delete_from(1)
        with self.assertRaisesMessage(CommandError, "第 1 条记录缺失"):
            self.verify()

    def test_a_plain_sha256_recomputation_is_caught_without_the_anchor(self):
        """The old, unkeyed chain: recomputing from the edited row on passed verify_audit."""
        self.make_events()
        _recompute_from(3, lambda body: hashlib.sha256(body).hexdigest())
        with self.assertRaisesMessage(CommandError, "审计日志第 3 条记录"):
            self.verify("--no-anchor")

    def test_a_recomputation_under_a_guessed_key_is_caught(self):
        import hmac

        self.make_events()
        _recompute_from(2, lambda b: hmac.new(b"guess", b, hashlib.sha256).hexdigest())
        with self.assertRaisesMessage(CommandError, "审计日志第 2 条记录"):
            self.verify()

    def test_a_recomputation_with_the_key_is_caught_by_the_anchor(self):
        """Even an insider holding the key cannot rewrite rows before the anchored head."""
        import hmac

        from django.conf import settings

        self.make_events()
        self.verify("--checkpoint")
        key = settings.LOUDONG_AUDIT_KEY.encode()
        _recompute_from(2, lambda b: hmac.new(key, b, hashlib.sha256).hexdigest())
        self.verify("--no-anchor")  # a consistent chain under the real key…
        with self.assertRaisesMessage(CommandError, "审计日志第 6 条记录"):
            self.verify()  # …that differs from the anchored head

    def test_rows_added_after_the_checkpoint_verify_and_move_the_anchor(self):
        self.make_events(3)
        self.verify("--checkpoint")
        self.make_events(2)
        self.assertIn("共 5 条记录", self.verify())
        self.verify("--checkpoint")
        self.assertEqual(json.loads(self.anchor.read_text())["rows"], 5)

    def test_an_anchor_of_another_chain_fails_until_replaced(self):
        self.make_events(2)
        self.verify("--checkpoint")
        data = json.loads(self.anchor.read_text())
        self.anchor.write_text(json.dumps({**data, "first_hmac": "f" * 64}))
        with self.assertRaisesMessage(CommandError, "第 1 条记录与锚点不符"):
            self.verify()
        self.verify("--checkpoint", "--replace-anchor")
        self.assertTrue(list(self.dir.glob("anchor.json.replaced-*")))
        self.assertIn("比对通过", self.verify())
        self.assertTrue(AuditEvent.objects.filter(action="audit.anchor_replaced").exists())

    def test_a_damaged_anchor_file_fails(self):
        self.make_events(1)
        self.anchor.write_text("{not json")
        with self.assertRaisesMessage(CommandError, "无法读取"):
            self.verify()

    def test_without_an_anchor_it_verifies_and_says_so(self):
        self.make_events(2)
        err = StringIO()
        call_command("verify_audit", stdout=StringIO(), stderr=err)
        self.assertIn("尚无审计锚点", err.getvalue())

    def test_the_worker_task_checkpoints_incrementally_and_fails_on_truncation(self):
        from loudong.accounts.tasks import audit_checkpoint

        self.make_events(4)
        audit_checkpoint.call()
        self.assertEqual(json.loads(self.anchor.read_text())["rows"], 4)
        self.make_events(2)
        audit_checkpoint.call()
        self.assertEqual(json.loads(self.anchor.read_text())["rows"], 6)
        _raw_delete_from(6)
        with self.assertRaisesMessage(RuntimeError, "第 6 条记录缺失"):
            audit_checkpoint.call()

    def test_the_checkpoint_job_is_scheduled_every_five_minutes(self):
        from loudong.ops.schedule import SCHEDULE
        from loudong.ops.worker import resolve

        jobs = {j.name: j for j in SCHEDULE}
        self.assertEqual(jobs["audit_checkpoint"].every_s, 300)
        self.assertIsNotNone(resolve(jobs["audit_checkpoint"].task))
        self.assertIsNotNone(resolve(jobs["audit_daily_report"].task))

    def test_the_daily_report_prints_the_head(self):
        events = self.make_events(3)
        self.verify("--checkpoint")
        out = StringIO()
        call_command("audit_report", "--record", stdout=out)
        text = out.getvalue()
        self.assertIn(f"链头：共 3 条，第 3 条 HMAC {events[-1].hash}", text)
        self.assertIn("全链校验：通过", text)
        self.assertIn("锚点：", text)
        report = AuditEvent.objects.get(action="audit.daily_report")
        self.assertEqual(report.new["hmac"], events[-1].hash)

    def test_the_daily_report_fails_on_a_broken_chain(self):
        self.make_events(3)
        self.verify("--checkpoint")
        _raw_delete_from(3)
        with self.assertRaisesMessage(CommandError, "第 3 条记录缺失"):
            call_command("audit_report", stdout=StringIO())

    def test_the_audit_page_shows_the_head_and_the_anchor(self):
        events = self.make_events(2)
        self.verify("--checkpoint")
        self.login_admin(self.shenji)
        r = self.client.get("/accounts/audit/")
        self.assertContains(r, "审计链状态")
        self.assertContains(r, events[-1].hash)
        self.assertContains(r, "检查点")
