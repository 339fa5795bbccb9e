"""Build the demo subdistrict when the database has none; always print the accounts."""

import os

from django.core.management.base import BaseCommand, CommandError

from loudong.demo import accounts, build
from loudong.territory.models import Region


class Command(BaseCommand):
    help = "构建演示街道（数据库为空时），并列出演示账号"

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=build.DEFAULT_HOUSEHOLDS)
        parser.add_argument("--seed", type=int, default=2021)
        parser.add_argument(
            "--profile",
            choices=sorted(build.CITIES),
            default=os.environ.get("DEMO_PROFILE") or "chiyang",
            help="演示哪个城市的方案：chiyang（池阳街道）或 changchun（长春）；默认取 DEMO_PROFILE",
        )

    def handle(self, *args, households, seed, profile, **options):
        if households < 6000:
            # Communities hold 1,500–5,000 households; the demo needs 社区 A and B.
            raise CommandError("演示街道至少需要两个社区：--households 请设为 6000 或以上")
        if Region.objects.filter(level=Region.Level.SUBDISTRICT).exists():
            self.stdout.write("数据库中已有街道数据，跳过构建。")
        else:
            build.build(households=households, seed=seed, stdout=self.stdout, profile=profile)
            # A new database starts a new audit chain: anchor it (an older anchor file, from a
            # database since deleted, is kept beside it as *.replaced-<time>).
            from loudong.accounts.audit import checkpoint

            result = checkpoint(replace=True)
            if result.ok and result.head:
                self.stdout.write(f"审计锚点已建立：{result.head.rows} 条记录")
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码：{accounts.demo_password()}）：")
        for line in accounts.describe_demo_users():
            self.stdout.write(line)
