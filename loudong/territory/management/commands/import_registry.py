"""``loudong import_registry FILE.xlsx|.xls|.csv [--dry-run] [--partial] [--create-regions]``.

Exit status 0 when every row is valid (new, updated or unchanged); otherwise 1, after
listing each bad row as ``第N行 列：原因``. 2 when the file cannot be read at all.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from loudong.territory.importer import Importer, error_workbook, report_errors


class Command(BaseCommand):
    help = "从登记表（.xlsx/.xls/.csv）导入居民台账；默认全部成功才写入"
    # The system checks import every URLconf, admin and view module (~0.3 s CPU) for a
    # command that needs none of them; `loudong check` and the test suite run them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--partial", action="store_true", help="导入无误的行，报告其余行")
        parser.add_argument(
            "--create-regions", action="store_true", help="新建表中出现但数据库中没有的街道、社区"
        )
        parser.add_argument(
            "--error-report",
            default=None,
            help="错误报告 .xlsx 的路径（默认：与导入文件同目录的 <文件名>.错误报告.xlsx）",
        )

    def handle(self, *args, file, dry_run, partial, create_regions, error_report, **options):
        path = Path(file)
        try:
            with path.open("rb"):
                pass
        except OSError as exc:
            raise CommandError(f"无法读取文件 {file}：{exc.strerror}", returncode=2) from None
        importer = Importer(
            dry_run=dry_run, partial=partial, create_regions=create_regions, progress=self._progress
        )
        report = importer.run(path, path.name)  # from disk: calamine needs no copy in memory
        self._end_progress()
        out = self.stdout
        if options.get("verbosity", 1) >= 2:
            for step, (wall, cpu) in report.timings.items():
                out.write(f"用时：{step} {wall:.2f} 秒（CPU {cpu:.2f} 秒）")
        if report.header_line:
            out.write(
                f"读取 {path.name}：{report.rows} 行数据（表头位于行号 {report.header_line}）"
            )
        for notice in report.notices:
            out.write(f"提示：{notice}")
        if report.written or dry_run or report.ok:
            for line in report.summary_lines():
                out.write(line)
        if report.ok:
            if dry_run:
                out.write(self.style.SUCCESS("试运行：全部数据有效，未写入数据库。"))
            else:
                out.write(self.style.SUCCESS(f"导入完成，用时 {report.seconds:.1f} 秒。"))
            return
        file_errors = [e for e in report.errors if not e.line]
        row_errors = [e for e in report.errors if e.line]
        for error in file_errors:
            out.write(self.style.ERROR(f"错误：{error.reason}"))
        if row_errors:
            out.write(self.style.ERROR(f"有 {len(report.bad_lines)} 行数据有误："))
            for error in sorted(row_errors, key=lambda e: e.line):
                out.write(str(error))
            target = (
                Path(error_report) if error_report else path.with_name(f"{path.stem}.错误报告.xlsx")
            )
            try:
                target.write_bytes(
                    error_workbook(report.header, report.bad_rows, report_errors(report))
                )
                out.write(f"错误报告已保存到 {target}")
            except OSError as exc:
                out.write(f"错误报告无法保存到 {target}：{exc.strerror}")
        if partial and report.written:
            message = f"已导入无误的行；{len(report.bad_lines)} 行有误未导入"
        elif dry_run:
            message = "试运行：数据有误，未写入数据库"
        else:
            message = "导入失败，未写入任何数据"
        raise CommandError(message, returncode=2 if file_errors and not row_errors else 1)

    def _progress(self, stage, done, total):
        if not sys.stderr.isatty():
            return
        if total:
            width = 30
            filled = int(width * done / total)
            bar = "█" * filled + "·" * (width - filled)
            sys.stderr.write(f"\r{stage} [{bar}] {done}/{total}   ")
        else:
            sys.stderr.write(f"\r{stage}… {done} 行   ")
        sys.stderr.flush()

    def _end_progress(self):
        if sys.stderr.isatty():
            sys.stderr.write("\r" + " " * 60 + "\r")
