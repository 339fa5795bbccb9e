"""Re-encrypt personal data under the first key of LOUDONG_DATA_KEY.

Rotation: put the new key first in LOUDONG_DATA_KEY (keep the old one after it),
run this command, then drop the old key. ``--reindex`` also recomputes the blind
indexes, after LOUDONG_INDEX_KEY has changed. Idempotent: rows already under the
current key are skipped (unless --reindex).
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from loudong.accounts.audit import AuditAction, record
from loudong.lib import crypto
from loudong.lib.protected import BlindIndexField, Protected, ProtectedField


class Command(BaseCommand):
    help = "用当前数据密钥重新加密全部个人信息（密钥轮换）"

    def add_arguments(self, parser):
        parser.add_argument("--reindex", action="store_true", help="同时重算盲索引")
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args, reindex, batch, **options):
        kid = crypto.current_kid()
        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, ProtectedField)]
            if not fields:
                continue
            index_fields = [
                f.attname for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)
            ]
            changed = 0
            last_pk = 0
            while True:
                rows = list(model._default_manager.filter(pk__gt=last_pk).order_by("pk")[:batch])
                if not rows:
                    break
                last_pk = rows[-1].pk
                todo = []
                for row in rows:
                    stale = any(
                        getattr(row, f.attname).token
                        and crypto.token_kid(getattr(row, f.attname).token) != kid
                        for f in fields
                    )
                    if stale or reindex:
                        for f in fields:
                            value = getattr(row, f.attname)
                            setattr(row, f.attname, Protected.seal(f.kind, value.reveal()))
                        todo.append(row)
                if todo:
                    with transaction.atomic():
                        model._default_manager.bulk_update(
                            todo, [f.attname for f in fields] + index_fields
                        )
                    changed += len(todo)
            if changed:
                self.stdout.write(f"{model._meta.label}: 重新加密 {changed} 行")
            total += changed
        record(
            actor=None,
            action=AuditAction.SECURITY_ROTATE_DATA_KEY,
            actor_username="(命令行)",
            new={"key_id": kid, "rows": total, "reindex": reindex},
        )
        self.stdout.write(f"完成：共重新加密 {total} 行，当前密钥 {kid}。")
