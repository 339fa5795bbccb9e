"""What a notice board (公示牌) shows for a compound, building or unit.

Seed 004 §三.11: "统一制作网格长、楼栋长、单元长公示牌，公示管辖区域、居民户数、“三长”姓名和联系
电话等信息，在小区、楼栋、单元悬挂". Seed 000 §三.5 公示制度: "小区和楼栋醒目位置公示楼栋长名单及
服务内容、联系方式". A leader's phone is printed only with the leader's consent; otherwise the
community office's phone stands in (PRODUCT.md "Decisions").
"""

from dataclasses import dataclass, field

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from loudong.policy.profile import profile_for

LEADER_KINDS = ("grid_head", "building_leader", "unit_leader")
KIND_ORDER = {kind: i for i, kind in enumerate(LEADER_KINDS)}


def duties(community) -> list[str]:
    """The leaders' duties as the profile names them: 000 §三.4 "社区楼栋长承担政策宣传员、
    信息采集员、民事调解员、文明创建员、为民服务员的职责"; 004 §二.4–8 for the 三长."""
    return [d.label for d in profile_for(community).duties]


@dataclass
class BoardLeader:
    kind: str
    role: str
    name: str
    title: str
    phone: str
    office_phone: bool  # True: the community office's phone stands in (no consent)


@dataclass
class Board:
    kind: str  # compound | building | unit
    kind_label: str
    area: str  # 管辖区域
    community: object
    compound: object
    households: int  # 居民户数: occupied households (seed 000 "实际居民居住户数")
    leaders: list[BoardLeader] = field(default_factory=list)
    duties: list[str] = field(default_factory=list)
    office_phone: str = ""
    token: object = None
    # A unit with a 自愿轮值 rota: this month's and next month's 单元长 (community.rotation.Duty).
    duty: object = None

    def render(self, *, qr_data_uri: str = "", resident_url: str = "") -> str:
        return render_to_string(
            "documents/board_sheet.html",
            {"board": self, "qr_data_uri": qr_data_uri, "resident_url": resident_url},
        )


def _grid_codes(**piece_filter) -> list[str]:
    """Codes of the grids in force covering the area."""
    from loudong.grids.models import GridPiece

    return sorted(
        set(
            GridPiece.objects.filter(grid__division__status="frozen", **piece_filter)
            .exclude(grid__code="")
            .values_list("grid__code", flat=True)
        )
    )


def leaders_for(area_q: Q, community, day=None) -> list[BoardLeader]:
    from loudong.roster.models import Appointment

    day = day or timezone.localdate()
    appointments = (
        Appointment.objects.filter(
            area_q, status=Appointment.Status.ACTIVE, post__kind__in=LEADER_KINDS, start__lte=day
        )
        .filter(Q(end__isnull=True) | Q(end__gte=day))
        .select_related("person", "post")
        .order_by("post__kind", "post__title", "id")
    )
    leaders = []
    seen = set()
    for appointment in appointments:
        key = (appointment.person_id, appointment.post_id)
        if key in seen:
            continue
        seen.add(key)
        person = appointment.person
        consent = person.consents_to_publish_phone and bool(person.phone)
        leaders.append(
            BoardLeader(
                kind=appointment.post.kind,
                role=appointment.post.get_kind_display(),
                name=person.name,
                title=appointment.post.title,
                # Published with the leader's consent; that is what the board is for.
                phone=person.phone.reveal() if consent else community.office_phone,
                office_phone=not consent,
            )
        )
    leaders.sort(key=lambda leader: KIND_ORDER.get(leader.kind, 9))
    return leaders


def compound_board(compound) -> Board:
    from loudong.territory.models import Household

    community = compound.parent
    codes = _grid_codes(building__compound=compound)
    q = Q(post__compound=compound) | Q(post__building__compound=compound)
    q |= Q(post__unit__compound=compound)
    if codes:
        q |= Q(post__grid_code__in=codes)
    return Board(
        kind="compound",
        kind_label="小区",
        area=f"{community.name}{compound.name}",
        community=community,
        compound=compound,
        households=Household.objects.filter(compound=compound, occupied=True).count(),
        leaders=leaders_for(q, community),
        duties=duties(community),
        office_phone=community.office_phone,
    )


def building_board(building) -> Board:
    from loudong.territory.models import Household

    community = building.community
    codes = _grid_codes(building=building)
    q = Q(post__building=building) | Q(post__unit__building=building)
    if codes:
        q |= Q(post__grid_code__in=codes)
    return Board(
        kind="building",
        kind_label="楼栋",
        area=f"{community.name}{building}",
        community=community,
        compound=building.compound,
        households=Household.objects.filter(building=building, occupied=True).count(),
        leaders=leaders_for(q, community),
        duties=duties(community),
        office_phone=community.office_phone,
    )


def unit_board(unit) -> Board:
    from loudong.territory.models import Household

    community = unit.community
    codes = _grid_codes(unit=unit)
    q = Q(post__unit=unit) | Q(post__building=unit.building, post__unit__isnull=True)
    if codes:
        q |= Q(post__grid_code__in=codes)
    return Board(
        kind="unit",
        kind_label="单元",
        area=f"{community.name}{unit}",
        community=community,
        compound=unit.compound,
        households=Household.objects.filter(unit=unit, occupied=True).count(),
        leaders=leaders_for(q, community),
        duties=duties(community),
        office_phone=community.office_phone,
        duty=_rotation_duty(unit),
    )


def _rotation_duty(unit):
    """Seed 004 §三.12 自愿轮值: who is on duty this month and next (the community app's rota)."""
    from loudong.community.rotation import duty_for_unit

    return duty_for_unit(unit, timezone.localdate())


def board_for_token(token) -> Board:
    if token.kind == token.Kind.UNIT:
        return unit_board(token.unit)
    if token.kind == token.Kind.BUILDING:
        return building_board(token.building)
    return compound_board(token.compound)
