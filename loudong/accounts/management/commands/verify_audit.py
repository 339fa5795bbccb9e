from django.core.management.base import BaseCommand, CommandError

from loudong.accounts.audit import verify_chain
from loudong.accounts.models import AuditEvent


class Command(BaseCommand):
    help = "校验审计日志哈希链；发现断链时以非零状态退出，并指出第一条出错的记录"

    def handle(self, *args, **options):
        for event, problem in verify_chain():
            raise CommandError(
                f"审计日志第 {event.seq} 条记录（id={event.pk}，{event.created:%Y-%m-%d %H:%M:%S}，"
                f"操作 {event.action}）断链：{problem}"
            )
        count = AuditEvent.objects.count()
        self.stdout.write(f"审计日志完整：共 {count} 条记录，哈希链校验通过。")
