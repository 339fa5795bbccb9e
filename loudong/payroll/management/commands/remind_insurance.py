"""``loudong remind_insurance [--today YYYY-MM-DD]``: renewal reminders for policies about to end.

Idempotent: a policy is reminded once. Prints how many reminders it made. The worker runs the
same job daily (ops/schedule.py).
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from loudong.payroll.actions.insurance import remind_renewals


class Command(BaseCommand):
    help = "为即将到期且未续保的意外伤害保险保单生成续保提醒"

    def add_arguments(self, parser):
        parser.add_argument("--today", help="按这一天计算（YYYY-MM-DD），默认今天")

    def handle(self, *args, **options):
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError("--today 应为 YYYY-MM-DD 格式的日期") from None
        made = remind_renewals(today=today)
        for reminder in made:
            self.stdout.write(reminder.text)
        self.stdout.write(f"新增续保提醒 {len(made)} 条")
