"""Accident insurance: policies, who is covered, claims, renewal reminders.

Seed 000 附件1 §四.3: "甲方为乙方购买意外伤害商业保险，乙方志愿服务工作中遇有意外伤害的，以保险公司
的理赔款作为补偿。" 004 §四.14: "投保意外伤害等保险".
"""

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from loudong.accounts.audit import AuditAction, record
from loudong.lib.dates import DateOutOfRange, check_window
from loudong.payroll import coverage
from loudong.payroll.actions.common import Refused, require_edit
from loudong.payroll.models import Claim, ClaimEvent, InsurancePolicy, InsuredPerson, Reminder
from loudong.policy.profile import profile_for
from loudong.roster.models import Appointment

MAX_POLICY_DAYS = 3 * 366


def _window(value, label, **kwargs):
    try:
        return check_window(value, label, **kwargs)
    except DateOutOfRange as exc:
        raise Refused(str(exc)) from None


def create_policy(
    *,
    community,
    insurer: str,
    number: str,
    start: dt.date,
    end: dt.date,
    premium: Decimal,
    named: bool,
    note: str = "",
    acting_user,
    request=None,
) -> InsurancePolicy:
    """Record a policy. Refused: blank insurer or number, an end before the start or a period
    over three years, a negative premium, a number already recorded for that insurer."""
    require_edit(acting_user, community, "登记保单", request)
    insurer, number = (insurer or "").strip(), (number or "").strip()
    if not insurer:
        raise Refused("请填写保险公司")
    if not number:
        raise Refused("请填写保单号")
    _window(start, "保险起期")
    _window(end, "保险止期", not_before=start)
    if (end - start).days > MAX_POLICY_DAYS:
        raise Refused("保险期间不能超过三年")
    if premium is None or premium < 0:
        raise Refused("保费不能为负数")
    try:
        with transaction.atomic():
            policy = InsurancePolicy.objects.create(
                community=community,
                insurer=insurer[:100],
                number=number[:60],
                start=start,
                end=end,
                premium=premium,
                named=named,
                note=note[:200],
                created_by=acting_user,
            )
            record(
                actor=acting_user,
                action=AuditAction.INSURANCE_POLICY,
                target=policy,
                new={
                    "insurer": insurer,
                    "number": number,
                    "start": start,
                    "end": end,
                    "premium": premium,
                },
                request=request,
            )
    except IntegrityError:
        raise Refused(f"{insurer}的保单 {number} 已登记") from None
    return policy


def covered_leaders(policy, day: dt.date):
    """Appointments in force on ``day`` in the policy's community whose post the profile covers."""
    insurance = profile_for(policy.community, on=day).insurance
    return (
        Appointment.objects.filter(
            community=policy.community,
            post__kind__in=list(insurance.covered_post_kinds),
            start__lte=day,
        )
        .filter(Q(end__isnull=True) | Q(end__gte=day))
        .select_related("person")
    )


def add_insured(*, policy, persons, start: dt.date, acting_user, request=None) -> int:
    """Put persons on a named policy from ``start`` (加保); returns how many were added."""
    require_edit(acting_user, policy, "修改参保人员", request)
    if not policy.named:
        raise Refused("不记名保单按在岗人员自动承保，无须逐一添加")
    _window(start, "参保起始日期", not_before=policy.start, not_after=policy.end)
    persons = [p for p in persons if p.community_id == policy.community_id]
    if not persons:
        raise Refused("请选择本社区的人员")
    with transaction.atomic():
        have = set(policy.insured.values_list("person_id", flat=True))
        rows = [
            InsuredPerson(policy=policy, person=p, start=start)
            for p in {p.pk: p for p in persons}.values()
            if p.pk not in have
        ]
        InsuredPerson.objects.bulk_create(rows)
        record(
            actor=acting_user,
            action=AuditAction.INSURANCE_INSURED,
            target=policy,
            new={"added": [r.person_id for r in rows], "start": start},
            request=request,
        )
    return len(rows)


def end_insured(*, insured, end: dt.date, acting_user, request=None) -> InsuredPerson:
    """Take a person off a named policy from a day (减员)."""
    require_edit(acting_user, insured.policy, "修改参保人员", request)
    _window(end, "参保截止日期", not_before=insured.start, not_after=insured.policy.end)
    with transaction.atomic():
        old = insured.end
        insured.end = end
        insured.save(update_fields=["end"])
        record(
            actor=acting_user,
            action=AuditAction.INSURANCE_INSURED,
            target=insured.policy,
            old={"person": insured.person_id, "end": old},
            new={"person": insured.person_id, "end": end},
            request=request,
        )
    return insured


def record_claim(
    *,
    policy,
    person,
    date: dt.date,
    description: str,
    incident_ref: str = "",
    amount_claimed: Decimal | None = None,
    acting_user,
    today=None,
    request=None,
) -> Claim:
    """A claim for an accident in the leader's volunteer work. Refused: a date in the future or
    outside the policy, a person the policy did not cover that day, no description."""
    require_edit(acting_user, policy, "登记理赔", request)
    today = today or timezone.localdate()
    _window(date, "出险日期", not_after=today, today=today)
    if not policy.in_force(date):
        raise Refused(f"出险日期不在保险期间（{policy.start:%Y-%m-%d} 至 {policy.end:%Y-%m-%d}）内")
    if person.pk not in coverage.insured_persons([person.pk], date):
        raise Refused(f"{person.name}在 {date:%Y-%m-%d} 不在该保单的承保范围内")
    description = (description or "").strip()
    if not description:
        raise Refused("请填写出险经过")
    if amount_claimed is not None and amount_claimed < 0:
        raise Refused("申请金额不能为负数")
    with transaction.atomic():
        claim = Claim.objects.create(
            policy=policy,
            person=person,
            community=policy.community,
            compound=person.compound,
            date=date,
            description=description,
            incident_ref=(incident_ref or "").strip()[:40],
            amount_claimed=amount_claimed,
            created_by=acting_user,
        )
        ClaimEvent.objects.create(
            claim=claim, to_status=claim.status, actor=acting_user, at=timezone.now()
        )
        record(
            actor=acting_user,
            action=AuditAction.INSURANCE_CLAIM,
            target=claim,
            new={"date": date, "person": person.pk, "amount": amount_claimed},
            request=request,
        )
    return claim


def move_claim(
    *, claim, to_status: str, note: str = "", amount_paid=None, acting_user, request=None
) -> Claim:
    """Move a claim along its workflow; 已赔付 needs the amount the insurer paid."""
    require_edit(acting_user, claim, "办理理赔", request)
    if to_status not in Claim.Status.values:
        raise Refused("理赔状态无效")
    if to_status == Claim.Status.PAID and (amount_paid is None or amount_paid < 0):
        raise Refused("请填写保险公司的赔付金额")
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        if not claim.can_move_to(to_status):
            raise Refused(
                f"当前状态为“{claim.get_status_display()}”，不能改为“{Claim.Status(to_status).label}”"
            )
        old = claim.status
        claim.status = to_status
        fields = ["status"]
        if to_status == Claim.Status.PAID:
            claim.amount_paid = amount_paid
            fields.append("amount_paid")
        claim.save(update_fields=fields)
        ClaimEvent.objects.create(
            claim=claim,
            from_status=old,
            to_status=to_status,
            note=(note or "")[:300],
            actor=acting_user,
            at=timezone.now(),
        )
        record(
            actor=acting_user,
            action=AuditAction.INSURANCE_CLAIM_MOVE,
            target=claim,
            old={"status": old},
            new={"status": to_status, "amount": amount_paid},
            reason=note,
            request=request,
        )
    return claim


def remind_renewals(*, today=None) -> list[Reminder]:
    """The daily job: one reminder per policy ending within ``insurance.renewal_reminder_days``
    without a renewal. Idempotent (a policy is reminded once); returns the new reminders."""
    from loudong.territory.models import Region

    today = today or timezone.localdate()
    made = []
    communities = Region.objects.filter(
        pk__in=InsurancePolicy.objects.filter(end__gte=today).values("community_id")
    )
    for community in communities:
        for policy in coverage.expiring(community, today):
            if Reminder.objects.filter(policy=policy).exists():
                continue
            left = (policy.end - today).days
            text = (
                f"{policy.insurer}保单 {policy.number} 将于 {policy.end:%Y-%m-%d} 到期（还有 {left} 天），"
                "尚未续保：到期后在岗楼栋长将没有意外伤害保险。"
            )
            try:
                with transaction.atomic():
                    made.append(
                        Reminder.objects.create(
                            policy=policy, community=community, created_on=today, text=text
                        )
                    )
            except IntegrityError:  # another worker made it
                continue
    return made


def dismiss_reminder(*, reminder, acting_user, today=None, request=None) -> Reminder:
    require_edit(acting_user, reminder, "处理续保提醒", request)
    with transaction.atomic():
        reminder.done_on = today or timezone.localdate()
        reminder.done_by = acting_user
        reminder.save(update_fields=["done_on", "done_by"])
        record(
            actor=acting_user,
            action=AuditAction.INSURANCE_REMINDER,
            target=reminder.policy,
            new={"done_on": reminder.done_on},
            request=request,
        )
    return reminder
