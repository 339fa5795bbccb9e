"""``loudong backup --out DIR``: the database, media files and audit anchor (PRODUCT.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from loudong.ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "备份数据库、上传文件和审计链锚点到一个目录"

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="备份目录（须为空或不存在）")

    def handle(self, *args, out, **options):
        try:
            manifest = backup(Path(out))
        except BackupError as exc:
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
