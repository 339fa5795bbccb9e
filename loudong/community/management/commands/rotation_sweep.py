"""loudong rotation_sweep [--now ISO-DATETIME]: the daily rota job by hand (idempotent)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = "单元长轮值：月份开始与结束、轮值前提醒和月末交接提醒（可重复运行）"

    def add_arguments(self, parser):
        parser.add_argument("--now", help="按此时间运行（ISO 格式），默认当前时间")

    def handle(self, *args, now=None, **options):
        from loudong.community.rotation import sweep

        if now:
            try:
                now = dt.datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(f"--now：不是有效的时间：{now}") from None
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        result = sweep(now=now)
        self.stdout.write(
            f"轮值月开始 {result.started} 个，结束 {result.closed} 个，发送提醒 {result.reminded} 条"
        )
