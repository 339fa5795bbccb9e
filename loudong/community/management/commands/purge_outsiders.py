"""loudong purge_outsiders [--today YYYY-MM-DD]: delete outsider records past their retention
period (profile ``outsiders.retention_days``); audited per community; idempotent."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "删除超过保存期限的外来人员登记（按政策方案的保存期限），每个社区记一条审计"

    def add_arguments(self, parser):
        parser.add_argument("--today", help="按此日期运行（YYYY-MM-DD），默认今天")

    def handle(self, *args, today=None, **options):
        from loudong.community.outsiders import purge

        if today:
            try:
                today = dt.date.fromisoformat(today)
            except ValueError:
                raise CommandError(f"--today：不是有效的日期：{today}") from None
        n = purge(today=today)
        self.stdout.write(f"已删除到期的外来人员登记 {n} 条")
