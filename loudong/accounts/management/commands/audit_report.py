"""``loudong audit_report [--date YYYY-MM-DD] [--record]``: the 审计管理员's daily report.

Prints the chain's head (row count, last HMAC), the full verification against the anchor and
the day's notable events; exits non-zero when the chain does not verify.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from loudong.accounts.audit_report import daily_report, record_report


class Command(BaseCommand):
    help = "审计日报：链头（条数、末条 HMAC）、全链校验结果与锚点、当日要事统计"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="统计哪一天（YYYY-MM-DD，默认昨天）")
        parser.add_argument("--record", action="store_true", help="同时把日报记入审计日志")

    def handle(self, *args, date, record, **options):
        try:
            day = dt.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError(f"--date 应为 YYYY-MM-DD，收到 {date!r}") from None
        report = daily_report(day)
        for line in report.lines():
            self.stdout.write(line)
        if record:
            record_report(report)
        if not report.verification.ok:
            raise CommandError(report.verification.problem)
