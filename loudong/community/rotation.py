"""The rotating 单元长 (自愿轮值): pilot switch, willing households, the rota, links, handovers.

Seed 004 §三.12: "探索建立以户为单位轮流担任单元长工作机制，轮值单元长应从有意愿、有能力的居民中
筛选，每月轮换一次。轮值交接时，要将本月工作情况向下任单元长进行交接介绍".

- A unit may rotate only where the profile runs the mechanism (``rotation.unit_leader_monthly``)
  and the pilot is on: by default for no unit (``rotation.pilot_default_on`` false, the seed's 探索),
  else where the community switched it on for itself or for the unit (:class:`RotationPilot`).
- The rota goes through the willing households in their order, one a month, passing over a
  vacant household, one that declined and one away that month; planning a month for which no
  household is left is refused, and nothing of the batch is written.
- The month's household gets a personal link that expires when its month ends; the outgoing
  writes the handover, the incoming confirms it; with ``rotation.handover_required`` a month
  closes only then.

Every verb has keyword-only arguments, a required ``acting_user`` (None for the holder of a
link, who has no account), runs in one transaction and writes its audit row inside it.
"""

import calendar
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from loudong.accounts.access import scope_for
from loudong.accounts.audit import AuditAction, record
from loudong.accounts.roles import Cap
from loudong.community.models import (
    ChatGroup,
    Handover,
    Rotation,
    RotationMember,
    RotationPilot,
    RotationTurn,
)
from loudong.fieldwork.actions.common import Refused
from loudong.policy.profile import profile_at, profile_for

MAX_MONTHS = 24  # one planning batch; the rota is extended later, never regenerated
HANDOVER_LIMIT = 2000


# -- months -------------------------------------------------------------------------------------


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def month_end_at(month: dt.date) -> dt.datetime:
    """The last moment of the month (local time): when its link stops working."""
    end = dt.datetime.combine(month_end(month), dt.time(23, 59, 59))
    return timezone.make_aware(end)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _require_edit(user, community):
    if not scope_for(user, Cap.EDIT).allows(community):
        raise PermissionDenied("您在该社区只能查看，不能安排轮值")


# -- the pilot ----------------------------------------------------------------------------------


def pilot_state(unit, *, on: dt.date) -> tuple[bool, str]:
    """(whether the unit may rotate on ``on``, the reason in Chinese)."""
    rules = profile_for(unit.community, on=on).rotation
    if not rules.unit_leader_monthly:
        return False, "本街道的政策方案未设单元长轮值"
    if rules.pilot_default_on:
        return True, "政策方案默认开启轮值"
    pilot = (
        RotationPilot.objects.filter(community_id=unit.community_id, started_on__lte=on)
        .filter(Q(unit__isnull=True) | Q(unit=unit))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
        .order_by("unit_id")
        .first()
    )
    if pilot is None:
        return False, "轮值是试点（政策原文“探索”），本单元尚未开启，请社区先开启试点"
    return True, "社区已开启试点" if pilot.unit_id is None else "本单元已开启试点"


@transaction.atomic
def switch_pilot(
    *, community, unit=None, on: bool, acting_user, today: dt.date, request=None
) -> RotationPilot | None:
    """Turn the pilot on (a new row) or off (end the live row) for a community or one unit."""
    _require_edit(acting_user, community)
    if not profile_for(community, on=today).rotation.unit_leader_monthly:
        raise Refused("本街道的政策方案未设单元长轮值，不能开启试点")
    live = RotationPilot.objects.select_for_update().filter(
        community=community, unit=unit, ended_on__isnull=True
    )
    pilot = live.first()
    if on:
        if pilot is not None:
            raise Refused("试点已开启")
        pilot = RotationPilot.objects.create(
            community=community,
            compound=unit.compound if unit else None,
            unit=unit,
            started_on=today,
            started_by=acting_user,
        )
    else:
        if pilot is None:
            raise Refused("试点未开启，无需关闭")
        pilot.ended_on = today
        pilot.save(update_fields=["ended_on"])
    record(
        actor=acting_user,
        action=AuditAction.COMMUNITY_ROTATION_PILOT,
        target=pilot,
        region=community,
        new={"on": on, "unit": unit.pk if unit else None},
        request=request,
    )
    return pilot


# -- rotations and households -------------------------------------------------------------------


@transaction.atomic
def start_rotation(*, unit, acting_user, today: dt.date, request=None) -> Rotation:
    _require_edit(acting_user, unit.community)
    allowed, why = pilot_state(unit, on=today)
    if not allowed:
        raise Refused(why)
    if Rotation.objects.filter(unit=unit).exists():
        raise Refused("本单元已建立轮值")
    profile = profile_for(unit.community, on=today)
    rotation = Rotation.objects.create(
        community=unit.community,
        compound=unit.compound,
        unit=unit,
        profile_name=profile.name,
        profile_version=profile.version,
        created_by=acting_user,
    )
    record(
        actor=acting_user,
        action=AuditAction.COMMUNITY_ROTATION_START,
        target=rotation,
        region=unit.community,
        new={"unit": unit.pk},
        request=request,
    )
    return rotation


def _clean_months(away_from, away_until):
    if away_until and not away_from:
        raise Refused("外出起始月：填写了截止月，须同时填写起始月")
    if away_from and away_until and away_until < away_from:
        raise Refused("外出截止月：不能早于起始月")
    return (
        month_of(away_from) if away_from else None,
        month_of(away_until) if away_until else None,
    )


@transaction.atomic
def add_member(
    *,
    rotation: Rotation,
    household,
    duty_name: str,
    acting_user,
    today: dt.date,
    note: str = "",
    request=None,
) -> RotationMember:
    """Screen a willing household onto the rota, after the last one (household order)."""
    _require_edit(acting_user, rotation.community)
    if household.unit_id != rotation.unit_id:
        raise Refused("户：只能选择本单元的住户")
    duty_name = " ".join((duty_name or "").split())
    if not duty_name:
        raise Refused("轮值人：请填写该户担任轮值的居民姓名")
    if len(duty_name) > 50:
        raise Refused("轮值人：最多 50 个字")
    locked = Rotation.objects.select_for_update().get(pk=rotation.pk)
    if locked.members.filter(household=household).exists():
        raise Refused(f"户：{household.room}室已在轮值名单中")
    last = locked.members.aggregate(n=Max("position"))["n"] or 0
    member = RotationMember.objects.create(
        rotation=locked,
        household=household,
        position=last + 1,
        duty_name=duty_name,
        note=note[:200],
        screened_by=acting_user,
        screened_on=today,
    )
    record(
        actor=acting_user,
        action=AuditAction.COMMUNITY_ROTATION_MEMBER,
        target=member,
        region=rotation.community,
        new={"household": household.pk, "position": member.position, "status": member.status},
        request=request,
    )
    return member


@transaction.atomic
def update_member(
    *,
    member: RotationMember,
    status: str,
    acting_user,
    away_from=None,
    away_until=None,
    note: str = "",
    request=None,
) -> RotationMember:
    """Mark a household declined, withdrawn or away (skip rules) — or willing again."""
    _require_edit(acting_user, member.rotation.community)
    if status not in RotationMember.Status.values:
        raise Refused("状态：只能是 自愿参加、本户婉拒 或 已退出")
    away_from, away_until = _clean_months(away_from, away_until)
    old = {"status": member.status, "away_from": member.away_from, "away_until": member.away_until}
    member.status, member.away_from, member.away_until = status, away_from, away_until
    if note:
        member.note = note[:200]
    member.save(update_fields=["status", "away_from", "away_until", "note"])
    record(
        actor=acting_user,
        action=AuditAction.COMMUNITY_ROTATION_MEMBER,
        target=member,
        region=member.rotation.community,
        old={k: str(v or "") for k, v in old.items()},
        new={
            "status": status,
            "away_from": str(away_from or ""),
            "away_until": str(away_until or ""),
        },
        request=request,
    )
    return member


# -- the rota -----------------------------------------------------------------------------------


def _pick(members: list[RotationMember], after_position: int, month: dt.date):
    """The next household able to serve ``month`` after ``after_position`` (cyclic), and the
    households passed over on the way."""
    if not members:
        return None, []
    ordered = sorted(members, key=lambda m: m.position)
    start = next((i for i, m in enumerate(ordered) if m.position > after_position), 0)
    skipped = []
    for i in range(len(ordered)):
        member = ordered[(start + i) % len(ordered)]
        reason = member.skip_reason(month)
        if not reason:
            return member, skipped
        skipped.append({"room": member.household.room, "reason": reason})
    return None, skipped


@transaction.atomic
def plan_months(
    *, rotation: Rotation, months: int, acting_user, today: dt.date, request=None
) -> list[RotationTurn]:
    """Plan the next ``months`` months (after the last planned one, else from this month).

    All or nothing: a month no household can serve refuses the whole batch. Planning again
    continues the rota; it never changes or duplicates a planned month.
    """
    _require_edit(acting_user, rotation.community)
    if not 1 <= months <= MAX_MONTHS:
        raise Refused(f"月数：须为 1–{MAX_MONTHS}")
    rotation = Rotation.objects.select_for_update().get(pk=rotation.pk)
    if not rotation.active:
        raise Refused("本单元的轮值已停止")
    allowed, why = pilot_state(rotation.unit, on=today)
    if not allowed:
        raise Refused(why)
    members = list(rotation.members.select_related("household"))
    last = rotation.turns.select_related("member").order_by("-month").first()
    month = add_months(last.month, 1) if last else month_of(today)
    month = max(month, month_of(today))
    position = last.member.position if last else 0
    made = []
    for _ in range(months):
        member, skipped = _pick(members, position, month)
        if member is None:
            reason = "本单元没有自愿轮值的住户" if not members else "所有轮值户均空置、婉拒或外出"
            raise Refused(f"{month:%Y年%m月}：{reason}，无法排定轮值，请先筛选自愿户")
        made.append(
            RotationTurn.objects.create(
                rotation=rotation,
                month=month,
                member=member,
                household=member.household,
                duty_name=member.duty_name,
                skipped=skipped,
                status=RotationTurn.Status.ON_DUTY
                if month == month_of(today)
                else RotationTurn.Status.PLANNED,
            )
        )
        position = member.position
        month = add_months(month, 1)
    record(
        actor=acting_user,
        action=AuditAction.COMMUNITY_ROTATION_PLAN,
        target=rotation,
        region=rotation.community,
        new={"months": [f"{t.month:%Y-%m}" for t in made]},
        request=request,
    )
    return made


@transaction.atomic
def swap_turns(
    *, first: RotationTurn, second: RotationTurn, reason: str, acting_user, today, request=None
) -> None:
    """Two households trade months (调换); only months not yet begun, of the same unit."""
    _require_edit(acting_user, first.rotation.community)
    reason = " ".join((reason or "").split())
    if not reason:
        raise Refused("调换原因：请填写")
    if first.rotation_id != second.rotation_id or first.pk == second.pk:
        raise Refused("调换：须为同一单元的两个不同月份")
    a, b = (
        RotationTurn.objects.select_for_update()
        .filter(pk__in=[first.pk, second.pk])
        .order_by("month")
    )
    current = month_of(today)
    if a.month <= current:
        raise Refused(f"调换：{a.month:%Y年%m月}已开始，只能调换尚未开始的月份")
    if b.member.skip_reason(a.month) or a.member.skip_reason(b.month):
        raise Refused("调换：调换后有一户在该月空置、婉拒或外出")
    before = {t.pk: (t.member, t.household, t.duty_name) for t in (a, b)}
    for turn, other in ((a, b), (b, a)):
        turn.member, turn.household, turn.duty_name = before[other.pk]
        turn.swap_note = f"与{other.month:%Y年%m月}调换：{reason}"[:200]
        # A link given to the other household is no longer theirs.
        turn.key_hash, turn.link_expires = "", None
        turn.save(
            update_fields=[
                "member",
                "household",
                "duty_name",
                "swap_note",
                "key_hash",
                "link_expires",
            ]
        )
    record(
        actor=acting_user,
        action=AuditAction.COMMUNITY_ROTATION_SWAP,
        target=a.rotation,
        region=a.rotation.community,
        new={"months": [f"{a.month:%Y-%m}", f"{b.month:%Y-%m}"], "reason": reason},
        request=request,
    )


# -- the month's link ---------------------------------------------------------------------------


@transaction.atomic
def issue_link(*, turn: RotationTurn, acting_user, now=None, request=None) -> str:
    """A new personal link for the month's household; returns the key (shown once).

    It works until the month ends; issuing again replaces the previous link.
    """
    now = now or timezone.now()
    _require_edit(acting_user, turn.rotation.community)
    if turn.status == RotationTurn.Status.CLOSED or month_end_at(turn.month) <= now:
        raise Refused(f"{turn.month:%Y年%m月}已结束，不能再生成链接")
    key = secrets.token_urlsafe(24)
    turn.key_hash = _hash(key)
    turn.link_expires = month_end_at(turn.month)
    turn.save(update_fields=["key_hash", "link_expires"])
    record(
        actor=acting_user,
        action=AuditAction.COMMUNITY_ROTATION_LINK,
        target=turn,
        region=turn.rotation.community,
        new={"month": f"{turn.month:%Y-%m}", "expires": turn.link_expires.isoformat()},
        request=request,
    )
    return key


def duty_url(key: str) -> str:
    return reverse("community:duty", args=[key])


def turn_for_key(key: str, *, now=None) -> RotationTurn | None:
    """The turn of a live link, else None (unknown, replaced or expired)."""
    now = now or timezone.now()
    if not key or len(key) > 64 or "\x00" in key:
        return None
    return (
        RotationTurn.objects.filter(key_hash=_hash(key), link_expires__gt=now)
        .select_related("rotation__unit__building__compound", "rotation__community", "household")
        .first()
    )


# -- handover -----------------------------------------------------------------------------------


def _link_actor(turn) -> str:
    return f"轮值单元长 {turn.household.room}室"[:150]


@transaction.atomic
def write_handover(*, turn: RotationTurn, text: str, acting_user=None, now=None, request=None):
    """The outgoing 单元长's 本月工作情况; rewritable until the incoming confirms it."""
    now = now or timezone.now()
    text = (text or "").strip()
    if "\x00" in text:
        raise Refused("本月工作情况：不能包含空字符")
    if not text:
        raise Refused("本月工作情况：请填写本月做了什么、有什么需要下任跟进")
    if len(text) > HANDOVER_LIMIT:
        raise Refused(f"本月工作情况：最多 {HANDOVER_LIMIT} 字")
    turn = RotationTurn.objects.select_for_update().get(pk=turn.pk)
    if timezone.localdate(now) < turn.month:
        raise Refused(f"交接：{turn.month:%Y年%m月}尚未开始")
    handover = Handover.objects.filter(turn=turn).first()
    if handover is not None and handover.confirmed:
        raise Refused("交接：下任已确认，不能再修改")
    if handover is None:
        handover = Handover.objects.create(turn=turn, text=text, written=now)
    elif handover.text != text:
        handover.text, handover.written = text, now
        handover.save(update_fields=["text", "written"])
    turn.status = RotationTurn.Status.HANDED_OVER
    turn.save(update_fields=["status"])
    record(
        actor=acting_user,
        actor_username="" if acting_user else _link_actor(turn),
        action=AuditAction.COMMUNITY_HANDOVER_WRITE,
        target=handover,
        region=turn.rotation.community,
        new={"month": f"{turn.month:%Y-%m}", "length": len(text)},
        request=request,
    )
    return handover


def incoming_turn(turn: RotationTurn) -> RotationTurn | None:
    return RotationTurn.objects.filter(
        rotation_id=turn.rotation_id, month=add_months(turn.month, 1)
    ).first()


@transaction.atomic
def confirm_handover(
    *, handover: Handover, by_turn: RotationTurn | None, note: str = "", now=None, request=None
) -> Handover:
    """The incoming 单元长 confirms; the outgoing month closes. Nobody else may confirm."""
    now = now or timezone.now()
    handover = Handover.objects.select_for_update().select_related("turn").get(pk=handover.pk)
    turn = handover.turn
    incoming = incoming_turn(turn)
    if incoming is None:
        raise Refused("确认交接：下个月尚未排定轮值，请社区先排定")
    if by_turn is None or by_turn.pk != incoming.pk:
        raise Refused(f"确认交接：只有下任轮值单元长（{incoming.label}）本人可以确认")
    if handover.confirmed:
        return handover  # a replay from the phone's outbox
    if "\x00" in (note or ""):
        raise Refused("确认意见：不能包含空字符")
    handover.confirmed, handover.confirmed_by_turn = now, incoming
    handover.confirm_note = (note or "").strip()[:200]
    handover.save(update_fields=["confirmed", "confirmed_by_turn", "confirm_note"])
    turn.status, turn.closed = RotationTurn.Status.CLOSED, now
    turn.save(update_fields=["status", "closed"])
    record(
        actor=None,
        actor_username=_link_actor(incoming),
        action=AuditAction.COMMUNITY_HANDOVER_CONFIRM,
        target=handover,
        region=turn.rotation.community,
        new={"month": f"{turn.month:%Y-%m}", "by": incoming.household.room},
        request=request,
    )
    return handover


# -- reading ------------------------------------------------------------------------------------


@dataclass
class Duty:
    """Who is on duty this month and next, for a unit's board and pages."""

    current: RotationTurn | None
    next: RotationTurn | None


def duty_for_unit(unit, today: dt.date) -> Duty | None:
    """None when the unit has no active rota."""
    rotation = Rotation.objects.filter(unit=unit, active=True).first()
    if rotation is None:
        return None
    month = month_of(today)
    turns = {
        t.month: t
        for t in rotation.turns.filter(month__in=[month, add_months(month, 1)]).select_related(
            "household"
        )
    }
    return Duty(turns.get(month), turns.get(add_months(month, 1)))


def handover_required(rotation: Rotation) -> bool:
    return profile_at(rotation.profile_name, rotation.profile_version).rotation.handover_required


def awaiting_confirmation(queryset=None):
    """Outgoing months whose handover waits for the incoming's confirmation (or was never
    written) after the month ended — the months that cannot close."""
    turns = queryset if queryset is not None else RotationTurn.objects.all()
    return turns.filter(closed__isnull=True, rotation__active=True)


def unit_households(unit):
    """The unit's households by room with the householder's name — nothing else (the link's
    page shows no ID, phone, birth date or notes)."""
    from loudong.territory.models import Household, Resident

    households = list(Household.objects.filter(unit=unit).order_by("floor", "room"))
    names = {}
    for household_id, name in (
        Resident.objects.filter(household__unit=unit, moved_out=False)
        .order_by("household_id", "-is_householder", "id")
        .values_list("household_id", "name")
    ):
        names.setdefault(household_id, name)
    return [(h.room, names.get(h.pk, "—"), h.occupied) for h in households]


# -- the daily job ------------------------------------------------------------------------------


@dataclass
class SweepResult:
    started: int = 0
    closed: int = 0
    reminded: int = 0


def _unit_users(rotation) -> set[int]:
    from loudong.fieldwork.ladder import Place, holder

    unit = rotation.unit
    place = Place(community_id=rotation.community_id, unit_id=unit.pk, building_id=unit.building_id)
    users = set(holder(place, "community").user_ids)
    users |= holder(place, "unit_leader").user_ids
    users |= holder(place, "building_leader").user_ids
    return users


def _remind(rotation, turn, *, title: str, body: str, now) -> None:
    from loudong.fieldwork.models import Notification
    from loudong.fieldwork.notifications import notify, queue

    notify(
        _unit_users(rotation),
        kind=Notification.Kind.ROTATION,
        title=title,
        body=body,
        url=rotation.get_absolute_url(),
        now=now,
    )
    groups = [
        g
        for g in ChatGroup.objects.filter(
            unit=rotation.unit, active=True, kind__in=ChatGroup.ROBOT_KINDS
        )
        if g.webhook
    ]
    # Room numbers only in a group message (the group has members outside the office).
    queue(groups, f"{title}\n{body}", now=now)


@transaction.atomic
def sweep(*, now=None) -> SweepResult:
    """Daily: months begin (on duty), months end without handover where none is needed, and
    the reminders (before a turn; before the month ends to write the handover). Idempotent:
    each reminder is sent once (``reminded_*``), a closed month stays closed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    month = month_of(today)
    result = SweepResult()
    turns = (
        RotationTurn.objects.select_for_update()
        .filter(rotation__active=True, closed__isnull=True, month__lte=add_months(month, 1))
        .select_related("rotation__unit__building", "rotation__community", "household")
        .order_by("rotation_id", "month")
    )
    for turn in turns:
        rotation = turn.rotation
        rules = profile_at(rotation.profile_name, rotation.profile_version).rotation
        if turn.status == RotationTurn.Status.PLANNED and turn.month <= today:
            turn.status = RotationTurn.Status.ON_DUTY
            turn.save(update_fields=["status"])
            result.started += 1
        if turn.month_end < today and not rules.handover_required:
            turn.status, turn.closed = RotationTurn.Status.CLOSED, now
            turn.save(update_fields=["status", "closed"])
            result.closed += 1
            continue
        days_to_start = (turn.month - today).days
        if turn.reminded_turn is None and 0 <= days_to_start <= rules.remind_days_before_turn:
            _remind(
                rotation,
                turn,
                title=f"{rotation.unit}：{turn.month:%m}月轮值单元长",
                body=f"{turn.month:%Y年%m月}由 {turn.household.room}室 担任轮值单元长",
                now=now,
            )
            turn.reminded_turn = now
            turn.save(update_fields=["reminded_turn"])
            result.reminded += 1
        days_to_end = (turn.month_end - today).days
        if (
            rules.handover_required
            and turn.reminded_handover is None
            and turn.month <= today
            and days_to_end <= rules.handover_reminder_days
            and not Handover.objects.filter(turn=turn).exists()
        ):
            _remind(
                rotation,
                turn,
                title=f"{rotation.unit}：请填写{turn.month:%m}月轮值交接",
                body=f"{turn.household.room}室 请于月底前填写本月工作情况，交下任确认",
                now=now,
            )
            turn.reminded_handover = now
            turn.save(update_fields=["reminded_handover"])
            result.reminded += 1
    if result.started or result.closed or result.reminded:
        record(
            actor=None,
            actor_username="系统",
            action=AuditAction.COMMUNITY_ROTATION_REMIND,
            new={"started": result.started, "closed": result.closed, "reminded": result.reminded},
        )
    return result
