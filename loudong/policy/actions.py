"""Audited changes to policy: new profile versions and holiday calendar entries."""

import copy
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from loudong.accounts.audit import AuditAction, record
from loudong.policy.models import Holiday, PolicyProfile
from loudong.policy.schema import diff, validate_profile


@transaction.atomic
def create_profile_version(
    *,
    name: str,
    data: dict,
    note: str,
    acting_user,
    base_version: int | None = None,
    effective_from: dt.date | None = None,
) -> PolicyProfile:
    """Add version N+1 of profile ``name``; never touches earlier versions.

    The version applies from ``effective_from`` (default today), never earlier than today nor
    than the current version's start: a past month keeps the numbers it was paid under.
    Raises ``ValidationError`` (Chinese messages naming the field path) when ``data`` fails the
    schema, when nothing changed, or when ``base_version`` is given and someone else has saved
    a newer version meanwhile. ``acting_user`` None means the built-in file (load_profiles).
    """
    errors = validate_profile(data)
    if errors:
        raise ValidationError(errors)
    note = (note or "").strip()
    if not note:
        raise ValidationError(["修改说明：必须填写"])
    current = (
        PolicyProfile.objects.select_for_update().filter(name=name).order_by("-version").first()
    )
    if base_version is not None and current is not None and current.version != base_version:
        raise ValidationError(
            [
                f"该方案已被修改为第 {current.version} 版（您编辑的是第 {base_version} 版），请刷新后重做"
            ]
        )
    today = timezone.localdate()
    effective_from = effective_from or today
    if effective_from < today:
        raise ValidationError(["生效日期：不能早于今天（已发生的补贴和评议按当时的版本计算）"])
    if current is not None and effective_from < current.effective_from:
        raise ValidationError(
            [
                f"生效日期：不能早于当前第 {current.version} 版的生效日期 {current.effective_from:%Y-%m-%d}"
            ]
        )
    old_data = current.data if current else {}
    old, new = diff(old_data, data)
    if current is not None and not new and not old:
        raise ValidationError(["参数没有任何改动，未新建版本"])
    try:
        with transaction.atomic():
            profile = PolicyProfile.objects.create(
                name=name,
                version=(current.version + 1) if current else 1,
                title=data["title"],
                data=copy.deepcopy(data),
                effective_from=effective_from,
                created_by=acting_user,
                note=note,
            )
    except IntegrityError:
        raise ValidationError(["该方案刚刚被他人修改，请刷新后重做"]) from None
    record(
        actor=acting_user,
        actor_username="" if acting_user else "load_profiles",
        action=AuditAction.POLICY_VERSION,
        target=profile,
        old=old,
        new=new,
        reason=f"{note}（{effective_from:%Y-%m-%d} 起生效）"[:200],
    )
    return profile


@transaction.atomic
def add_holiday(*, date, kind: str, name: str, acting_user) -> Holiday:
    if Holiday.objects.filter(date=date).exists():
        raise ValidationError({"date": f"{date:%Y-%m-%d} 已有录入，请先删除原记录"})
    holiday = Holiday.objects.create(date=date, kind=kind, name=name, created_by=acting_user)
    record(
        actor=acting_user,
        action=AuditAction.POLICY_HOLIDAY_ADD,
        target=holiday,
        new={"date": date, "kind": kind, "name": name},
    )
    return holiday


@transaction.atomic
def remove_holiday(*, holiday: Holiday, acting_user) -> None:
    old = {"date": holiday.date, "kind": holiday.kind, "name": holiday.name}
    record(
        actor=acting_user,
        action=AuditAction.POLICY_HOLIDAY_REMOVE,
        target=holiday,
        old=old,
    )
    holiday.delete()


@transaction.atomic
def add_holiday_year(*, year: int, entries: list, acting_user) -> int:
    """A year's 放假 and 调休 days from the State Council's notice, all or nothing.

    Refused when any of the days is already entered (delete those first): nothing is written.
    """
    days = [day for day, _kind, _name in entries]
    taken = sorted(Holiday.objects.filter(date__in=days).values_list("date", flat=True))
    if taken:
        raise ValidationError(
            "以下日期已有录入，请先删除：" + "、".join(f"{d:%Y-%m-%d}" for d in taken[:10])
        )
    Holiday.objects.bulk_create(
        Holiday(date=day, kind=kind, name=name, created_by=acting_user)
        for day, kind, name in entries
    )
    record(
        actor=acting_user,
        action=AuditAction.POLICY_HOLIDAY_YEAR,
        target_repr=f"{year} 年放假安排",
        new={
            "year": year,
            "holidays": sum(1 for e in entries if e[1] == "holiday"),
            "workdays": sum(1 for e in entries if e[1] == "workday"),
        },
    )
    return len(entries)
