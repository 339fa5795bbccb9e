import secrets

from django.core.management.base import BaseCommand, CommandError

from loudong.accounts.audit import AuditAction, record
from loudong.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "为用户创建 API 令牌（只显示一次）"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="脚本")

    def handle(self, *args, username, name, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"没有名为 {username} 的有效用户")
        key = secrets.token_urlsafe(32)
        token = ApiToken.objects.create(
            user=user, name=name, prefix=key[:8], key_hash=ApiToken.hash_key(key)
        )
        record(
            actor=None,
            action=AuditAction.API_TOKEN_CREATE,
            actor_username="(命令行)",
            target=user,
            new={"token": str(token)},
        )
        self.stdout.write(key)
