"""Audited changes to the registry: one function per verb, keyword-only, acting_user required."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from loudong.accounts.access import scope_for
from loudong.accounts.audit import AuditAction, record
from loudong.accounts.roles import Cap
from loudong.lib.dates import DateOutOfRange, check_window
from loudong.territory.models import (
    Household,
    Resident,
    ResidentsMeeting,
    ResidentsMeetingQuestion,
    is_party_status,
)

RESIDENT_FIELDS = [
    "name",
    "relation",
    "is_householder",
    "id_number",
    "phone",
    "sex",
    "birth_date",
    "political_status",
    "notes",
]


def _snapshot(resident: Resident) -> dict:
    """Audit values: protected fields go in masked (audit.safe_value masks Protected); the birth
    date only as its year (a date beside a masked ID narrows it to a few dozen numbers)."""
    values = {name: getattr(resident, name) for name in RESIDENT_FIELDS}
    born = values["birth_date"]
    values["birth_date"] = f"{born:%Y} 年" if born else None
    return values


def _compare(resident: Resident) -> dict:
    return {name: getattr(resident, name) for name in RESIDENT_FIELDS}


@transaction.atomic
def create_household(
    *, unit, room: str, floor: int | None, residence: str, acting_user, request=None
) -> Household:
    household = Household(
        community_id=unit.community_id,
        compound_id=unit.compound_id,
        building_id=unit.building_id,
        unit=unit,
        room=room,
        floor=floor,
        residence=residence,
    )
    household.save()
    record(
        actor=acting_user,
        action=AuditAction.HOUSEHOLD_CREATE,
        target=household,
        new={"unit": unit.pk, "room": room, "floor": floor, "residence": residence},
        request=request,
    )
    return household


@transaction.atomic
def update_household(*, household: Household, acting_user, request=None, **values) -> Household:
    old = {k: getattr(household, k) for k in values}
    for key, value in values.items():
        setattr(household, key, value)
    household.save(update_fields=[*values, "occupied"])
    changed = {k: v for k, v in values.items() if old[k] != v}
    if changed:
        record(
            actor=acting_user,
            action=AuditAction.HOUSEHOLD_UPDATE,
            target=household,
            old={k: old[k] for k in changed},
            new=changed,
            request=request,
        )
    return household


@transaction.atomic
def create_resident(*, household: Household, acting_user, request=None, **values) -> Resident:
    resident = Resident(
        community_id=household.community_id,
        compound_id=household.compound_id,
        household=household,
        **values,
    )
    resident.is_party_member = is_party_status(resident.political_status.reveal())
    resident.save()
    record(
        actor=acting_user,
        action=AuditAction.RESIDENT_CREATE,
        target=resident,
        new=_snapshot(resident),
        request=request,
    )
    return resident


@transaction.atomic
def update_resident(*, resident: Resident, acting_user, request=None, **values) -> Resident:
    """Only the fields given change; an empty id_number/phone in ``values`` is not passed."""
    before, shown_before = _compare(resident), _snapshot(resident)
    for key, value in values.items():
        setattr(resident, key, value)
    after, shown_after = _compare(resident), _snapshot(resident)
    changed = [k for k in RESIDENT_FIELDS if before[k] != after[k]]
    if not changed:
        return resident
    from loudong.lib.protected import sync_indexes

    if "political_status" in changed:
        resident.is_party_member = is_party_status(resident.political_status.reveal())
        changed_fields = [*changed, "is_party_member"]
    else:
        changed_fields = changed
    index_fields = sync_indexes(resident)
    resident.save(update_fields=[*changed_fields, *index_fields])
    record(
        actor=acting_user,
        action=AuditAction.RESIDENT_UPDATE,
        target=resident,
        old={k: shown_before[k] for k in changed},
        new={k: shown_after[k] for k in changed},
        request=request,
    )
    return resident


@transaction.atomic
def move_out_resident(
    *, resident: Resident, on: dt.date, reason: str = "", acting_user, request=None
) -> Resident:
    """A soft end: the record stays, marked 已迁出 with the date (never deleted)."""
    resident.moved_out = True
    resident.moved_out_on = on
    resident.save(update_fields=["moved_out", "moved_out_on"])
    record(
        actor=acting_user,
        action=AuditAction.RESIDENT_MOVE_OUT,
        target=resident,
        reason=reason,
        new={"moved_out_on": on},
        request=request,
    )
    return resident


def record_export(
    *, what: str, rows: int, revealed: bool, region=None, acting_user, request=None
) -> None:
    with transaction.atomic():
        record(
            actor=acting_user,
            action=AuditAction.REGISTRY_EXPORT,
            region=region,
            target_repr=what,
            new={"rows": rows, "revealed": revealed},
            request=request,
        )


def record_residents_meeting(
    *,
    community,
    date: dt.date,
    title: str,
    households: int,
    attendance: int,
    questions: list[tuple[str, int, int, int]],
    acting_user,
    compound=None,
    building=None,
    agenda: str = "",
    notes: str = "",
    today: dt.date | None = None,
    request=None,
) -> ResidentsMeeting:
    """A 楼栋居民会议 with its tallies: ``questions`` are (text, for, against, abstain).

    Refused (``ValidationError`` with a Chinese reason, nothing written): a date in the future
    or outside the records' window, attendance above the households, a tally that counts more
    households than attended, a question without text.
    """
    if community.pk not in scope_for(acting_user, Cap.EDIT).community_ids:
        raise PermissionDenied("您不能为该社区登记居民会议")
    today = today or timezone.localdate()
    try:
        check_window(date, "会议日期", not_after=today, today=today)
    except DateOutOfRange as exc:
        raise ValidationError(str(exc)) from None
    if households < 1:
        raise ValidationError("应到户数至少为 1")
    if attendance > households:
        raise ValidationError(f"实到户数（{attendance}）不能多于应到户数（{households}）")
    if not questions:
        raise ValidationError("请至少填写一项表决事项")
    for text, yes, no, abstain in questions:
        if not text.strip():
            raise ValidationError("表决事项不能为空")
        if min(yes, no, abstain) < 0:
            raise ValidationError(f"“{text}”的票数不能为负数")
        if yes + no + abstain > attendance:
            raise ValidationError(
                f"“{text}”的赞成、反对、弃权合计 {yes + no + abstain} 户，多于实到 {attendance} 户"
            )
    with transaction.atomic():
        meeting = ResidentsMeeting.objects.create(
            community=community,
            compound=compound or (building.compound if building else None),
            building=building,
            date=date,
            title=title[:100],
            agenda=agenda,
            households=households,
            attendance=attendance,
            notes=notes,
            recorded_by=acting_user,
        )
        ResidentsMeetingQuestion.objects.bulk_create(
            ResidentsMeetingQuestion(
                meeting=meeting,
                text=text.strip()[:200],
                votes_for=yes,
                votes_against=no,
                abstentions=abstain,
            )
            for text, yes, no, abstain in questions
        )
        record(
            actor=acting_user,
            action=AuditAction.RESIDENTS_MEETING,
            target=meeting,
            new={
                "date": date,
                "households": households,
                "attendance": attendance,
                "questions": [list(q) for q in questions],
            },
            request=request,
        )
    return meeting


@transaction.atomic
def update_community_contact(
    *, community, leader_name: str, office_phone: str, acting_user, request=None
):
    """The community's 负责人 and office phone (Attachment 1's 甲方 负责人 and 联系电话)."""
    old = {"leader_name": community.leader_name, "office_phone": community.office_phone}
    community.leader_name, community.office_phone = leader_name, office_phone
    community.save(update_fields=["leader_name", "office_phone"])
    record(
        actor=acting_user,
        action=AuditAction.REGION_UPDATE,
        target=community,
        old=old,
        new={"leader_name": leader_name, "office_phone": office_phone},
        request=request,
    )
    return community


# -- field work: 重点关注 households ----------------------------------------------------------------


@transaction.atomic
def set_household_attention(
    *, household: Household, needs_attention: bool, reason: str, acting_user, request=None
) -> Household:
    """Flag a household 重点关注 (独居老人、残疾人…) with a reason, or clear the flag.

    Leaders see only the flag (their list puts these households first, with a shorter
    not-visited limit, ``fieldwork.priority_not_visited_days``); the reason is sealed like other
    health data and shown only through an audited reveal. The audit row holds it masked.
    """
    reason = " ".join(reason.split()) if needs_attention else ""
    old = {
        "needs_attention": household.needs_attention,
        "attention_reason": household.attention_reason,
    }
    household.needs_attention = needs_attention
    household.attention_reason = reason
    household.save(update_fields=["needs_attention", "attention_reason"])
    record(
        actor=acting_user,
        action=AuditAction.HOUSEHOLD_ATTENTION,
        target=household,
        old=old,
        new={"needs_attention": needs_attention, "attention_reason": household.attention_reason},
        request=request,
    )
    return household
