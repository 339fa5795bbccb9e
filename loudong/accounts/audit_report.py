"""The 审计管理员's daily report: the chain's head, the anchor, and the day's notable events.

``loudong audit_report [--date YYYY-MM-DD]`` prints it; the worker runs it once a day and
appends it to the log itself (``audit.daily_report``, the head in ``new``), so each day's head
is chained too; the audit page shows the latest checkpoint and the day's figures.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from loudong.accounts import anchor as anchor_file
from loudong.accounts.audit import AuditAction, Head, Verification, head, record, verify
from loudong.accounts.audit_actions import action_label
from loudong.accounts.models import AuditEvent

# What the audit admin reads first: personal data seen or taken away, refusals, accounts.
NOTABLE = [
    AuditAction.REVEAL,
    AuditAction.PERSONAL_SEARCH,
    AuditAction.REGISTRY_EXPORT,
    AuditAction.DOCUMENTS_EXPORT,
    AuditAction.AGREEMENT_EXPORT,
    AuditAction.AUDIT_EXPORT,
    AuditAction.OUT_OF_SCOPE,
    AuditAction.DENIED,
    AuditAction.LOGIN_FAILED,
    AuditAction.LOCKED_OUT,
    AuditAction.ROLE_ASSIGN,
    AuditAction.ROLE_END,
    AuditAction.ROLE_REFUSED,
    AuditAction.USER_RESET_PASSWORD,
    AuditAction.SECURITY_UNLOCK,
    AuditAction.SECURITY_RESET_2FA,
    AuditAction.API_TOKEN_CREATE,
    AuditAction.API_TOKEN_REVOKE,
]
_CACHE_KEY = "audit:last_verification"
# A checkpoint older than this on the page is flagged: the worker is not running.
STALE_AFTER = dt.timedelta(minutes=15)


@dataclass
class Report:
    day: dt.date
    verification: Verification
    head: Head | None
    counts: list[tuple[str, str, int]] = field(default_factory=list)  # (action, label, n)
    total: int = 0

    def lines(self) -> list[str]:
        v = self.verification
        out = [f"审计日报 {self.day:%Y-%m-%d}（生成于 {timezone.localtime():%Y-%m-%d %H:%M:%S}）"]
        if self.head is None:
            out.append("链头：审计日志为空")
        else:
            out.append(f"链头：共 {self.head.rows} 条，第 {self.head.seq} 条 HMAC {self.head.hmac}")
        out.append(
            "全链校验：通过" if v.ok else f"全链校验：未通过 —— {v.problem}",
        )
        if v.anchor is not None:
            out.append(
                f"锚点：{anchor_file.path()}，{v.anchor.rows} 条，"
                f"{timezone.localtime(v.anchor.at):%Y-%m-%d %H:%M:%S} 检查点，"
                f"HMAC {v.anchor.hmac}"
            )
        else:
            out.append(v.anchor_note or "锚点：无")
        out.append(f"当日记录：{self.total} 条")
        out.extend(f"  {label}：{n}" for _, label, n in self.counts)
        return out


def day_counts(day: dt.date) -> tuple[list[tuple[str, str, int]], int]:
    """(action, Chinese label, count) of one local day, notable actions first."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    rows = dict(
        AuditEvent.objects.filter(created__gte=start, created__lt=start + dt.timedelta(days=1))
        .values_list("action")
        .annotate(n=Count("id"))
        .order_by()
    )
    order = {a.value: i for i, a in enumerate(NOTABLE)}
    counts = sorted(rows.items(), key=lambda kv: (order.get(kv[0], len(order)), -kv[1], kv[0]))
    return [(a, action_label(a), n) for a, n in counts], sum(rows.values())


def daily_report(day: dt.date | None = None) -> Report:
    """Full verification (every HMAC recomputed) plus the figures of ``day`` (yesterday)."""
    day = day or timezone.localdate() - dt.timedelta(days=1)
    verification = verify()
    remember(verification, full=True)
    counts, total = day_counts(day)
    return Report(day=day, verification=verification, head=head(), counts=counts, total=total)


def record_report(report: Report) -> None:
    """Append the report's head and verdict to the log (so the head is chained daily)."""
    record(
        actor=None,
        action=AuditAction.AUDIT_DAILY_REPORT,
        actor_username="(系统)",
        target_repr=f"审计日报 {report.day:%Y-%m-%d}",
        new={
            "date": report.day,
            "rows": report.head.rows if report.head else 0,
            "hmac": report.head.hmac if report.head else "",
            "verified": report.verification.ok,
            "problem": report.verification.problem[:200],
            "events": report.total,
        },
    )


def remember(result: Verification, *, full: bool) -> None:
    """The last verification's verdict, for the audit page (the shared database cache)."""
    cache.set(
        _CACHE_KEY,
        {
            "at": timezone.now().isoformat(),
            "ok": result.ok,
            "problem": result.problem,
            "rows": result.head.rows if result.head else 0,
            "full": full,
        },
        timeout=None,
    )


def page_status() -> dict:
    """What the audit page shows above the log: head, anchor, last verdict, today's figures."""
    try:
        anchor = anchor_file.read()
        anchor_problem = ""
    except anchor_file.AnchorError as exc:
        anchor, anchor_problem = None, str(exc)
    last = cache.get(_CACHE_KEY)
    if last:
        last = {**last, "at": dt.datetime.fromisoformat(last["at"])}
        last["stale"] = timezone.now() - last["at"] > STALE_AFTER
    current = head()
    behind = bool(anchor and current and current.seq < anchor.seq)
    counts, total = day_counts(timezone.localdate())
    return {
        "head": current,
        "anchor": anchor,
        "anchor_path": anchor_file.path(),
        "anchor_problem": anchor_problem,
        "anchor_ahead_of_chain": behind,
        "last": last,
        "today_counts": [c for c in counts if c[0] in {a.value for a in NOTABLE}],
        "today_total": total,
    }
