"""``loudong send_outbox``: send due group-robot messages now (the worker does it every minute)."""

from django.core.management.base import BaseCommand

from loudong.fieldwork.notifications import send_outbox


class Command(BaseCommand):
    help = "发送工作群机器人消息（失败的按退避时间重试）"

    def handle(self, *args, **options):
        counts = send_outbox()
        self.stdout.write(
            f"已发送 {counts['sent']} 条，稍后重试 {counts['retry']} 条，放弃 {counts['dead']} 条"
        )
