"""Posts: kept in step with the division in force; added by hand; 一格多员 attachments."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from loudong.accounts.audit import AuditAction, record
from loudong.policy.profile import profile_for
from loudong.roster.actions.common import Refused, require_edit
from loudong.roster.models import Appointment, Person, Post


@dataclass
class SyncResult:
    created: list = field(default_factory=list)
    closed: list = field(default_factory=list)
    kept: int = 0
    ended: list = field(default_factory=list)
    division: object = None


def sync_grid_posts(
    *, community, acting_user, today: dt.date | None = None, request=None
) -> SyncResult:
    """Make the grid posts match the community's division in force.

    New grid codes get a post; a post whose grid code is gone is closed, its appointment ended
    (reason 岗位撤销) and the post flagged for attention. A grid that keeps its code keeps its
    post and leader. Under a profile with a 楼栋长 per building and a 单元长 per unit (004 §一.2:
    "每个楼栋、单元要……确定1名楼栋长、单元长") those posts are made too. Idempotent.
    """
    from loudong.grids.models import Division, GridPiece

    require_edit(acting_user, community, "同步网格岗位", request)
    division = (
        Division.objects.in_force()
        .filter(community=community)
        .order_by("-frozen_at", "-id")
        .first()
    )
    if division is None:
        raise Refused(f"{community.name}还没有生效的网格划分，请先在“网格划分”中冻结一个方案。")
    today = today or timezone.localdate()
    profile = profile_for(community, on=today)
    kind = profile.posts.grid_post_kind
    grids = {g.code: g for g in division.grids.exclude(code="").order_by("sequence", "id")}
    places: dict[int, dict] = {}
    for grid_id, compound_id, compound_name, building in (
        GridPiece.objects.filter(grid__division=division)
        .values_list(
            "grid_id", "building__compound_id", "building__compound__name", "building__number"
        )
        .order_by("grid_id", "building_id")
        .distinct()
    ):
        place = places.setdefault(grid_id, {"compounds": {}, "buildings": []})
        place["compounds"][compound_id] = compound_name
        if building not in place["buildings"]:
            place["buildings"].append(building)
    result = SyncResult(division=division)
    with transaction.atomic():
        existing = {
            p.grid_code: p
            for p in Post.objects.filter(community=community, kind=kind, active=True).exclude(
                grid_code=""
            )
        }
        new_posts = []
        for code, grid in grids.items():
            if code in existing:
                result.kept += 1
                continue
            place = places.get(grid.pk, {"compounds": {}, "buildings": []})
            new_posts.append(
                Post(
                    kind=kind,
                    community=community,
                    grid_code=code,
                    compound_id=next(iter(place["compounds"]))
                    if len(place["compounds"]) == 1
                    else None,
                    title=grid_post_title(community, place, code, kind),
                )
            )
        Post.objects.bulk_create(new_posts)
        result.created = new_posts
        gone = [p for c, p in existing.items() if c not in grids]
        for post in gone:
            post.active = False
            post.closed_on = today
            post.needs_attention = True
            post.attention_note = "网格编码已不在生效的划分中：请为原网格居民另行安排楼栋长"
            post.save(update_fields=["active", "closed_on", "needs_attention", "attention_note"])
            for appointment in post.appointments.filter(status=Appointment.Status.ACTIVE):
                end_appointment(
                    appointment,
                    end=today,
                    reason=Appointment.EndReason.POST_CLOSED,
                    note="网格调整，岗位撤销",
                )
                result.ended.append(appointment)
            result.closed.append(post)
        if profile.posts.building_leader_per == "building":
            result.created += _sync_building_posts(community)
        if profile.posts.unit_leader:
            result.created += _sync_unit_posts(community)
        record(
            actor=acting_user,
            action=AuditAction.ROSTER_SYNC_POSTS,
            target=community,
            new={
                "division": division.pk,
                "created": len(result.created),
                "closed": [p.grid_code for p in result.closed],
                "kept": result.kept,
                "ended_appointments": [a.pk for a in result.ended],
            },
            request=request,
        )
    return result


def grid_post_title(community, place: dict, code: str, kind: str) -> str:
    """Attachment 1's title is 「X小区X号楼楼栋长」: the compound and buildings, then the post.

    The grid's number follows in brackets only when the buildings are shared with another
    grid (a building cut between grids), so the title still names one seat.
    """
    where = "、".join(place["compounds"].values()) or community.name
    buildings = "、".join(place["buildings"][:4]) + ("等" if len(place["buildings"]) > 4 else "")
    return f"{where}{buildings}{Post.Kind(kind).label}（网格 {code[-2:]}）"[:100]


def end_appointment(
    appointment: Appointment,
    *,
    end: dt.date,
    reason: str,
    note: str = "",
    notice_date: dt.date | None = None,
) -> None:
    """End one appointment (no audit row: the caller's verb writes it)."""
    appointment.status = Appointment.Status.ENDED
    appointment.end = end
    appointment.end_reason = reason
    appointment.end_note = note[:200]
    appointment.notice_date = notice_date
    appointment.save(update_fields=["status", "end", "end_reason", "end_note", "notice_date"])
    from loudong.roster import hooks

    hooks.appointment_ended.send(appointment)


def _sync_building_posts(community) -> list:
    from loudong.territory.models import Building

    have = set(
        Post.objects.filter(
            community=community, kind=Post.Kind.BUILDING_LEADER, active=True
        ).values_list("building_id", flat=True)
    )
    posts = [
        Post(
            kind=Post.Kind.BUILDING_LEADER,
            community=community,
            compound=b.compound,
            building=b,
            title=f"{b.compound.name}{b.number}楼栋长"[:100],
        )
        for b in Building.objects.filter(community=community).select_related("compound")
        if b.pk not in have
    ]
    Post.objects.bulk_create(posts)
    return posts


def _sync_unit_posts(community) -> list:
    from loudong.territory.models import Unit

    have = set(
        Post.objects.filter(
            community=community, kind=Post.Kind.UNIT_LEADER, active=True
        ).values_list("unit_id", flat=True)
    )
    posts = [
        Post(
            kind=Post.Kind.UNIT_LEADER,
            community=community,
            compound=u.compound,
            building=u.building,
            unit=u,
            title=f"{u.compound.name}{u.building.number}{u.number}单元长"[:100],
        )
        for u in Unit.objects.filter(community=community).select_related("compound", "building")
        if u.pk not in have
    ]
    Post.objects.bulk_create(posts)
    return posts


@transaction.atomic
def acknowledge_post(*, post, note: str, acting_user, request=None) -> Post:
    """A worker has dealt with a closed grid's residents: clear the attention flag."""
    post.needs_attention = False
    post.attention_note = note[:200]
    post.save(update_fields=["needs_attention", "attention_note"])
    record(
        actor=acting_user,
        action=AuditAction.ROSTER_POST_ACKNOWLEDGE,
        target=post,
        reason=note,
        request=request,
    )
    return post


def create_post(
    *,
    community,
    kind,
    title,
    acting_user,
    grid_code="",
    building=None,
    unit=None,
    request=None,
) -> Post:
    """A leader's post added by hand (a missing building or unit post)."""
    require_edit(acting_user, community, "新增岗位", request)
    if kind == Post.Kind.ATTACHMENT:
        raise Refused("一格多员请在网格页面登记（类别、单位、联系方式、起止日期）")
    with transaction.atomic():
        post = Post.objects.create(
            community=community,
            kind=kind,
            title=title,
            grid_code=grid_code,
            building=building,
            unit=unit,
            compound=building.compound if building else None,
        )
        record(
            actor=acting_user,
            action=AuditAction.ROSTER_POST_CREATE,
            target=post,
            new={"kind": kind, "title": title, "grid_code": grid_code},
            request=request,
        )
    return post


def attach_staff(
    *,
    community,
    grid_code: str,
    category: str,
    organisation: str,
    name: str,
    phone: str,
    start: dt.date,
    end: dt.date | None,
    acting_user,
    request=None,
) -> Appointment:
    """一格多员 (004 §一.1): "按照“一格多员”原则，统筹辖区民警、公益岗和水电热气等公用事业单位
    力量下社区、进网格". Staff attached to a grid are a post of kind ``attachment`` held from
    ``start`` to ``end`` — no selection, no eligibility: their organisation sends them.
    """
    require_edit(acting_user, community, "登记一格多员", request)
    profile = profile_for(community, on=start)
    if not profile.posts.multi_staff:
        raise Refused("本街道的政策方案未设“一格多员”（posts.multi_staff）")
    if category not in Post.Attachment.values:
        raise Refused("请选择一格多员的类别（民警、公益岗、供水、供电、供热、供气或其他）")
    if not name.strip() or not organisation.strip():
        raise Refused("请填写姓名和所在单位")
    if end is not None and end < start:
        raise Refused("结束日期早于开始日期")
    label = Post.Attachment(category).label
    with transaction.atomic():
        post = Post.objects.create(
            community=community,
            kind=Post.Kind.ATTACHMENT,
            grid_code=grid_code,
            attachment=category,
            title=f"网格 {grid_code[-2:]} {label}（{organisation.strip()}）"[:100],
        )
        person = Person.objects.create(
            community=community,
            name=name.strip(),
            phone=phone,
            employer=organisation.strip()[:100],
            pool=Person.Pool.OTHER,
        )
        appointment = Appointment.objects.create(
            person=person,
            post=post,
            community=community,
            start=start,
            term_end=end,
            created_by=acting_user,
        )
        record(
            actor=acting_user,
            action=AuditAction.ROSTER_ATTACH,
            target=appointment,
            new={
                "grid_code": grid_code,
                "category": category,
                "organisation": organisation,
                "name": name,
                "start": start,
                "end": end,
            },
            request=request,
        )
    return appointment


def detach_staff(*, appointment: Appointment, end: dt.date, acting_user, request=None) -> None:
    """The attached staff member leaves the grid: the appointment ends, the post closes."""
    require_edit(acting_user, appointment, "结束一格多员", request)
    if appointment.post.kind != Post.Kind.ATTACHMENT:
        raise Refused("这不是一格多员岗位")
    if not appointment.is_active:
        raise Refused("该人员已离开网格")
    if end < appointment.start:
        raise Refused("结束日期早于开始日期")
    with transaction.atomic():
        end_appointment(appointment, end=end, reason=Appointment.EndReason.OTHER, note="离开网格")
        post = appointment.post
        post.active = False
        post.closed_on = end
        post.save(update_fields=["active", "closed_on"])
        record(
            actor=acting_user,
            action=AuditAction.ROSTER_DETACH,
            target=appointment,
            new={"end": end},
            request=request,
        )
