"""``loudong verify_audit [--checkpoint] [--anchor FILE] [--replace-anchor]``.

Recomputes every row's HMAC (``LOUDONG_AUDIT_KEY``) and holds the chain against the anchor
file (``LOUDONG_AUDIT_ANCHOR``): exits non-zero naming the first broken row, or the first
missing one when the chain is shorter than the anchor. ``--checkpoint`` then records the
verified head in the anchor (the worker does this every five minutes).
"""

from django.core.management.base import BaseCommand, CommandError

from loudong.accounts import anchor as anchor_file
from loudong.accounts.audit import AuditAction, checkpoint, record, verify


class Command(BaseCommand):
    help = (
        "校验审计日志哈希链（HMAC）并与锚点文件比对；发现断链或记录缺失时以非零状态退出，"
        "并指出第一条出错的记录。--checkpoint 同时把校验通过的链头写入锚点文件。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint", action="store_true", help="校验通过后把链头（条数、末条 HMAC）写入锚点"
        )
        parser.add_argument("--anchor", help="锚点文件（默认 LOUDONG_AUDIT_ANCHOR）")
        parser.add_argument(
            "--replace-anchor",
            action="store_true",
            help="数据库新建或恢复后：旧锚点改名保留，按当前审计链重新建立锚点（与 --checkpoint 同用）",
        )
        parser.add_argument("--no-anchor", action="store_true", help="只校验哈希链，不与锚点比对")

    def handle(self, *args, checkpoint: bool, anchor, replace_anchor, no_anchor, **options):
        path = anchor or anchor_file.path()
        if replace_anchor and not checkpoint:
            raise CommandError("--replace-anchor 须与 --checkpoint 一起使用")
        if checkpoint:
            result = _checkpoint(path, replace_anchor)
        else:
            result = verify(use_anchor=not no_anchor, anchor_path=path)
        if not result.ok:
            raise CommandError(result.problem)
        if result.head is None:
            self.stdout.write("审计日志为空，没有可校验的记录。")
            return
        head = result.head
        self.stdout.write(
            f"审计日志完整：共 {head.rows} 条记录，哈希链校验通过。"
            f"链头：第 {head.seq} 条，HMAC {head.hmac}"
        )
        if result.anchor is not None:
            verb = "已写入" if checkpoint else "比对通过"
            self.stdout.write(
                f"锚点{verb}：{path}（{result.anchor.rows} 条，"
                f"{result.anchor.at:%Y-%m-%d %H:%M:%S} 检查点）"
            )
        if result.anchor_note:
            self.stderr.write(result.anchor_note)


def _checkpoint(path, replace: bool):
    result = checkpoint(replace=replace, anchor_path=path)
    if replace and result.ok:
        record(
            actor=None,
            action=AuditAction.AUDIT_ANCHOR_REPLACED,
            actor_username="(命令行)",
            new={"anchor": str(path), "rows": result.head.rows if result.head else 0},
        )
        result = checkpoint(anchor_path=path)
    return result
