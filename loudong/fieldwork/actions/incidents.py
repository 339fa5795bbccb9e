"""Incidents: reported, solved on the spot or passed up the ladder on a working-day clock.

Seed 000 §三.5 矛盾隐患排查制度: "及时排查网格各类矛盾纠纷、安全隐患、疫情灾情防控、物业管理等，
能解决的及时解决，不能解决的第一时间向社区报告". Seed 004 §三.10 信息反馈制度: "逐级上报小区党支部
和社区党组织，遇有紧急突发事件时，及时向街道社区和相关职能部门报告"; §二.6: "最大限度把矛盾纠纷
消除在萌芽状态，解决在单元、楼栋".

- A leader reporting at their own level must, at once, either solve it on the spot (就地解决,
  saying what was done) or report it up — the volunteer tier holds nothing open.
- A resident's report (QR channel) starts at the lowest level someone holds for the place.
- 紧急 goes straight to the lowest urgent level (社区) and every urgent level (社区 and 街道)
  is told at once and may act on it.
- Each level has its own clock (``IncidentStage``); the overdue sweep (``escalate_overdue``)
  moves an overdue incident one level up, with notices and robot messages.
- 不满意 reopens the incident once at the level that resolved it, then at the level above.

Every move: guard (``Incident.TRANSITIONS``), who may (``fieldwork.access``), one history row
(``IncidentEvent``), one audit row, one transaction.
"""

import datetime as dt
import hashlib
import secrets
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from loudong.accounts.audit import AuditAction, record
from loudong.fieldwork import notifications
from loudong.fieldwork.access import (
    body_community_ids,
    leader_area,
    require_move,
)
from loudong.fieldwork.actions.common import Refused, clean_photos, idempotent, store_photo
from loudong.fieldwork.categories import category_by_code
from loudong.fieldwork.clock import Deadlines
from loudong.fieldwork.ladder import (
    BODY_LEVELS,
    Holder,
    Place,
    grid_code_for,
    holder,
    route_down,
    route_up,
)
from loudong.fieldwork.ladder import user_levels as _user_levels
from loudong.fieldwork.models import (
    Incident,
    IncidentEvent,
    IncidentPhoto,
    IncidentStage,
    Notification,
    Rating,
    ResidentTicket,
    level_label,
)
from loudong.lib.phones import PhoneError, normalize_phone
from loudong.policy.profile import LEADER_LEVELS, profile_at, profile_for

MAX_TEXT = 2000


def _text(value, label: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Refused(f"{label}：请填写")
    if len(value) > limit:
        raise Refused(f"{label}：最多 {limit} 字")
    return value


def ticket_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# -- the clock ------------------------------------------------------------------------------------


def time_limit(profile, incident, level: str) -> int:
    fw = profile.fieldwork
    if incident.severity == Incident.Severity.URGENT:
        return fw.urgent_working_days
    category = incident.category
    parent = category.parent.code if category.parent_id else ""
    return fw.time_limit(level, category.code, parent)


def _due(profile, incident, level, now, deadlines=None) -> dt.datetime:
    deadlines = deadlines or Deadlines()
    # Never at or before ``now``: a sweep run twice with the same ``--now`` moves nothing twice.
    return max(
        deadlines.due(now, time_limit(profile, incident, level)), now + dt.timedelta(minutes=1)
    )


def _event(
    incident,
    move,
    *,
    actor=None,
    actor_label="",
    text="",
    public=False,
    data=None,
    from_status=None,
    from_level=None,
    now=None,
) -> IncidentEvent:
    return IncidentEvent.objects.create(
        incident=incident,
        move=move,
        from_status=incident.status if from_status is None else from_status,
        to_status=incident.status,
        from_level=incident.level if from_level is None else from_level,
        to_level=incident.level,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=actor_label,
        at=now or timezone.now(),
        text=text,
        public=public,
        data=data or {},
    )


def _end_stage(incident, outcome: str, now) -> None:
    stage = incident.stages.filter(end__isnull=True).order_by("-start", "-id").first()
    if stage is not None:
        stage.end, stage.outcome = now, outcome
        stage.on_time = now <= stage.due
        stage.save(update_fields=["end", "outcome", "on_time"])


def _enter(
    incident, found: Holder, now, *, status=Incident.Status.NEW, profile=None, deadlines=None
) -> None:
    """Hand the incident to a level: its own clock starts now."""
    profile = profile or incident.profile()
    incident.level = found.level
    incident.level_since = now
    incident.due = _due(profile, incident, found.level, now, deadlines)
    incident.status = status
    incident.paused_since = None
    incident.extension_days = 0
    incident.extension_reason = ""
    incident.warned = False
    incident.overdue_noticed = False
    incident.assignee = None
    incident.updated = now
    IncidentStage.objects.create(
        incident=incident,
        level=found.level,
        post=found.post,
        person=found.person,
        start=now,
        due=incident.due,
    )


def _save(incident, *fields) -> None:
    incident.updated = timezone.now()
    incident.save(update_fields=[*fields, "updated"])


LEVEL_FIELDS = (
    "level",
    "level_since",
    "due",
    "status",
    "paused_since",
    "extension_days",
    "extension_reason",
    "warned",
    "overdue_noticed",
    "assignee",
)


def _tell(incident, user_ids, *, kind, title, body="", now=None, robot_levels=(), actor=None):
    """In-app notices to ``user_ids`` (never the actor), and robot messages for the levels."""
    skip = {actor.pk} if getattr(actor, "pk", None) else set()
    notifications.notify(
        set(user_ids) - skip,
        kind=kind,
        title=title,
        body=body,
        url=incident.get_absolute_url(),
        incident=incident,
        now=now,
    )
    if robot_levels:
        groups = notifications.groups_for(incident, robot_levels)
        notifications.queue(
            groups, notifications.robot_text(incident, title), incident=incident, now=now
        )


def _tell_reporter(incident, title: str, now=None, actor=None):
    if incident.reporter_user_id and incident.reporter_user_id != getattr(actor, "pk", None):
        notifications.notify(
            [incident.reporter_user_id],
            kind=Notification.Kind.INCIDENT,
            title=title,
            url=incident.get_absolute_url(),
            incident=incident,
            now=now,
        )


def _audit(incident, move, actor, request=None, **new):
    record(
        actor=actor,
        action=AuditAction.FIELDWORK_INCIDENT_MOVE,
        target=incident,
        new={"move": move, "status": incident.status, "level": incident.level, **new},
        request=request,
    )


def needs_rating(incident, actor=None) -> bool:
    """Someone other than the one resolving it will rate it: a resident, a caller (回访), or a
    leader who reported it to a level above."""
    if incident.reporter_kind in (Incident.Reporter.RESIDENT, Incident.Reporter.PHONE):
        return True
    return bool(incident.reporter_user_id) and incident.reporter_user_id != getattr(
        actor, "pk", None
    )


# -- reporting ------------------------------------------------------------------------------------


@dataclass
class Reported:
    incident: Incident
    created: bool
    duplicates: list = field(default_factory=list)
    ticket_key: str = ""


def _place(acting_user, *, household=None, building=None, unit=None, community=None):
    """(community, compound, building, unit, household, grid_code) of what was named."""
    if household is not None:
        unit, building = household.unit, household.building
    elif unit is not None:
        building = unit.building
    if building is not None:
        community, compound = building.community, building.compound
    elif community is not None:
        compound = None
    else:
        raise Refused("地点：请选择楼栋或住户")
    if unit is not None:
        code = grid_code_for(unit.pk, household.floor if household is not None else None)
    elif building is not None:
        from loudong.grids.models import GridPiece

        codes = list(
            GridPiece.objects.filter(building=building, grid__division__status="frozen")
            .exclude(grid__code="")
            .order_by("grid__code")
            .values_list("grid__code", flat=True)
            .distinct()
        )
        # A building cut between grids: the reporting leader's own grid, else the first.
        own = [c for c in codes if c in leader_area(acting_user).grid_codes] if acting_user else []
        code = (own or codes or [""])[0]
    else:
        code = ""
    return community, compound, building, unit, household, code


def report_incident(
    *,
    acting_user=None,
    category: str,
    severity: str,
    description: str,
    household=None,
    building=None,
    unit=None,
    community=None,
    place_text: str = "",
    parties: str = "",
    reporter_phone: str = "",
    on_behalf: bool = False,
    then: str = "escalate",
    report_to: str = "",
    resolution: str = "",
    photos=(),
    visit=None,
    source_group=None,
    resident_board=None,
    idempotency_key: str | None = None,
    now=None,
    request=None,
) -> Reported:
    """Register an incident and route it; returns :class:`Reported`.

    ``acting_user`` is the leader or worker entering it; None with ``resident_board`` for a
    resident's QR report. A leader's ``then`` is ``"solve"`` (就地解决, with ``resolution``) or
    ``"escalate"`` (report up). ``on_behalf``: a worker entering a resident's phone call.
    ``report_to``: with ``"escalate"``, a body level (``community``…) to report straight to, for
    what the seed sends there (004 §二.8: 物业、业委会 problems "上报社区和相关职能部门").
    Bad input raises :class:`Refused` before anything is written; a place outside the user's
    area is a 404.
    """
    now = now or timezone.now()
    if severity not in Incident.Severity.values:
        raise Refused("紧急程度：只能是 一般、重大 或 紧急")
    description = _text(description, "情况描述")
    place_text = _text(place_text, "地点说明", required=False, limit=100)
    parties = _text(parties, "当事人", required=False, limit=200)
    community, compound, building, unit, household, code = _place(
        acting_user, household=household, building=building, unit=unit, community=community
    )
    profile = profile_for(community, on=timezone.localdate(now))
    chosen = category_by_code(profile, category or "")
    if chosen is None:
        raise Refused("事件类别：请从列表中选择")
    cleaned = clean_photos(photos)
    probe = Incident(
        community=community,
        compound=compound,
        building=building,
        unit=unit,
        household=household,
        grid_code=code,
        category=chosen,
        severity=severity,
    )
    place = Place.of(probe)
    fw = profile.fieldwork

    # Who reports, and at which level it starts.
    if resident_board is not None:
        kind, start, then = Incident.Reporter.RESIDENT, None, "hold"
    else:
        levels = _user_levels(acting_user, probe) if acting_user is not None else set()
        leader_levels = [lvl for lvl in fw.ladder if lvl in levels and lvl in LEADER_LEVELS]
        if leader_levels:
            kind, start = Incident.Reporter.LEADER, leader_levels[0]
        elif community.pk in body_community_ids(acting_user):
            kind = Incident.Reporter.PHONE if on_behalf else Incident.Reporter.WORKER
            start = "community"
        else:
            raise Http404
        if then not in ("solve", "escalate"):
            raise Refused("处理方式：请选择“就地解决”或“上报”")
        if kind == Incident.Reporter.LEADER and then == "solve":
            resolution = _text(resolution, "就地解决情况")
        elif kind != Incident.Reporter.LEADER:
            then = "hold"
    if kind == Incident.Reporter.PHONE and not reporter_phone:
        raise Refused("回访电话：代居民登记来电时请填写")
    try:
        reporter_phone = normalize_phone(reporter_phone)
    except PhoneError as exc:
        raise Refused(f"回访电话：{exc}") from None

    if report_to and (
        report_to not in BODY_LEVELS
        or report_to not in profile.fieldwork.ladder
        or then != "escalate"
    ):
        raise Refused("上报对象：只能直接上报到小区党支部、社区或街道")
    if source_group is not None and source_group.community_id != community.pk:
        raise Refused("来源工作群：不是该社区登记的工作群")

    def create():
        incident = probe
        incident.description = description
        incident.place_text = place_text
        incident.parties = parties
        incident.reporter_kind = kind
        incident.reporter_user = acting_user if kind != Incident.Reporter.RESIDENT else None
        incident.reporter_phone = reporter_phone
        incident.visit = visit
        incident.source_group = source_group
        incident.profile_name, incident.profile_version = profile.name, profile.version
        incident.created = now
        incident.created_by = incident.reporter_user
        if kind == Incident.Reporter.LEADER:
            area = leader_area(acting_user)
            incident.reporter_person = area.person
            incident.reporter_post = holder(place, start).post
        # The first level: the reporter's own, the lowest one held, or (紧急) the lowest urgent.
        first = holder(place, start) if start else route_up(place, profile, None)
        if first is None:
            first = holder(place, "community")
        urgent_first = min(fw.urgent_levels, key=fw.ladder.index)
        urgent = severity == Incident.Severity.URGENT
        incident.status = Incident.Status.NEW
        incident.level = first.level
        incident.level_since = now
        incident.due = _due(profile, incident, first.level, now)
        incident.updated = now
        incident.save()
        IncidentStage.objects.create(
            incident=incident,
            level=first.level,
            post=first.post,
            person=first.person,
            start=now,
            due=incident.due,
        )
        actor_label = "居民" if kind == Incident.Reporter.RESIDENT else ""
        _event(
            incident,
            "register",
            actor=acting_user,
            actor_label=actor_label,
            now=now,
            from_status="",
            from_level="",
            text="",
            data={"reporter": kind},
        )
        for data in cleaned:
            IncidentPhoto.objects.create(
                incident=incident,
                name=store_photo(data),
                created=now,
                uploaded_by=incident.reporter_user,
            )
        key = ""
        if kind == Incident.Reporter.RESIDENT:
            key = secrets.token_urlsafe(24)
            ResidentTicket.objects.create(
                incident=incident,
                key_hash=ticket_hash(key),
                created=now,
                expires=now + dt.timedelta(days=fw.tracking_link_days),
            )
        if then == "solve":
            status_before = incident.status
            incident.resolution = resolution
            incident.solved_on_spot = True
            incident.resolved_at = incident.closed_at = now
            incident.status = Incident.Status.CLOSED
            _end_stage(incident, IncidentStage.Outcome.RESOLVED, now)
            incident.due = None
            incident.save(
                update_fields=[
                    "resolution",
                    "solved_on_spot",
                    "resolved_at",
                    "closed_at",
                    "status",
                    "due",
                ]
            )
            _event(
                incident,
                "solve",
                actor=acting_user,
                text=resolution,
                public=True,
                now=now,
                from_status=status_before,
            )
        elif then == "escalate" or (
            urgent and fw.ladder.index(first.level) < fw.ladder.index(urgent_first)
        ):
            if urgent:
                target = holder(place, urgent_first)
            elif report_to:
                target = holder(place, report_to)
            else:
                target = route_up(place, profile, first.level)
            if target is None:
                raise Refused(f"已是最高一级（{level_label(first.level)}），不能再上报")
            before = (incident.status, incident.level)
            _end_stage(incident, IncidentStage.Outcome.ESCALATED, now)
            _enter(incident, target, now, profile=profile)
            incident.save(update_fields=[*LEVEL_FIELDS, "updated"])
            _event(
                incident,
                "escalate",
                actor=acting_user,
                now=now,
                text="紧急事件直报" if urgent else "不能就地解决，上报",
                from_status=before[0],
                from_level=before[1],
            )
        if incident.is_open and not urgent:
            holders = holder(place, incident.level)
            title = f"新事件待受理：{chosen}（{incident.place}）"
            _tell(
                incident,
                holders.user_ids,
                kind=Notification.Kind.INCIDENT,
                title=title,
                now=now,
                actor=acting_user,
                robot_levels=[incident.level] if then == "escalate" else (),
            )
        if urgent:
            told = set()
            for level in fw.urgent_levels:
                told |= holder(place, level).user_ids
            _tell(
                incident,
                told,
                kind=Notification.Kind.URGENT,
                title=f"紧急事件：{chosen}（{incident.place}）",
                now=now,
                actor=acting_user,
                robot_levels=fw.urgent_levels,
            )
        record(
            actor=acting_user,
            action=AuditAction.FIELDWORK_INCIDENT_REPORT,
            target=incident,
            actor_username="居民" if kind == Incident.Reporter.RESIDENT else "",
            new={
                "category": chosen.code,
                "severity": severity,
                "level": incident.level,
                "status": incident.status,
                "reporter": kind,
                "photos": len(cleaned),
            },
            request=request,
        )
        incident._ticket_key = key
        return incident

    with transaction.atomic():
        incident, created = idempotent(acting_user, idempotency_key, "incident", Incident, create)
    return Reported(
        incident=incident,
        created=created,
        duplicates=duplicate_hints(incident, now=now) if created else [],
        ticket_key=getattr(incident, "_ticket_key", ""),
    )


def duplicate_hints(incident, *, now=None) -> list[Incident]:
    """Open incidents of the same top category at the same building (or unit) within the
    profile's ``duplicate_days``: the likely duplicates, newest first."""
    now = now or timezone.now()
    days = incident.profile().fieldwork.duplicate_days
    if not days or not (incident.building_id or incident.unit_id):
        return []
    top = incident.category.parent_id or incident.category_id
    place = Q(unit_id=incident.unit_id) if incident.unit_id else Q(building_id=incident.building_id)
    return list(
        Incident.objects.filter(place, community_id=incident.community_id)
        .filter(Q(category_id=top) | Q(category__parent_id=top))
        .filter(status__in=Incident.OPEN, created__gte=now - dt.timedelta(days=days))
        .exclude(pk=incident.pk)
        .select_related("category__parent")
        .order_by("-created")[:5]
    )


# -- moves ----------------------------------------------------------------------------------------


def move_incident(*, incident, move: str, acting_user, request=None, now=None, **fields):
    """Make one move; ``fields`` are the move's inputs (reason, resolution, days…)."""
    if move not in MOVES:
        raise Http404
    now = now or timezone.now()
    # Checked before the transaction too, so that an audited refusal is not rolled back with it.
    require_move(acting_user, incident, move, request)
    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update(of=("self",))
            .select_related(
                "community",
                "category__parent",
                "building__compound",
                "unit__building__compound",
                "compound",
            )
            .get(pk=incident.pk)
        )
        require_move(acting_user, incident, move, request)
        if not incident.can_move(move):
            raise Refused(_cannot(incident, move))
        MOVES[move](incident, acting_user=acting_user, now=now, **_only(move, fields))
        _audit(incident, move, acting_user, request)
    return incident


def _cannot(incident, move) -> str:
    label = Incident.MOVE_LABELS.get(move, move)
    if move == "rate" and incident.status == Incident.Status.CLOSED:
        return "该事件已评价或已关闭，不能重复评价"
    return f"事件当前为“{incident.get_status_display()}”，不能{label}"


ARGS = {
    "accept": (),
    "reply": ("text",),
    "resolve": ("resolution",),
    "escalate": ("reason",),
    "return": ("reason",),
    "transfer": ("department", "reason"),
    "extend": ("days", "reason"),
    "approve_extension": ("reason",),
    "reject_extension": ("reason",),
    "supervise": ("reason",),
    "assign": ("assignee",),
    "merge": ("into", "reason"),
    "close": ("resolution",),
    "rate": ("grade", "comment"),
    "reopen": ("reason",),
}


def _only(move, fields):
    return {k: fields.get(k) for k in ARGS[move]}


def _accept(incident, *, acting_user, now):
    before = incident.status
    incident.status = Incident.Status.ACCEPTED
    if incident.level not in LEADER_LEVELS and incident.assignee_id is None:
        incident.assignee = acting_user
    _save(incident, "status", "assignee")
    _event(
        incident,
        "accept",
        actor=acting_user,
        now=now,
        from_status=before,
        public=True,
        text=f"{incident.level_label}已受理",
    )
    _tell_reporter(incident, f"您上报的事件 #{incident.pk} 已受理", now, acting_user)


def _reply(incident, *, acting_user, now, text):
    text = _text(text, "回复内容", limit=500)
    before = incident.status
    if incident.status != Incident.Status.TRANSFERRED:
        incident.status = Incident.Status.IN_PROGRESS
    _save(incident, "status")
    _event(
        incident, "reply", actor=acting_user, now=now, from_status=before, text=text, public=True
    )
    _tell_reporter(incident, f"事件 #{incident.pk} 有新的回复", now, acting_user)


def _resolve(incident, *, acting_user, now, resolution):
    resolution = _text(resolution, "办理结果")
    before = incident.status
    incident.resolution = resolution
    incident.resolved_at = now
    _end_stage(incident, IncidentStage.Outcome.RESOLVED, now)
    if needs_rating(incident, acting_user):
        incident.status = Incident.Status.RESOLVED
    else:
        incident.status = Incident.Status.CLOSED
        incident.closed_at = now
    incident.paused_since = None
    incident.due = None
    _save(incident, "resolution", "resolved_at", "status", "closed_at", "paused_since", "due")
    _event(
        incident,
        "resolve",
        actor=acting_user,
        now=now,
        from_status=before,
        text=resolution,
        public=True,
    )
    _tell_reporter(incident, f"您上报的事件 #{incident.pk} 已办结，请评价", now, acting_user)


def _escalate(incident, *, acting_user, now, reason, auto=False):
    reason = _text(reason, "上报原因", limit=500)
    profile = incident.profile()
    target = route_up(Place.of(incident), profile, incident.level)
    if target is None:
        raise Refused(
            f"已是最高一级（{incident.level_label}），不能再上报；需要职能部门办理的请选择“转部门办理”"
        )
    before = (incident.status, incident.level)
    _end_stage(incident, IncidentStage.Outcome.ESCALATED, now)
    _enter(incident, target, now, profile=profile)
    _save(incident, *LEVEL_FIELDS)
    _event(
        incident,
        "auto_escalate" if auto else "escalate",
        actor=acting_user,
        now=now,
        from_status=before[0],
        from_level=before[1],
        text=reason,
    )
    title = f"事件已上报至{target_label(target)}：{incident.category}（{incident.place}）"
    _tell(
        incident,
        target.user_ids,
        kind=Notification.Kind.ESCALATED,
        title=title,
        body=reason,
        now=now,
        actor=acting_user,
        robot_levels=[target.level],
    )


def target_label(found: Holder) -> str:
    return level_label(found.level)


def _return(incident, *, acting_user, now, reason):
    reason = _text(reason, "退回原因", limit=500)
    profile = incident.profile()
    # Back to the level it came from, else the nearest held level below (下派到楼栋长).
    previous = (
        incident.stages.filter(end__isnull=False)
        .exclude(level=incident.level)
        .order_by("-end", "-id")
        .values_list("level", flat=True)
        .first()
    )
    ladder = profile.fieldwork.ladder
    target = None
    if previous in ladder and ladder.index(previous) < ladder.index(incident.level):
        found = holder(Place.of(incident), previous)
        target = found if found.held else None
    target = target or route_down(Place.of(incident), profile, incident.level)
    if target is None:
        raise Refused("退回：下一级没有在任的楼栋长（单元长、网格长）可以接收，请由本级办理")
    before = (incident.status, incident.level)
    _end_stage(incident, IncidentStage.Outcome.RETURNED, now)
    _enter(incident, target, now, profile=profile, status=Incident.Status.RETURNED)
    _save(incident, *LEVEL_FIELDS)
    _event(
        incident,
        "return",
        actor=acting_user,
        now=now,
        from_status=before[0],
        from_level=before[1],
        text=reason,
    )
    _tell(
        incident,
        target.user_ids,
        kind=Notification.Kind.INCIDENT,
        title=f"事件 #{incident.pk} 退回{level_label(target.level)}办理：{reason[:40]}",
        now=now,
        actor=acting_user,
    )


def _transfer(incident, *, acting_user, now, department, reason):
    department = _text(department, "转办部门", limit=60)
    reason = _text(reason, "转办说明", required=False, limit=500)
    before = incident.status
    incident.department = department
    incident.status = Incident.Status.TRANSFERRED
    _save(incident, "department", "status")
    _event(
        incident,
        "transfer",
        actor=acting_user,
        now=now,
        from_status=before,
        text=reason,
        public=True,
        data={"department": department},
    )
    _tell_reporter(incident, f"事件 #{incident.pk} 已转{department}办理", now, acting_user)


def _days(value, limit: int) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise Refused("延期天数：请填写整数") from None
    if not 1 <= days <= limit:
        raise Refused(f"延期天数：每次 1 至 {limit} 个工作日")
    return days


def _extend(incident, *, acting_user, now, days, reason):
    fw = incident.profile().fieldwork
    days = _days(days, fw.extension_max_working_days)
    reason = _text(reason, "延期理由", limit=200)
    if incident.due is not None and incident.due <= now:
        raise Refused("延期：须在办理时限之前申请，本级时限已过")
    incident.extension_days = days
    incident.extension_reason = reason
    top = fw.above(incident.level) is None
    if top:
        # The top has nobody above to ask: its own extension stands, on the record.
        incident.due = Deadlines().due(incident.due, days)
        _save(incident, "extension_days", "extension_reason", "due")
        _sync_stage_due(incident)
        _event(
            incident,
            "extend",
            actor=acting_user,
            now=now,
            text=reason,
            data={"days": days, "approved": True},
        )
        return
    incident.paused_since = now
    _save(incident, "extension_days", "extension_reason", "paused_since")
    _event(incident, "extend", actor=acting_user, now=now, text=reason, data={"days": days})
    approver = holder(Place.of(incident), fw.above(incident.level))
    _tell(
        incident,
        approver.user_ids,
        kind=Notification.Kind.INCIDENT,
        title=f"事件 #{incident.pk} 申请延期 {days} 个工作日，请审批",
        body=reason,
        now=now,
        actor=acting_user,
    )


def _sync_stage_due(incident):
    IncidentStage.objects.filter(incident=incident, end__isnull=True).update(due=incident.due)


def _resume(incident, now) -> dt.datetime:
    """The due time moved on by the time the clock stood still."""
    return incident.due + (now - incident.paused_since)


def _approve_extension(incident, *, acting_user, now, reason):
    reason = _text(reason, "审批意见", required=False, limit=200)
    resumed = _resume(incident, now)
    incident.due = Deadlines().due(resumed, incident.extension_days)
    incident.paused_since = None
    _save(incident, "due", "paused_since")
    _sync_stage_due(incident)
    _event(
        incident,
        "approve_extension",
        actor=acting_user,
        now=now,
        text=reason,
        data={"days": incident.extension_days, "due": incident.due.isoformat()},
    )
    holders = holder(Place.of(incident), incident.level)
    _tell(
        incident,
        holders.user_ids,
        kind=Notification.Kind.INCIDENT,
        title=f"事件 #{incident.pk} 延期已批准",
        now=now,
        actor=acting_user,
    )


def _reject_extension(incident, *, acting_user, now, reason):
    reason = _text(reason, "不批准的理由", limit=200)
    incident.due = _resume(incident, now)
    incident.paused_since = None
    _save(incident, "due", "paused_since")
    _sync_stage_due(incident)
    _event(incident, "reject_extension", actor=acting_user, now=now, text=reason)
    holders = holder(Place.of(incident), incident.level)
    _tell(
        incident,
        holders.user_ids,
        kind=Notification.Kind.INCIDENT,
        title=f"事件 #{incident.pk} 延期未批准：{reason[:40]}",
        now=now,
        actor=acting_user,
    )


def _supervise(incident, *, acting_user, now, reason):
    reason = _text(reason, "督办意见", limit=200)
    incident.supervised = True
    incident.supervised_note = reason
    _save(incident, "supervised", "supervised_note")
    _event(incident, "supervise", actor=acting_user, now=now, text=reason)
    holders = holder(Place.of(incident), incident.level)
    _tell(
        incident,
        holders.user_ids,
        kind=Notification.Kind.SUPERVISED,
        title=f"督办：事件 #{incident.pk} {incident.category}",
        body=reason,
        now=now,
        actor=acting_user,
        robot_levels=[incident.level],
    )


def _assign(incident, *, acting_user, now, assignee):
    from loudong.accounts.models import User

    holders = holder(Place.of(incident), incident.level).user_ids
    pk = getattr(assignee, "pk", assignee)
    if pk not in holders:
        raise Refused(f"指派：只能指派给{incident.level_label}的工作人员")
    incident.assignee = User.objects.get(pk=pk)
    _save(incident, "assignee")
    _event(
        incident,
        "assign",
        actor=acting_user,
        now=now,
        data={"assignee": pk},
        text=f"指派给 {incident.assignee}",
    )
    _tell(
        incident,
        [pk],
        kind=Notification.Kind.INCIDENT,
        title=f"您被指派办理事件 #{incident.pk}：{incident.category}",
        now=now,
        actor=acting_user,
    )


def _merge(incident, *, acting_user, now, into, reason):
    pk = getattr(into, "pk", into)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Refused("合并到：请填写事件编号") from None
    if pk == incident.pk:
        raise Refused("合并到：不能合并到事件本身")
    master = Incident.objects.select_for_update().filter(pk=pk).first()
    if master is None or master.community_id != incident.community_id:
        raise Refused("合并到：本社区没有这个事件编号")
    if not master.is_open:
        raise Refused(f"合并到：事件 #{pk} 已{master.get_status_display()}，请合并到办理中的事件")
    reason = _text(reason, "合并说明", required=False, limit=200)
    before = incident.status
    _end_stage(incident, IncidentStage.Outcome.MERGED, now)
    incident.status = Incident.Status.MERGED
    incident.merged_into = master
    incident.closed_at = now
    incident.due = None
    incident.paused_since = None
    _save(incident, "status", "merged_into", "closed_at", "due", "paused_since")
    _event(
        incident,
        "merge",
        actor=acting_user,
        now=now,
        from_status=before,
        public=True,
        text=reason or f"与事件 #{master.pk} 为同一问题，合并办理",
        data={"into": master.pk},
    )
    _event(
        master,
        "merged_in",
        actor=acting_user,
        now=now,
        data={"from": incident.pk},
        text=f"事件 #{incident.pk} 并入本事件",
    )
    _tell_reporter(
        incident, f"您上报的事件 #{incident.pk} 已并入 #{master.pk} 一并办理", now, acting_user
    )


def _close(incident, *, acting_user, now, resolution):
    before = incident.status
    if incident.status != Incident.Status.RESOLVED:
        resolution = _text(resolution, "办理结果（关闭前须填写）")
        incident.resolution = resolution
        incident.resolved_at = now
        _end_stage(incident, IncidentStage.Outcome.CLOSED, now)
    incident.status = Incident.Status.CLOSED
    incident.closed_at = now
    incident.due = None
    incident.paused_since = None
    _save(incident, "status", "closed_at", "resolution", "resolved_at", "due", "paused_since")
    _event(
        incident,
        "close",
        actor=acting_user,
        now=now,
        from_status=before,
        text=resolution or "",
        public=bool(resolution),
    )


def _rate(incident, *, acting_user, now, grade, comment, by_kind=None, actor_label=""):
    if grade not in Rating.Grade.values:
        raise Refused("评价：请选择 满意、基本满意 或 不满意")
    comment = _text(comment, "意见", required=False, limit=200)
    if Rating.objects.filter(incident=incident, round=incident.reopen_count).exists():
        raise Refused("该事件已评价，不能重复评价")
    Rating.objects.create(
        incident=incident,
        round=incident.reopen_count,
        grade=grade,
        comment=comment,
        by_kind=by_kind or (incident.reporter_kind if acting_user else Incident.Reporter.RESIDENT),
        recorded_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        created=now,
    )
    label = Rating.Grade(grade).label
    if grade == Rating.Grade.UNSATISFIED:
        _event(
            incident,
            "rate",
            actor=acting_user,
            actor_label=actor_label,
            now=now,
            text=f"{label}：{comment}" if comment else label,
            data={"grade": grade},
        )
        _reopen_at(incident, acting_user, now, comment or "反映人不满意", actor_label)
        return
    before = incident.status
    incident.status = Incident.Status.CLOSED
    incident.closed_at = now
    _save(incident, "status", "closed_at")
    _event(
        incident,
        "rate",
        actor=acting_user,
        actor_label=actor_label,
        now=now,
        from_status=before,
        text=f"{label}：{comment}" if comment else label,
        data={"grade": grade},
    )


def reopen_window_open(incident, now) -> bool:
    fw = incident.profile().fieldwork
    since = incident.closed_at or incident.resolved_at
    return since is not None and not Deadlines().passed(since, fw.reopen_working_days, now)


def _reopen(incident, *, acting_user, now, reason, actor_label=""):
    reason = _text(reason, "重新办理的理由", limit=500)
    if incident.solved_on_spot and incident.reporter_kind == Incident.Reporter.LEADER:
        raise Refused("就地解决的事件不能重新办理，请重新上报")
    if not reopen_window_open(incident, now):
        days = incident.profile().fieldwork.reopen_working_days
        raise Refused(f"已超过办结后 {days} 个工作日，不能再要求重新办理，请重新反映")
    _reopen_at(incident, acting_user, now, reason, actor_label, move="reopen")


def _reopen_at(incident, acting_user, now, reason, actor_label, move=None):
    """Once at the level that resolved it, then at the level above (or the top again)."""
    profile = incident.profile()
    place = Place.of(incident)
    target = holder(place, incident.level)
    if incident.reopen_count >= 1 or not target.held:
        target = route_up(place, profile, incident.level) or holder(place, profile.fieldwork.top)
    before = (incident.status, incident.level)
    incident.reopen_count += 1
    incident.closed_at = None
    incident.resolved_at = None
    _enter(incident, target, now, profile=profile, status=Incident.Status.REOPENED)
    incident.save(
        update_fields=[*LEVEL_FIELDS, "reopen_count", "closed_at", "resolved_at", "updated"]
    )
    if move:
        _event(
            incident,
            move,
            actor=acting_user,
            actor_label=actor_label,
            now=now,
            from_status=before[0],
            from_level=before[1],
            text=reason,
            public=True,
        )
    else:
        IncidentEvent.objects.filter(incident=incident, move="rate").order_by("-id").update(
            to_status=incident.status, to_level=incident.level
        )
    _tell(
        incident,
        target.user_ids,
        kind=Notification.Kind.INCIDENT,
        title=f"事件 #{incident.pk} 重新办理（反映人不满意或要求重新办理）",
        body=reason,
        now=now,
        actor=acting_user,
        robot_levels=[target.level],
    )


MOVES = {
    "accept": _accept,
    "reply": _reply,
    "resolve": _resolve,
    "escalate": _escalate,
    "return": _return,
    "transfer": _transfer,
    "extend": _extend,
    "approve_extension": _approve_extension,
    "reject_extension": _reject_extension,
    "supervise": _supervise,
    "assign": _assign,
    "merge": _merge,
    "close": _close,
    "rate": _rate,
    "reopen": _reopen,
}


# -- the resident's tracking link -----------------------------------------------------------------


class TicketInvalid(Refused):
    """An unknown or expired tracking link."""


def ticket_for(key: str, now=None) -> ResidentTicket:
    ticket = (
        ResidentTicket.objects.select_related("incident__category__parent", "incident__community")
        .filter(key_hash=ticket_hash(key or ""))
        .first()
    )
    if ticket is None:
        raise TicketInvalid("查询链接无效：请核对链接，或重新扫描公示牌上的二维码反映问题")
    if ticket.expired(now):
        raise TicketInvalid("查询链接已过期：如问题仍未解决，请重新扫描公示牌上的二维码反映")
    return ticket


def resident_move(*, key: str, move: str, now=None, request=None, **fields) -> Incident:
    """A resident rates or reopens through the tracking link (no account)."""
    now = now or timezone.now()
    if move not in ("rate", "reopen"):
        raise Http404
    with transaction.atomic():
        ticket = ticket_for(key, now)
        incident = (
            Incident.objects.select_for_update(of=("self",))
            .select_related(
                "community",
                "category__parent",
                "building__compound",
                "unit__building__compound",
                "compound",
            )
            .get(pk=ticket.incident_id)
        )
        if incident.status == Incident.Status.MERGED:
            raise Refused(f"该事件已并入 #{incident.merged_into_id} 一并办理，请等待其办理结果")
        if not incident.can_move(move):
            raise Refused(_cannot(incident, move))
        if move == "rate":
            _rate(
                incident,
                acting_user=None,
                now=now,
                actor_label="居民",
                by_kind=Incident.Reporter.RESIDENT,
                **_only("rate", fields),
            )
        else:
            _reopen(
                incident, acting_user=None, now=now, actor_label="居民", **_only("reopen", fields)
            )
        record(
            actor=None,
            actor_username="居民",
            action=AuditAction.FIELDWORK_INCIDENT_MOVE,
            target=incident,
            new={"move": move, "status": incident.status, "level": incident.level},
            request=request,
        )
    return incident


# -- bulk moves on the queue -------------------------------------------------------------------


def bulk_move(*, incidents, move: str, acting_user, request=None, now=None, **fields) -> int:
    """All or nothing: one refusal undoes the whole batch (the message names the incident)."""
    if move not in ("assign", "close", "merge"):
        raise Refused("批量操作：只能批量指派、关闭或合并")
    now = now or timezone.now()
    with transaction.atomic():
        for incident in incidents:
            if move == "merge" and str(incident.pk) == str(fields.get("into")):
                continue
            try:
                move_incident(
                    incident=incident,
                    move=move,
                    acting_user=acting_user,
                    request=request,
                    now=now,
                    **fields,
                )
            except Refused as exc:
                raise Refused(f"事件 #{incident.pk}：{exc.message}") from None
    return len(incidents)


# -- the overdue sweep ----------------------------------------------------------------------------


@dataclass
class SweepResult:
    escalated: int = 0
    at_top: int = 0
    warned: int = 0
    closed: int = 0
    notices: int = 0
    messages: int = 0

    def line(self) -> str:
        return (
            f"超期自动上报 {self.escalated} 件，已在最高一级的超期 {self.at_top} 件，"
            f"即将超期提醒 {self.warned} 件，逾期未评价自动关闭 {self.closed} 件"
        )


class _Holders:
    """Holder lookups cached by place for one sweep."""

    def __init__(self):
        self.cache = {}

    def get(self, place: Place, level: str) -> Holder:
        key = (level, place.community_id, place.unit_id, place.building_id, place.grid_code)
        if level in ("community", "subdistrict"):
            key = (level, place.community_id)
        if key not in self.cache:
            self.cache[key] = holder(place, level)
        return self.cache[key]

    def up(self, place, profile, after) -> Holder | None:
        ladder = profile.fieldwork.ladder
        for level in ladder[ladder.index(after) + 1 :]:
            found = self.get(place, level)
            if found.held:
                return found
        return None


class _Robots:
    """Robot groups by community, loaded once per sweep (most communities have none)."""

    def __init__(self):
        from loudong.community.models import ChatGroup

        self.by_community = defaultdict(list)
        for group in ChatGroup.objects.filter(active=True, kind__in=ChatGroup.ROBOT_KINDS):
            if group.webhook:
                self.by_community[group.community_id].append(group)

    def groups(self, community_id, grid_code, levels):
        found = self.by_community.get(community_id)
        if not found:
            return []
        grid = set(levels) & set(notifications.GRID_GROUP_LEVELS)
        body = set(levels) - set(notifications.GRID_GROUP_LEVELS)
        return [
            g
            for g in found
            if (grid and g.level == "grid" and g.grid_code == grid_code)
            or (body and g.level == "community")
        ]


def _insert(model, columns, rows, batch=1000):
    """Batched INSERT of plain tuples: the ORM's per-object cost dominates at 100k rows."""
    from django.db import connection

    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) VALUES "
        f"({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            cursor.executemany(sql, rows[start : start + batch])


def _summarise(pending: dict, now) -> int:
    """In-app notices: one per incident for a user with a few, one summary for many.

    ``pending`` maps a user id to ``[(incident id, kind, title template)]``; titles name the
    incident's category and place, so those incidents are fetched only for the few notices
    that show them.
    """
    singles = {pk for items in pending.values() if len(items) <= 3 for pk, _, _ in items}
    shown = {
        i.pk: i
        for i in Incident.objects.filter(pk__in=singles).select_related(
            "category__parent",
            "community",
            "building__compound",
            "unit__building__compound",
            "compound",
        )
    }
    rows = []
    for uid, items in pending.items():
        if len(items) <= 3:
            for pk, kind, template in items:
                incident = shown[pk]
                title = template.format(pk=pk, category=incident.category, place=incident.place)
                rows.append(
                    Notification(
                        user_id=uid,
                        kind=kind,
                        title=title[:120],
                        created=now,
                        url=incident.get_absolute_url(),
                        incident=incident,
                    )
                )
        else:
            kinds = {kind for _, kind, _ in items}
            kind = kinds.pop() if len(kinds) == 1 else Notification.Kind.OVERDUE
            rows.append(
                Notification(
                    user_id=uid,
                    kind=kind,
                    created=now,
                    url="/fieldwork/?overdue=on",
                    title=f"{len(items)} 件事件超期或即将超期，请尽快处理",
                )
            )
    Notification.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


SWEEP_FIELDS = (
    "pk",
    "level",
    "status",
    "community_id",
    "unit_id",
    "building_id",
    "grid_code",
    "severity",
    "category__code",
    "category__parent__code",
    "profile_name",
    "profile_version",
)


def escalate_overdue(*, now=None, batch: int = 5000) -> SweepResult:
    """Move every overdue incident one level up; warn before the deadline; close unrated ones.

    Idempotent for the same ``now``: an escalated incident's new deadline lies after ``now``;
    warnings and top-level overdue notices are sent once per level (flags reset on a move).
    Incidents are read as tuples and written with grouped UPDATEs and batched INSERTs, so 100k
    overdue incidents take seconds (``fieldwork/bench.py``); one audit row records the sweep
    (each incident's history has its own rows).
    """
    from django.db import connection

    from loudong.fieldwork.models import OutboxMessage

    now = now or timezone.now()
    at = connection.ops.adapt_datetimefield_value(now)
    result = SweepResult()
    holders, robots, deadlines = _Holders(), _Robots(), Deadlines()
    profiles = {}
    pending = defaultdict(list)
    outbox = []  # (group, incident id, headline)
    due_for = {}  # working days → (the new deadline, as the database stores it)

    def profile_of(name, version):
        if (name, version) not in profiles:
            profiles[(name, version)] = profile_at(name, version)
        return profiles[(name, version)]

    def limit(profile, severity, code, parent, level):
        fw = profile.fieldwork
        if severity == Incident.Severity.URGENT:
            return fw.urgent_working_days
        return fw.time_limit(level, code, parent or "")

    running = Incident.objects.filter(status__in=Incident.OPEN, paused_since__isnull=True)
    event_columns = (
        "incident_id",
        "move",
        "from_status",
        "to_status",
        "from_level",
        "to_level",
        "actor_label",
        "at",
        "text",
        "public",
        "data",
    )
    # Read once through the partial index on open, running clocks; then work in batches.
    overdue = list(
        running.filter(due__lte=now, overdue_noticed=False)
        .order_by("pk")
        .values_list(*SWEEP_FIELDS)
    )
    for offset in range(0, len(overdue), batch):
        chunk = overdue[offset : offset + batch]
        with transaction.atomic():
            groups = defaultdict(list)
            stages, events, top_ids = [], [], []
            for (
                pk,
                level,
                status,
                community,
                unit,
                building,
                grid,
                severity,
                code,
                parent,
                name,
                version,
            ) in chunk:
                profile = profile_of(name, version)
                place = Place(
                    community_id=community, unit_id=unit, building_id=building, grid_code=grid
                )
                target = (
                    holders.up(place, profile, level) if level in profile.fieldwork.ladder else None
                )
                if target is None:
                    top_ids.append(pk)
                    events.append(
                        (
                            pk,
                            "overdue_top",
                            status,
                            status,
                            level,
                            level,
                            "系统",
                            at,
                            f"已超过{level_label(level)}办理时限",
                            False,
                            "{}",
                        )
                    )
                    for uid in holders.get(place, level).user_ids:
                        pending[uid].append(
                            (pk, Notification.Kind.OVERDUE, "事件 #{pk} 已超期：{category}")
                        )
                    outbox += [
                        (g, pk, "事件已超期，请尽快办结")
                        for g in robots.groups(community, grid, [level])
                    ]
                    continue
                days = limit(profile, severity, code, parent, target.level)
                if days not in due_for:
                    due = max(deadlines.due(now, days), now + dt.timedelta(minutes=1))
                    due_for[days] = (due, connection.ops.adapt_datetimefield_value(due))
                due, due_at = due_for[days]
                groups[(target.level, due)].append(pk)
                stages.append(
                    (
                        pk,
                        target.level,
                        getattr(target.post, "pk", None),
                        getattr(target.person, "pk", None),
                        at,
                        due_at,
                        "",
                    )
                )
                events.append(
                    (
                        pk,
                        "auto_escalate",
                        status,
                        Incident.Status.NEW,
                        level,
                        target.level,
                        "系统",
                        at,
                        f"超过{level_label(level)}办理时限，自动上报{level_label(target.level)}",
                        False,
                        "{}",
                    )
                )
                for uid in target.user_ids:
                    pending[uid].append(
                        (
                            pk,
                            Notification.Kind.ESCALATED,
                            "超期自动上报：事件 #{pk} {category}（{place}）",
                        )
                    )
                outbox += [
                    (g, pk, "事件超期，已自动上报")
                    for g in robots.groups(community, grid, [target.level])
                ]
            ids = [pk for pks in groups.values() for pk in pks]
            for start in range(0, len(ids), 900):
                IncidentStage.objects.filter(
                    incident_id__in=ids[start : start + 900], end__isnull=True
                ).update(end=now, outcome=IncidentStage.Outcome.ESCALATED, on_time=False)
            for (level, due), pks in groups.items():
                for start in range(0, len(pks), 900):
                    Incident.objects.filter(pk__in=pks[start : start + 900]).update(
                        level=level,
                        level_since=now,
                        due=due,
                        status=Incident.Status.NEW,
                        warned=False,
                        overdue_noticed=False,
                        assignee=None,
                        extension_days=0,
                        extension_reason="",
                        updated=now,
                    )
            for start in range(0, len(top_ids), 900):
                Incident.objects.filter(pk__in=top_ids[start : start + 900]).update(
                    overdue_noticed=True
                )
            _insert(
                IncidentStage,
                ("incident_id", "level", "post_id", "person_id", "start", "due", "outcome"),
                stages,
            )
            _insert(IncidentEvent, event_columns, events)
            result.escalated += len(ids)
            result.at_top += len(top_ids)

    # 即将超期: the last working day of a level's time (due within a day), once per level.
    soon = running.filter(due__gt=now, due__lte=now + dt.timedelta(days=1), warned=False).exclude(
        level_since=now
    )
    warned = []
    for pk, level, _status, community, unit, building, grid, *_rest in soon.values_list(
        *SWEEP_FIELDS
    ).iterator(chunk_size=5000):
        place = Place(community_id=community, unit_id=unit, building_id=building, grid_code=grid)
        for uid in holders.get(place, level).user_ids:
            pending[uid].append((pk, Notification.Kind.WARNING, "即将超期：事件 #{pk} {category}"))
        outbox += [(g, pk, "事件即将超期") for g in robots.groups(community, grid, [level])]
        warned.append(pk)
    for start in range(0, len(warned), 900):
        Incident.objects.filter(pk__in=warned[start : start + 900]).update(warned=True)
    result.warned = len(warned)

    # Resolved, never rated within the window: closed (12345 practice: 回访 then 办结).
    closing = []
    for pk, level, resolved_at, name, version in (
        Incident.objects.filter(status=Incident.Status.RESOLVED, resolved_at__lte=now)
        .values_list("pk", "level", "resolved_at", "profile_name", "profile_version")
        .iterator(chunk_size=5000)
    ):
        if deadlines.passed(
            resolved_at, profile_of(name, version).fieldwork.rating_working_days, now
        ):
            closing.append((pk, level))
    with transaction.atomic():
        for start in range(0, len(closing), 900):
            part = closing[start : start + 900]
            Incident.objects.filter(
                pk__in=[pk for pk, _ in part], status=Incident.Status.RESOLVED
            ).update(status=Incident.Status.CLOSED, closed_at=now, updated=now)
        _insert(
            IncidentEvent,
            event_columns,
            [
                (
                    pk,
                    "auto_close",
                    Incident.Status.RESOLVED,
                    Incident.Status.CLOSED,
                    level,
                    level,
                    "系统",
                    at,
                    "办结后逾期未评价，自动关闭",
                    False,
                    "{}",
                )
                for pk, level in closing
            ],
        )
    result.closed = len(closing)

    with transaction.atomic():
        result.notices = _summarise(pending, now)
        texts = {}
        if outbox:
            for incident in Incident.objects.filter(
                pk__in={pk for _, pk, _ in outbox}
            ).select_related(
                "category__parent",
                "community",
                "building__compound",
                "unit__building__compound",
                "compound",
            ):
                texts[incident.pk] = incident
        OutboxMessage.objects.bulk_create(
            [
                OutboxMessage(
                    group=g,
                    incident_id=pk,
                    created=now,
                    next_attempt_at=now,
                    text=notifications.robot_text(texts[pk], headline),
                )
                for g, pk, headline in outbox
            ],
            batch_size=1000,
        )
        result.messages = len(outbox)
        if result.escalated or result.at_top or result.warned or result.closed:
            record(
                actor=None,
                actor_username="系统",
                action=AuditAction.FIELDWORK_SWEEP,
                target_repr=f"逾期事件巡检 {now.isoformat(timespec='seconds')}",
                new={
                    "escalated": result.escalated,
                    "at_top": result.at_top,
                    "warned": result.warned,
                    "closed": result.closed,
                    "now": now,
                },
            )
    return result
