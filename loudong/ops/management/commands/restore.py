"""``loudong restore DIR``: into the empty database ``DATABASE_URL`` names; refuses a non-empty one."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from loudong.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = "把备份恢复到空数据库（DATABASE_URL 所指）；目标数据库不空时拒绝"

    def add_arguments(self, parser):
        parser.add_argument("source", help="备份目录")

    def handle(self, *args, source, **options):
        try:
            manifest = restore(Path(source))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"已从 {source} 恢复：{len(manifest['tables'])} 张表 {rows} 行，行数与备份一致；"
            f"上传文件 {manifest['media_files']} 个。请运行 loudong verify_audit 核对审计链。"
        )
