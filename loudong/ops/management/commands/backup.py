"""``loudong backup --out DIR``: the database, media files and audit anchor (PRODUCT.md);
``loudong backup --nightly``: the scheduled one, rotated (``ops.backup.nightly``)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from loudong.ops import backup as backups


class Command(BaseCommand):
    help = "备份数据库、上传文件和审计链锚点到一个目录"

    def add_arguments(self, parser):
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--out", help="备份目录（须为空或不存在）")
        where.add_argument(
            "--nightly",
            action="store_true",
            help="在 LOUDONG_BACKUP_DIR 下新建一份，只保留最近 LOUDONG_BACKUP_KEEP 份（定时任务用）",
        )

    def handle(self, *args, out, nightly, **options):
        try:
            if nightly:
                made, removed = backups.nightly()
                out = str(made)
                manifest = json.loads((made / "manifest.json").read_text())
                if removed:
                    self.stdout.write(f"已删除较早的备份 {len(removed)} 份")
            else:
                manifest = backups.backup(Path(out))
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"已备份到 {out}：{manifest['engine']}，{len(manifest['tables'])} 张表 {rows} 行，"
            f"上传文件 {manifest['media_files']} 个"
            + ("，含审计链锚点" if manifest["audit_anchor"] else "")
        )
        if not manifest["audit_chain_ok"]:
            self.stderr.write(
                "警告：审计链校验未通过，锚点未更新；请运行 loudong verify_audit 查看"
            )
