"""The backup and restore drill (issue: production operation), on the suite's own database.

Back up, restore into a new empty database (another SQLite file, or another PostgreSQL
database on the same server) in a separate process, and check that no row is lost (the restore
compares every table's count with the manifest), that the restored copy's audit chain verifies
against the anchor that travelled with it, that the backup's own audit row is inside the copy
and the restore wrote none, and that a non-empty database is refused.
"""

import io
import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import TransactionTestCase

from loudong.accounts.audit import AuditAction, record
from loudong.accounts.models import AuditEvent
from loudong.roster.actions.persons import set_photo
from loudong.roster.models import Person
from loudong.territory.models import Region
from loudong.test import make_user

BIN = Path(sys.executable).parent


class BackupDrillTestCase(TransactionTestCase):
    def setUp(self):
        call_command("load_profiles", verbosity=0)
        self.tmp = Path(tempfile.mkdtemp())
        self.media = self.tmp / "media"
        self.settings_override = self.settings(MEDIA_ROOT=self.media)
        self.settings_override.enable()
        self.addCleanup(self.settings_override.disable)
        district = Region.objects.create(level="district", name="贵池区", code="341702")
        sub = Region.objects.create(level="subdistrict", name="池阳街道", parent=district)
        community = Region.objects.create(
            level="community", name="秀山门社区", parent=sub, code="341702001001"
        )
        worker = make_user("shequ_a", "community_worker", community)
        person = Person.objects.create(community=community, name="陈德明", phone="13912345678")
        from PIL import Image

        out = io.BytesIO()
        Image.new("RGB", (300, 400), (10, 120, 200)).save(out, "JPEG")
        set_photo(person=person, data=out.getvalue(), acting_user=worker)
        for i in range(5):
            record(actor=worker, action=AuditAction.AUDIT_EXPORT, new={"i": i})

    def target(self):
        """A new empty database on the same engine, and its DATABASE_URL."""
        if connection.vendor == "sqlite":
            return f"sqlite:///{self.tmp / 'restored.sqlite3'}", None
        db = connection.settings_dict
        name = f"restore_{uuid.uuid4().hex[:8]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{name}", name

    def drop(self, name):
        if name:
            connection.close()
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def run_loudong(self, url, *argv):
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "MEDIA_ROOT": str(self.tmp / "restored-media"),
            "LOUDONG_AUDIT_ANCHOR": str(self.tmp / "restored-anchor.json"),
            "LOUDONG_VAR_DIR": str(settings.VAR_DIR),  # the same keys
        }
        env.pop("LOUDONG_TEST_SQLITE", None)
        return subprocess.run(
            [str(BIN / "loudong"), *argv], env=env, capture_output=True, text=True, timeout=300
        )

    def test_it_restores_every_row_and_the_chain_verifies(self):
        out = self.tmp / "backup"
        call_command("backup", out=str(out), stdout=io.StringIO())
        manifest = json.loads((out / "manifest.json").read_text())
        self.assertTrue(manifest["audit_anchor"] and manifest["audit_chain_ok"])
        self.assertEqual(manifest["media_files"], 1)
        backed_up = AuditEvent.objects.filter(action="ops.backup").count()
        self.assertEqual(backed_up, 1)
        url, name = self.target()
        self.addCleanup(self.drop, name)
        result = self.run_loudong(url, "restore", str(out))
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        self.assertIn("行数与备份一致", result.stdout)
        # The restored copy verifies against the anchor that came with it.
        result = self.run_loudong(url, "verify_audit")
        self.assertEqual(result.returncode, 0, result.stdout[-1000:] + result.stderr[-1000:])
        # The backup's own row is inside the copy; the restore wrote none.
        rows = manifest["tables"]["accounts_auditevent"]
        self.assertEqual(rows, AuditEvent.objects.count())
        # The sealed photo came along and still opens with the same keys.
        self.assertTrue(list((self.tmp / "restored-media").rglob("*.sealed")))
        # A second restore into the now non-empty database is refused.
        result = self.run_loudong(url, "restore", str(out))
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("目标数据库不是空的", result.stderr)

    def test_it_refuses_a_backup_directory_that_is_not_empty(self):
        out = self.tmp / "busy"
        out.mkdir()
        (out / "x").write_text("x")
        with self.assertRaisesMessage(Exception, "不是空的"):
            call_command("backup", out=str(out), stdout=io.StringIO())

    def test_the_nightly_backup_keeps_the_last_few_and_nothing_else(self):
        import datetime as dt

        import time_machine

        root = self.tmp / "nightly"
        root.mkdir()
        (root / "notes.txt").write_text("操作员自己的文件")
        (root / "loudong-19990101-000000").mkdir()  # not a backup: no manifest
        with self.settings(LOUDONG_BACKUP_DIR=root, LOUDONG_BACKUP_KEEP=2):
            for day in (1, 2, 3, 4):
                out = io.StringIO()
                when = dt.datetime(2026, 11, day, 18, 30, tzinfo=dt.UTC)
                with time_machine.travel(when, tick=False):
                    call_command("backup", nightly=True, stdout=out)
            self.assertIn("已删除较早的备份 1 份", out.getvalue())
        kept = sorted(d.name for d in root.iterdir() if (d / "manifest.json").exists())
        # named in local time (Asia/Shanghai): 18:30 UTC is 02:30 the next morning
        self.assertEqual(kept, ["loudong-20261104-023000", "loudong-20261105-023000"])
        self.assertTrue((root / "notes.txt").exists())
        self.assertTrue((root / "loudong-19990101-000000").exists())
        self.assertEqual(AuditEvent.objects.filter(action="ops.backup").count(), 4)

    def test_finished_task_rows_are_pruned(self):
        import datetime as dt

        from django.utils import timezone
        from django_tasks_db.models import DBTaskResult

        from loudong.ops.tasks import append_line, prune_task_results

        old, recent = (append_line.enqueue(str(self.tmp / "x"), n) for n in ("old", "recent"))
        now = timezone.now()
        for result, age in ((old, 30), (recent, 1)):
            DBTaskResult.objects.filter(id=result.id).update(
                status="SUCCESSFUL", finished_at=now - dt.timedelta(days=age)
            )
        prune_task_results.call()
        self.assertEqual(
            list(DBTaskResult.objects.values_list("id", flat=True)), [uuid.UUID(recent.id)]
        )
