"""流动人口、外来人员登记 during an epidemic response, kept no longer than needed.

Seed 004 §二.4: "特别是在疫情防控期间，要全面了解辖区流动人口、外来人员有关情况，做好登记和情况
反馈工作". A community's workers switch registration on (where the profile allows it,
``outsiders.registration``) and off; the leaders register people staying with the households
they serve; the community exports the list (audited). Each record is deleted
``outsiders.retention_days`` after the person left or the registration ended (个人信息保护法
第十九条: 保存期限应当为实现处理目的所必要的最短时间) by ``loudong purge_outsiders`` / the daily
job, with an audit row per community that names no one.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from loudong.accounts.access import scope_for
from loudong.accounts.audit import AuditAction, record
from loudong.accounts.roles import Cap
from loudong.community.models import OutsiderRecord, OutsiderRegistration
from loudong.fieldwork.actions.common import Refused, idempotent
from loudong.lib.idnumber import IDNumberError, validate_id_number
from loudong.lib.masking import mask_id_number, mask_phone
from loudong.lib.phones import PhoneError, normalize_phone
from loudong.policy.profile import profile_at, profile_for

EXPORT_HEADERS = [
    "姓名",
    "身份证号",
    "联系电话",
    "来自何处",
    "暂住户",
    "抵达日期",
    "离开日期",
    "到期删除",
]


def live_registration(community) -> OutsiderRegistration | None:
    return OutsiderRegistration.objects.filter(community=community, ended_on__isnull=True).first()


def _require_edit(user, community):
    if not scope_for(user, Cap.EDIT).allows(community):
        raise PermissionDenied("您在该社区只能查看，不能开启或结束登记")


@transaction.atomic
def start_registration(*, community, reason: str, acting_user, today: dt.date, request=None):
    _require_edit(acting_user, community)
    profile = profile_for(community, on=today)
    if not profile.outsiders.registration:
        raise Refused("本街道的政策方案未设外来人员登记")
    reason = " ".join((reason or "").split())
    if not reason:
        raise Refused("启动原因：请填写（如 疫情防控应急响应）")
    if (
        OutsiderRegistration.objects.select_for_update()
        .filter(community=community, ended_on__isnull=True)
        .exists()
    ):
        raise Refused("本社区的外来人员登记已在进行中")
    registration = OutsiderRegistration.objects.create(
        community=community,
        reason=reason[:200],
        started_on=today,
        profile_name=profile.name,
        profile_version=profile.version,
        started_by=acting_user,
    )
    record(
        actor=acting_user,
        action=AuditAction.COMMUNITY_OUTSIDERS_SWITCH,
        target=registration,
        region=community,
        new={"on": True, "reason": registration.reason},
        request=request,
    )
    return registration


def retention_days(registration) -> int:
    return profile_at(
        registration.profile_name, registration.profile_version
    ).outsiders.retention_days


def purge_date(registration, left_on) -> dt.date | None:
    """When a record goes: ``retention_days`` after the person left, or after the registration
    ended; None while both are open (still needed)."""
    end = left_on or registration.ended_on
    return end + dt.timedelta(days=retention_days(registration)) if end else None


@transaction.atomic
def end_registration(*, registration, acting_user, today: dt.date, request=None):
    _require_edit(acting_user, registration.community)
    registration = OutsiderRegistration.objects.select_for_update().get(pk=registration.pk)
    if registration.ended_on:
        raise Refused("登记已结束")
    registration.ended_on = today
    registration.save(update_fields=["ended_on"])
    open_records = registration.records.filter(left_on__isnull=True)
    n = open_records.update(purge_on=purge_date(registration, None))
    record(
        actor=acting_user,
        action=AuditAction.COMMUNITY_OUTSIDERS_SWITCH,
        target=registration,
        region=registration.community,
        new={"on": False, "records_dated": n},
        request=request,
    )
    return registration


def _clean(name, id_number, phone, origin, arrived_on, left_on, today):
    name = " ".join((name or "").split())
    if not name:
        raise Refused("姓名：请填写")
    if id_number:
        try:
            id_number = validate_id_number(id_number, today)
        except IDNumberError as exc:
            raise Refused(f"身份证号：{exc}") from None
    try:
        phone = normalize_phone(phone)
    except PhoneError as exc:
        raise Refused(f"联系电话：{exc}") from None
    origin = " ".join((origin or "").split())
    if not origin:
        raise Refused("来自何处：请填写（如 吉林市船营区）")
    if arrived_on > today:
        raise Refused("抵达日期：不能晚于今天")
    if left_on and left_on < arrived_on:
        raise Refused("离开日期：不能早于抵达日期")
    if left_on and left_on > today:
        raise Refused("离开日期：不能晚于今天")
    return name, id_number, phone, origin


def _may_register(user, household) -> bool:
    from loudong.fieldwork.access import leader_households

    if scope_for(user, Cap.EDIT).allows(household.community):
        return True
    return leader_households(user, occupied_only=False).filter(pk=household.pk).exists()


def register_outsider(
    *,
    acting_user,
    household,
    name: str,
    origin: str,
    arrived_on: dt.date,
    id_number: str = "",
    phone: str = "",
    left_on: dt.date | None = None,
    idempotency_key: str = "",
    today: dt.date | None = None,
    request=None,
) -> tuple[OutsiderRecord, bool]:
    """A leader's (or worker's) short form; returns (record, created). Refused with nothing
    written when registration is off, a field is bad, or the record would already be past its
    retention period."""
    today = today or timezone.localdate()
    if not _may_register(acting_user, household):
        raise PermissionDenied("只能登记您服务的住户或本社区的住户")
    registration = live_registration(household.community)
    if registration is None:
        raise Refused("本社区未开启外来人员登记（疫情防控期间由社区开启）")
    name, id_number, phone, origin = _clean(
        name, id_number, phone, origin, arrived_on, left_on, today
    )
    purge_on = purge_date(registration, left_on)
    if purge_on and purge_on <= today:
        raise Refused(
            f"离开日期：已离开超过保存期限（{retention_days(registration)} 天），不再登记"
        )

    def create():
        row = OutsiderRecord.objects.create(
            registration=registration,
            community=household.community,
            compound=household.compound,
            household=household,
            name=name[:50],
            id_number=id_number,
            phone=phone,
            origin=origin[:60],
            arrived_on=arrived_on,
            left_on=left_on,
            purge_on=purge_on,
            registered_by=acting_user,
        )
        record(
            actor=acting_user,
            action=AuditAction.COMMUNITY_OUTSIDER_REGISTER,
            target=row,
            region=household.community,
            new={
                "household": household.pk,
                "id_number": mask_id_number(id_number) if id_number else "",
                "phone": mask_phone(phone) if phone else "",
            },
            request=request,
        )
        return row

    with transaction.atomic():
        return idempotent(acting_user, idempotency_key, "outsider", OutsiderRecord, create)


@transaction.atomic
def record_left(
    *, record_row: OutsiderRecord, left_on: dt.date, acting_user, today=None, request=None
):
    today = today or timezone.localdate()
    if not _may_register(acting_user, record_row.household):
        raise PermissionDenied("只能更新您服务的住户或本社区的住户")
    row = OutsiderRecord.objects.select_for_update().get(pk=record_row.pk)
    if left_on < row.arrived_on or left_on > today:
        raise Refused("离开日期：须在抵达日期和今天之间")
    purge_on = purge_date(row.registration, left_on)
    if purge_on <= today:
        raise Refused(
            f"离开日期：已离开超过保存期限（{retention_days(row.registration)} 天），请直接删除"
        )
    old = str(row.left_on or "")
    row.left_on, row.purge_on = left_on, purge_on
    row.save(update_fields=["left_on", "purge_on"])
    record(
        actor=acting_user,
        action=AuditAction.COMMUNITY_OUTSIDER_UPDATE,
        target=row,
        region=row.community,
        old={"left_on": old},
        new={"left_on": str(left_on)},
        request=request,
    )
    return row


def nearing_purge(queryset, today: dt.date, days: int):
    return queryset.filter(purge_on__isnull=False, purge_on__lte=today + dt.timedelta(days=days))


@transaction.atomic
def purge(*, today: dt.date | None = None) -> int:
    """Delete every record whose ``purge_on`` has come; one audit row per community with the
    count (no names). Idempotent: a second run the same day deletes nothing."""
    from loudong.territory.models import Region

    today = today or timezone.localdate()
    # Lock the due rows first (PostgreSQL refuses FOR UPDATE with GROUP BY), then count them.
    ids = list(
        OutsiderRecord.objects.select_for_update()
        .filter(purge_on__lte=today)
        .values_list("pk", flat=True)
    )
    due = OutsiderRecord.objects.filter(pk__in=ids)
    counts = dict(
        due.values("community_id").annotate(n=Count("id")).values_list("community_id", "n")
    )
    if not counts:
        return 0
    due.delete()
    for community in Region.objects.filter(pk__in=counts):
        record(
            actor=None,
            actor_username="系统（到期删除）",
            action=AuditAction.COMMUNITY_OUTSIDER_PURGE,
            region=community,
            target_repr=f"{community.name} 外来人员登记",
            new={"deleted": counts[community.pk], "on": str(today)},
        )
    return sum(counts.values())


def export_rows(community):
    rows = (
        OutsiderRecord.objects.filter(community=community)
        .select_related("household__unit__building")
        .order_by("arrived_on", "pk")
    )
    for r in rows:
        h = r.household
        yield [
            r.name,
            r.id_number.reveal(),
            r.phone.reveal(),
            r.origin.reveal(),
            f"{h.building.number}{h.unit.number}{h.room}室",
            r.arrived_on,
            r.left_on or "",
            r.purge_on or "登记结束后确定",
        ]


def audit_export(*, community, acting_user, count: int, request=None):
    record(
        actor=acting_user,
        action=AuditAction.COMMUNITY_OUTSIDER_EXPORT,
        region=community,
        target_repr=f"{community.name} 外来人员登记表",
        new={"rows": count},
        request=request,
    )
