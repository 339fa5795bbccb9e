"""Writing audit rows. Call :func:`record` inside the transaction of the change."""

import datetime as dt
import decimal
import uuid

from django.db import connection, models, transaction
from django.utils import timezone

from loudong.accounts.audit_actions import AuditAction
from loudong.accounts.models import AuditEvent
from loudong.lib.http import client_ip
from loudong.lib.protected import Protected

__all__ = ["AuditAction", "client_ip", "record", "safe_value", "verify_chain"]

GENESIS = "0" * 64
# Any constant: the advisory lock that serialises appends on PostgreSQL.
_PG_LOCK_KEY = 4_242_017


def safe_value(value):
    """A JSON-able copy with personal data masked (never plaintext in the log)."""
    if isinstance(value, Protected):
        return value.masked
    if isinstance(value, dict):
        return {str(k): safe_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [safe_value(v) for v in value]
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, float):
        return str(value)
    return value


def _region_of(target):
    for name in ("community", "region"):
        value = getattr(target, f"{name}_id", None)
        if value:
            return value
    if target is not None and target.__class__.__name__ == "Region":
        return target.pk
    return None


def record(
    *,
    actor,
    action: str,
    target=None,
    region=None,
    old: dict | None = None,
    new: dict | None = None,
    reason: str = "",
    request=None,
    actor_username: str = "",
    target_repr: str = "",
) -> AuditEvent:
    """Append one audit row to the chain; returns it.

    Runs in its own atomic block (a savepoint inside the caller's transaction), so
    the row commits or rolls back together with the change it describes. ``action`` must be
    an :class:`AuditAction` (or its value): one list of event names, shown in Chinese.
    """
    action = AuditAction(action)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    event = AuditEvent(
        created=timezone.now(),
        actor=actor,
        actor_username=(actor.get_username() if actor else actor_username)[:150],
        action=action.value,
        reason=reason[:200],
        old=safe_value(old or {}),
        new=safe_value(new or {}),
        ip=client_ip(request),
    )
    if target is not None:
        event.target_type = target._meta.label_lower
        event.target_id = str(target.pk)
        event.target_repr = (target_repr or str(target))[:200]
    else:
        event.target_repr = target_repr[:200]
    region_id = region.pk if isinstance(region, models.Model) else region
    event.region_id = region_id or _region_of(target)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        event.seq, event.prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        event.hash = event.compute_hash()
        event.save(force_insert=True)
    return event


def verify_chain(batch: int = 2000):
    """Yield (event, problem) for rows whose chain is broken; stops at the first."""
    prev_seq, prev_hash = 0, GENESIS
    last_seq = 0
    while True:
        rows = list(AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")[:batch])
        if not rows:
            return
        for event in rows:
            if event.seq != prev_seq + 1:
                yield event, f"缺少第 {prev_seq + 1} 至 {event.seq - 1} 条记录（被删除）"
                return
            if event.prev_hash != prev_hash:
                yield event, "与上一条记录的链接不符（上一条被修改或删除）"
                return
            if event.compute_hash() != event.hash:
                yield event, "内容与哈希不符（记录被修改）"
                return
            prev_seq, prev_hash = event.seq, event.hash
        last_seq = rows[-1].seq
