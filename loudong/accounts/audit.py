"""Writing audit rows. Call :func:`record` inside the transaction of the change."""

import datetime as dt
import decimal
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, models, transaction
from django.utils import timezone

from loudong.accounts import anchor as anchor_file
from loudong.accounts.audit_actions import AuditAction
from loudong.accounts.models import AuditEvent
from loudong.lib.http import client_ip
from loudong.lib.protected import Protected

__all__ = [
    "AuditAction",
    "checkpoint",
    "client_ip",
    "head",
    "record",
    "safe_value",
    "verify",
    "verify_chain",
]

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


def verify_chain(batch: int = 2000, *, after: tuple[int, str] | None = None):
    """Yield (event, problem) for rows whose chain is broken; stops at the first.

    ``after`` = (seq, hmac) of a row already trusted (the anchored head): the walk starts
    after it instead of at the genesis.
    """
    prev_seq, prev_hash = after or (0, GENESIS)
    last_seq = prev_seq
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
                yield event, "内容与哈希不符（记录被修改，或哈希未用审计密钥计算）"
                return
            prev_seq, prev_hash = event.seq, event.hash
        last_seq = rows[-1].seq


@dataclass(frozen=True)
class Head:
    rows: int
    seq: int
    hmac: str
    first_hmac: str


@dataclass
class Verification:
    """What ``loudong verify_audit`` found. ``problem`` is empty when the chain holds."""

    head: Head | None = None
    anchor: anchor_file.Anchor | None = None
    problem: str = ""
    checked: int = 0  # rows whose HMAC was recomputed
    anchor_note: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def head() -> Head | None:
    """The chain's last row as stored (not verified)."""
    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    if last is None:
        return None
    first = AuditEvent.objects.order_by("seq").values_list("hash", flat=True).first()
    return Head(rows=last[0], seq=last[0], hmac=last[1], first_hmac=first)


def _describe(event) -> str:
    return (
        f"审计日志第 {event.seq} 条记录（id={event.pk}，"
        f"{timezone.localtime(event.created):%Y-%m-%d %H:%M:%S}，操作 {event.action}）"
    )


def verify(*, use_anchor: bool = True, since_anchor: bool = False, anchor_path=None):
    """Verify the chain and, unless ``use_anchor`` is False, hold it against the anchor.

    ``since_anchor``: trust the anchored row once its stored HMAC still equals the anchor's,
    and recompute only the rows after it (the worker's five-minute checkpoint); the full walk
    (the default, and the daily report) recomputes every row.
    """
    result = Verification()
    try:
        anchor = anchor_file.read(anchor_path) if use_anchor else None
    except anchor_file.AnchorError as exc:
        result.problem = str(exc)
        return result
    result.anchor = anchor
    after = None
    if anchor is not None:
        anchored = AuditEvent.objects.filter(seq=anchor.seq).first()
        first = AuditEvent.objects.filter(seq=1).values_list("hash", flat=True).first()
        last_seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        if last_seq < anchor.seq or anchored is None:
            missing = min(last_seq + 1, anchor.seq)
            result.problem = (
                f"审计日志第 {missing} 条记录缺失：锚点（{anchor.at:%Y-%m-%d %H:%M:%S} 检查点）"
                f"记录共 {anchor.rows} 条，数据库中现只有 {last_seq} 条（记录被删除）"
            )
            return result
        if first != anchor.first_hmac:
            result.problem = (
                "审计日志第 1 条记录与锚点不符：当前审计链不是锚点所记录的那一条"
                "（被整体替换；如数据库确为新建或恢复，请用 --checkpoint --replace-anchor 重新建立锚点）"
            )
            return result
        if anchored.hash != anchor.hmac:
            result.problem = (
                f"{_describe(anchored)}与锚点不符：锚点记录的哈希为 {anchor.hmac[:16]}…，"
                f"现为 {anchored.hash[:16]}…（此前的记录被改写后重算）"
            )
            return result
        if since_anchor:
            if anchored.compute_hash() != anchored.hash:
                result.problem = f"{_describe(anchored)}断链：内容与哈希不符（记录被修改）"
                return result
            after = (anchored.seq, anchored.hash)
    for event, problem in verify_chain(after=after):
        result.problem = f"{_describe(event)}断链：{problem}"
        return result
    result.head = head()
    result.checked = (result.head.seq - (after[0] if after else 0)) if result.head else 0
    if anchor is None and use_anchor:
        result.anchor_note = (
            f"尚无审计锚点（{anchor_file.path()}）：请运行 loudong verify_audit --checkpoint"
        )
    return result


def checkpoint(*, since_anchor: bool = False, replace: bool = False, anchor_path=None):
    """Verify, then record the verified head in the anchor file; returns the Verification.

    Refuses (returns the failed Verification, file unchanged) when the chain is broken or
    shorter than the anchor: a checkpoint never moves the anchor backwards. ``replace`` starts
    a new anchor for a new or restored database (the old file is kept beside it).
    """
    with anchor_file.locked(anchor_path):
        if replace:
            old = Path(anchor_path or anchor_file.path())
            if old.exists():
                stamp = timezone.now().strftime("%Y%m%d%H%M%S")
                old.replace(old.with_name(f"{old.name}.replaced-{stamp}"))
        result = verify(since_anchor=since_anchor and not replace, anchor_path=anchor_path)
        if result.ok and result.head is not None:
            result.anchor = anchor_file.write(
                rows=result.head.rows,
                seq=result.head.seq,
                hmac=result.head.hmac,
                first_hmac=result.head.first_hmac,
                anchor_path=anchor_path,
            )
            result.anchor_note = ""
    return result
