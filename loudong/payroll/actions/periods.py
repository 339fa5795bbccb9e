"""Periods and lines: prepare (社区), submit, return or approve (街道), lock; manual lines.

PRODUCT.md: "Monthly payroll per leader (all posts, proration, year-end part by grade), approval,
locked periods, corrections as new lines"; "a locked payroll period is never edited, only
corrected by new lines". Periods are approved in month order; once a month is locked no earlier
month can be prepared (what was missed is paid by correction lines instead).
"""

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from loudong.accounts.audit import AuditAction, record
from loudong.lib.dates import floor
from loudong.payroll import compute, exports, money
from loudong.payroll.actions.common import Refused, require_approve, require_edit
from loudong.payroll.models import BankAccount, Line, Period, PeriodEvent
from loudong.policy.profile import profile_for
from loudong.roster.models import Appointment

MAX_LISTED = 8


def _event(period, from_status, what, actor, note=""):
    PeriodEvent.objects.create(
        period=period,
        from_status=from_status,
        to_status=period.status,
        what=what,
        note=note[:300],
        actor=actor,
        at=timezone.now(),
    )


def _lock_or_create(community, month) -> Period:
    period = Period.objects.select_for_update().filter(community=community, month=month).first()
    if period is not None:
        return period
    profile = profile_for(community, on=month)
    try:
        with transaction.atomic():
            return Period.objects.create(
                community=community,
                month=month,
                profile_name=profile.name,
                profile_version=profile.version,
            )
    except IntegrityError:  # made meanwhile by another request
        return Period.objects.select_for_update().get(community=community, month=month)


def _line(period, expected: compute.Expected, appointments) -> Line:
    appointment = appointments[expected.appointment]
    return Line(
        period=period,
        community=period.community,
        compound=appointment.compound,
        appointment=appointment,
        person_id=appointment.person_id,
        post_id=appointment.post_id,
        kind=expected.kind,
        component=expected.component,
        service_month=expected.service_month,
        days=expected.days,
        month_days=expected.month_days,
        amount=expected.amount,
        basis=expected.basis[:300],
        corrects_id=expected.corrects,
        source=Line.Source.COMPUTED,
    )


def prepare_period(*, community, month: dt.date, acting_user, today=None, request=None):
    """Compute the month's lines (replacing earlier computed ones); returns (period, plan).

    Refused (nothing written): a month in the future or before the records; a month already
    locked ("将在下一期以更正行处理"); a month already submitted (the 街道 must return it first);
    a month earlier than a locked one.
    """
    require_edit(acting_user, community, "编制补贴发放表", request)
    today = today or timezone.localdate()
    month = money.month_start(month)
    if month > money.month_start(today):
        raise Refused(f"不能编制 {month:%Y-%m} 的补贴：月份尚未到来")
    if month < money.month_start(floor()):
        raise Refused(f"不能编制 {floor():%Y-%m} 以前的补贴")
    with transaction.atomic():
        period = _lock_or_create(community, month)
        if period.is_locked:
            raise Refused(
                f"{period.label}的补贴已审批锁定，不能重新生成；如有差错，将在下一期以更正行处理"
            )
        if period.status == Period.Status.SUBMITTED:
            raise Refused(f"{period.label}的补贴已报批，须街道退回后才能重新生成")
        later = Period.objects.filter(
            community=community, month__gt=month, status=Period.Status.LOCKED
        ).first()
        if later is not None:
            raise Refused(
                f"{later.label}已审批锁定，不能再编制更早的 {period.label}；应发未发的补贴将在下一期以更正行补发"
            )
        plan = compute.expected_lines(period)
        appointments = Appointment.objects.in_bulk({e.appointment for e in plan.lines})
        period.lines.filter(source=Line.Source.COMPUTED).delete()
        Line.objects.bulk_create([_line(period, e, appointments) for e in plan.lines], 1000)
        period.prepared_by = acting_user
        period.prepared_at = timezone.now()
        period.save(update_fields=["prepared_by", "prepared_at"])
        _event(period, period.status, "生成补贴明细", acting_user)
        record(
            actor=acting_user,
            action=AuditAction.PAYROLL_PREPARE,
            target=period,
            new={
                "month": f"{month:%Y-%m}",
                "lines": len(plan.lines),
                "total": plan.total,
                "corrections": sum(1 for e in plan.lines if e.kind == Line.Kind.CORRECTION),
            },
            request=request,
        )
    return period, plan


def totals(period) -> tuple[Decimal, int]:
    from django.db.models import Count, Sum

    agg = period.lines.aggregate(total=Sum("amount"), n=Count("id"))
    # SQLite sums decimals imprecisely (10129.0300000000): back to the fen.
    return money.round_money(agg["total"] or money.ZERO, "fen"), agg["n"]


def submit_period(*, period, acting_user, request=None) -> Period:
    """The community submits the period with its control total (报批合计)."""
    require_edit(acting_user, period, "报批补贴发放表", request)
    with transaction.atomic():
        period = Period.objects.select_for_update().get(pk=period.pk)
        if not period.can_move_to(Period.Status.SUBMITTED):
            raise Refused(f"当前状态为“{period.get_status_display()}”，不能报批")
        if period.prepared_at is None:
            raise Refused("请先生成补贴明细")
        total, count = totals(period)
        old = period.status
        period.status = Period.Status.SUBMITTED
        period.control_total, period.control_count = total, count
        period.submitted_by, period.submitted_at = acting_user, timezone.now()
        period.save(
            update_fields=[
                "status",
                "control_total",
                "control_count",
                "submitted_by",
                "submitted_at",
            ]
        )
        _event(period, old, f"报批：{count} 条，合计 {money.yuan(total)} 元", acting_user)
        record(
            actor=acting_user,
            action=AuditAction.PAYROLL_SUBMIT,
            target=period,
            new={"total": total, "lines": count},
            request=request,
        )
    return period


def return_period(*, period, reason: str, acting_user, request=None) -> Period:
    """The 街道 sends a submitted period back to the community, saying why."""
    require_approve(acting_user, period, "退回补贴发放表", request)
    reason = (reason or "").strip()
    if not reason:
        raise Refused("请填写退回原因")
    with transaction.atomic():
        period = Period.objects.select_for_update().get(pk=period.pk)
        if period.status != Period.Status.SUBMITTED:
            raise Refused(f"当前状态为“{period.get_status_display()}”，不能退回")
        old = period.status
        period.status = Period.Status.DRAFT
        period.control_total = period.control_count = None
        period.save(update_fields=["status", "control_total", "control_count"])
        _event(period, old, "街道退回", acting_user, reason)
        record(
            actor=acting_user,
            action=AuditAction.PAYROLL_RETURN,
            target=period,
            reason=reason,
            request=request,
        )
    return period


def balance_problems(period) -> list[str]:
    """Why a submitted period cannot be approved, in Chinese; [] when it balances."""
    problems = []
    total, count = totals(period)
    if (total, count) != (period.control_total, period.control_count):
        problems.append(
            f"明细合计 {money.yuan(total)} 元（{count} 条）与报批合计 "
            f"{money.yuan(period.control_total or 0)} 元（{period.control_count or 0} 条）不符"
        )
    plan = compute.expected_lines(period)
    expected = {e.key: e.amount for e in plan.lines}
    current = compute.current_lines(period)
    differ = [k for k in expected.keys() | current.keys() if expected.get(k) != current.get(k)]
    if differ:
        problems.append(
            f"有 {len(differ)} 条明细与现在的任职、协议书或评议记录不一致，请退回后重新生成"
        )
    if plan.missing_grades:
        names = "、".join(a.person.name for a in plan.missing_grades[:MAX_LISTED])
        problems.append(
            f"以下楼栋长尚无 {period.month.year} 年度评议结果，不能计发年终补贴：{names}"
            + (f"等 {len(plan.missing_grades)} 人" if len(plan.missing_grades) > MAX_LISTED else "")
        )
    negative = _negative_people(period)
    if negative:
        problems.append("以下人员本期实发为负数，请分期扣回：" + "、".join(negative[:MAX_LISTED]))
    return problems


def _negative_people(period) -> list[str]:
    sums: dict[int, list] = {}
    for person_id, name, amount in period.lines.values_list("person_id", "person__name", "amount"):
        row = sums.setdefault(person_id, [name, money.ZERO])
        row[1] += amount
    return [f"{name}（{money.yuan(v)} 元）" for name, v in sums.values() if v < 0]


def _snapshot_payees(period) -> None:
    lines = list(period.lines.select_related("person"))
    accounts = {
        b.person_id: b
        for b in BankAccount.objects.filter(person_id__in={ln.person_id for ln in lines})
    }
    for line in lines:
        account = accounts.get(line.person_id)
        line.payee_name = line.person.name
        line.payee_id_number = line.person.id_number.reveal()
        line.payee_bank = account.bank if account else ""
        line.payee_account = account.account.reveal() if account else ""
    # bulk_update bypasses Line.save(): the period is not locked yet, in this transaction.
    Line.objects.bulk_update(
        lines, ["payee_name", "payee_id_number", "payee_bank", "payee_account"], 1000
    )


def approve_period(*, period, acting_user, request=None) -> Period:
    """The 街道 approves a balanced period; it is locked and its export fixed.

    Refused (nothing written): not submitted; the person who submitted it; an earlier period of
    the community not yet locked; an unbalanced period (see :func:`balance_problems`).
    """
    require_approve(acting_user, period, "审批补贴发放表", request)
    with transaction.atomic():
        period = Period.objects.select_for_update().select_related("community").get(pk=period.pk)
        if period.status != Period.Status.SUBMITTED:
            raise Refused(f"当前状态为“{period.get_status_display()}”，只能审批已报批的发放表")
        if period.submitted_by_id == acting_user.pk:
            raise Refused("报批人不能审批自己报批的发放表")
        earlier = (
            Period.objects.filter(community=period.community, month__lt=period.month)
            .exclude(status=Period.Status.LOCKED)
            .order_by("month")
            .first()
        )
        if earlier is not None:
            raise Refused(f"请先审批 {earlier.label}的补贴（按月份顺序审批）")
        problems = balance_problems(period)
        if problems:
            raise Refused("补贴发放表不平衡，不能审批：" + "；".join(problems))
        _snapshot_payees(period)
        old = period.status
        period.status = Period.Status.LOCKED
        period.approved_by, period.approved_at = acting_user, timezone.now().replace(microsecond=0)
        period.digest = exports.digest(exports.workbook(period, reveal=True))
        period.save(update_fields=["status", "approved_by", "approved_at", "digest"])
        _event(period, old, "街道审批，已锁定", acting_user)
        record(
            actor=acting_user,
            action=AuditAction.PAYROLL_APPROVE,
            target=period,
            new={"total": period.control_total, "lines": period.control_count},
            request=request,
        )
    return period


# -- manual lines --------------------------------------------------------------------------------


def _open_period(period) -> Period:
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.is_locked:
        raise Refused("该期补贴已审批锁定，不能修改；如有差错，请在下一期以更正行处理")
    if period.status != Period.Status.DRAFT:
        raise Refused("该期补贴已报批，须街道退回后才能修改")
    return period


def add_manual_line(
    *, period, appointment, amount: Decimal, note: str, corrects=None, acting_user, request=None
) -> Line:
    """A one-off adjustment (e.g. a recovery the 街道 decided), with its reason; draft only."""
    require_edit(acting_user, period, "新增补贴调整", request)
    note = (note or "").strip()
    if not note:
        raise Refused("请填写调整说明")
    if amount is None or amount == 0:
        raise Refused("调整金额不能为 0")
    if appointment.community_id != period.community_id:
        raise Refused("该任职不属于本社区")
    if corrects is not None and (corrects.period.community_id != period.community_id):
        raise Refused("被更正的明细不属于本社区")
    with transaction.atomic():
        period = _open_period(period)
        line = Line.objects.create(
            period=period,
            community=period.community,
            compound=appointment.compound,
            appointment=appointment,
            person_id=appointment.person_id,
            post_id=appointment.post_id,
            kind=Line.Kind.CORRECTION,
            component="manual",
            service_month=corrects.service_month if corrects else period.month,
            amount=money.round_money(amount, "fen"),
            basis=(f"人工调整：{note}" + (f"（更正第 {corrects.pk} 号明细）" if corrects else ""))[
                :300
            ],
            corrects=corrects,
            source=Line.Source.MANUAL,
            note=note[:200],
            created_by=acting_user,
        )
        record(
            actor=acting_user,
            action=AuditAction.PAYROLL_LINE_ADD,
            target=period,
            new={"amount": line.amount, "person": line.person_id, "post": line.post_id},
            reason=note,
            request=request,
        )
    return line


def _editable(line) -> None:
    if line.period.is_locked:
        raise Refused("已锁定的补贴明细不能修改，请在下一期以更正行处理")
    if line.source == Line.Source.COMPUTED:
        raise Refused(
            "按任职记录计算的明细不能直接修改：请更正任职或协议书记录后重新生成，或新增一条人工调整"
        )


def edit_line(*, line, amount: Decimal, note: str, acting_user, request=None) -> Line:
    """Change a manual adjustment of a draft period (never a locked or computed line)."""
    require_edit(acting_user, line, "修改补贴调整", request)
    _editable(line)
    note = (note or "").strip()
    if not note:
        raise Refused("请填写修改说明")
    if amount is None or amount == 0:
        raise Refused("调整金额不能为 0")
    with transaction.atomic():
        _open_period(line.period)
        line = Line.objects.select_for_update().get(pk=line.pk)
        old = line.amount
        line.amount = money.round_money(amount, "fen")
        line.note = note[:200]
        line.save(update_fields=["amount", "note"])
        record(
            actor=acting_user,
            action=AuditAction.PAYROLL_LINE_EDIT,
            target=line.period,
            old={"amount": old},
            new={"amount": line.amount},
            reason=note,
            request=request,
        )
    return line


def delete_line(*, line, acting_user, request=None) -> None:
    require_edit(acting_user, line, "删除补贴调整", request)
    _editable(line)
    if line.source == Line.Source.AWARD:
        raise Refused("评选表彰的以奖代补明细不能在此删除")
    with transaction.atomic():
        _open_period(line.period)
        record(
            actor=acting_user,
            action=AuditAction.PAYROLL_LINE_DELETE,
            target=line.period,
            old={"amount": line.amount, "person": line.person_id},
            request=request,
        )
        line.delete()


def set_bank_account(*, person, bank: str, account: str, acting_user, request=None) -> BankAccount:
    """Where the subsidy is paid; the number is sealed (ProtectedField), shown as its last 4."""
    require_edit(acting_user, person, "登记收款账户", request)
    bank, account = (bank or "").strip(), "".join(c for c in (account or "") if c.isalnum())
    if not bank:
        raise Refused("请填写开户行")
    if not 8 <= len(account) <= 30 or not account.isdigit():
        raise Refused("银行账号应为 8–30 位数字")
    with transaction.atomic():
        row, _ = BankAccount.objects.update_or_create(
            person=person,
            defaults={
                "community": person.community,
                "compound": person.compound,
                "bank": bank[:100],
                "account": account,
                "updated_by": acting_user,
            },
        )
        record(
            actor=acting_user,
            action=AuditAction.PAYROLL_BANK_ACCOUNT,
            target=person,
            new={"bank": bank, "account": row.account.masked},
            request=request,
        )
    return row
