"""``loudong escalate_overdue [--now ISO-DATETIME]``: the overdue sweep, by hand or from cron.

Escalates every overdue incident one level (with notices and robot messages), warns before
deadlines, closes resolved incidents left unrated past the window; prints how many. Idempotent
for the same ``--now``. The worker runs the same sweep every five minutes
(``loudong/ops/schedule.py``); cron instead: ``*/5 * * * * loudong escalate_overdue``.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from loudong.fieldwork.actions.incidents import escalate_overdue


class Command(BaseCommand):
    help = "逾期事件巡检：超期自动上报一级、即将超期提醒、逾期未评价自动关闭（可重复运行）"

    def add_arguments(self, parser):
        parser.add_argument("--now", help="按此时间巡检（ISO 格式，如 2026-11-24T09:00:00+08:00）")

    def handle(self, *args, now=None, **options):
        if now:
            try:
                moment = dt.datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(
                    f"--now：“{now}”不是 ISO 格式的时间，如 2026-11-24T09:00"
                ) from None
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        else:
            moment = timezone.now()
        result = escalate_overdue(now=moment)
        self.stdout.write(result.line())
        self.stdout.write(f"escalated={result.escalated}")
