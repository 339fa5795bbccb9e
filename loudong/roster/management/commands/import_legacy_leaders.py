"""``loudong import_legacy_leaders FILE.csv [--dry-run]``: leaders in post before the integration.

Columns (header row): 社区代码,网格编码,姓名,身份证号,联系电话,任职日期[,离任日期]. Seed 000 §四.2:
"各社区要对社区楼栋长作用发挥情况进行调查摸底" — these become ``is_legacy`` appointments, so
Attachment 2 shows 原配备楼栋长数. All or nothing; idempotent; bad rows listed as 第N行.
"""

import csv
import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from loudong.roster.actions.legacy import LegacyRow, import_legacy_leaders


def _date(text):
    text = (text or "").strip()
    return dt.date.fromisoformat(text) if text else None


class Command(BaseCommand):
    help = "导入优化整合前原配备的楼栋长（调查摸底）"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, file, dry_run, **options):
        rows, errors = [], []
        with open(file, encoding="utf-8-sig", newline="") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                try:
                    rows.append(
                        LegacyRow(
                            community_code=row["社区代码"].strip(),
                            grid_code=row["网格编码"].strip(),
                            name=row["姓名"],
                            id_number=row["身份证号"],
                            phone=row.get("联系电话", ""),
                            start=_date(row["任职日期"]),
                            end=_date(row.get("离任日期")),
                        )
                    )
                except (KeyError, ValueError) as exc:
                    errors.append(f"第{line}行：格式错误（{exc}）")
        if errors:
            raise CommandError("\n".join(errors))
        result = import_legacy_leaders(rows=rows, dry_run=dry_run)
        if result["errors"]:
            raise CommandError("\n".join(result["errors"]))
        verb = "校验通过" if dry_run else "已导入"
        self.stdout.write(f"{verb}：新增 {result['created']} 条，未变 {result['unchanged']} 条")
