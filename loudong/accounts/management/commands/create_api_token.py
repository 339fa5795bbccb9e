"""``loudong create_api_token USERNAME [--name 用途] [--days N]``: prints the token alone on its
last line (shown once; only its SHA-256 is kept). Every token expires: after
LOUDONG_API_TOKEN_DAYS days (90) unless ``--days`` says otherwise."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from loudong.accounts.actions import create_api_token
from loudong.accounts.models import User


class Command(BaseCommand):
    help = "为用户创建 API 令牌（只显示一次；到期自动失效，本人或安全管理员可随时吊销）"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="脚本")
        parser.add_argument(
            "--days", type=int, default=None, help="有效天数（默认 LOUDONG_API_TOKEN_DAYS，90 天）"
        )

    def handle(self, *args, username, name, days, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"没有名为 {username} 的有效用户")
        days = settings.LOUDONG_API_TOKEN_DAYS if days is None else days
        if not 1 <= days <= 3660:
            raise CommandError("--days 应在 1 至 3660 之间")
        key, token = create_api_token(user=user, name=name, lifetime=dt.timedelta(days=days))
        self.stderr.write(f"令牌 {token} 有效期至 {token.expires:%Y-%m-%d %H:%M}")
        self.stdout.write(key)
