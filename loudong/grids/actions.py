"""Domain verbs of grid division: propose, move, freeze, discard (STYLE.md item 3).

Each takes keyword-only arguments and ``acting_user``, runs in one transaction and writes its
audit row inside it. Proposing runs the engine synchronously: a community of ~5k households
divides in well under a second, so no background task is needed.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from loudong.accounts.access import scope_for
from loudong.accounts.audit import AuditAction, record
from loudong.accounts.roles import Cap
from loudong.grids.division import Piece, Policy, divide
from loudong.grids.division import Unit as EngineUnit
from loudong.grids.division.geometry import connected, delaunay_neighbours
from loudong.grids.models import Division, DivisionEvent, Grid, GridPiece
from loudong.lib.dates import DateOutOfRange, check_window
from loudong.policy.profile import profile_for
from loudong.territory.models import Household, Resident, Unit

MAX_SEQUENCE = 99
# Grids are numbered in rows of this height (metres), north → south, west → east within a row.
ROW_BAND_M = 150.0
# A grid keeps its code when it holds at least this share of the old grid's households.
KEEP_SHARE = 0.5
# Layout of buildings without coordinates: a square of this pitch per compound.
_PITCH_M = 40.0


def division_policy(community, *, on: dt.date | None = None):
    """(engine Policy, the profile version in force) for the community's 街道 on ``on``."""
    profile = profile_for(community, on=on or timezone.localdate())
    return Policy.from_dict(profile.division.engine_dict(profile.name)), profile


def _check_edit(user, community) -> None:
    if community.pk not in scope_for(user, Cap.EDIT).community_ids:
        raise PermissionDenied("您在该社区只能查看，不能调整网格划分")


@dataclass
class RegistryUnit:
    unit: Unit
    households: int
    floors: int
    x: float
    y: float


def registry_units(community, division_rules) -> tuple[list[RegistryUnit], list[str]]:
    """The community's units with their households, floors and position.

    Households: 实际居民居住户数 (seed 000 §三.1) — occupied only, unless the profile counts
    all (``division.count``); weighted by 居民结构 when the profile says so
    (``division.weight_by_structure``: elderly living alone, floating population).
    Floors: the unit's, else the building's, else the highest household floor, else 1.
    Buildings without coordinates are laid out in a square per compound, east of the others,
    so the engine still works; a warning says so.
    """
    households = Household.objects.filter(community=community)
    if division_rules.counts_occupied_only:
        households = households.filter(occupied=True)
    counts = {
        row["unit_id"]: row
        for row in households.values("unit_id").annotate(n=Count("id"), top=Max("floor"))
    }
    extra = (
        _structure_extra(households, division_rules) if division_rules.weight_by_structure else {}
    )
    units = list(
        Unit.objects.filter(pk__in=list(counts))
        .select_related("building", "compound")
        .order_by("compound_id", "building_id", "id")
    )
    known = [u.building for u in units if u.building.x is not None and u.building.y is not None]
    base_x = max((b.x for b in known), default=0.0) + 500.0
    base_y = max((b.y for b in known), default=0.0)
    compounds = sorted({u.compound_id for u in units})
    layout = _layout(units, compounds, base_x, base_y)
    missing = len(layout)
    out = []
    for u in units:
        b = u.building
        x, y = (b.x, b.y) if b.pk not in layout else layout[b.pk]
        row = counts[u.pk]
        floors = u.floors or b.floors or row["top"] or 1
        weighted = round(row["n"] + extra.get(u.pk, 0.0))
        out.append(RegistryUnit(unit=u, households=weighted, floors=max(1, floors), x=x, y=y))
    warnings = []
    if extra:
        warnings.append("户数已按居民结构加权（独居老人户、流动人口户），网格户数为加权后的数字。")
    if missing:
        warnings.append(
            f"楼栋缺少坐标：{missing} 栋楼按小区排成方阵参与划分，地图位置仅为示意，"
            "请在台账中补充楼栋坐标后重新生成。"
        )
    return out, warnings


ELDERLY_AGE = 60  # 老年人: 60 周岁以上 (《老年人权益保障法》第二条)


def _structure_extra(households, rules) -> dict[int, float]:
    """Per unit, what the weights add: Σ (weight − 1) over elderly-alone and floating homes."""
    weights = rules.structure_weights
    extra: dict[int, float] = defaultdict(float)
    floating = weights.get("floating")
    if floating:
        for unit_id, n in (
            households.filter(residence=Household.Residence.FLOATING)
            .values_list("unit_id")
            .annotate(n=Count("id"))
        ):
            extra[unit_id] += n * (floating - 1)
    elderly = weights.get("elderly_alone")
    if elderly:
        today = timezone.localdate()
        born_by = today.replace(year=today.year - ELDERLY_AGE)
        alone = (
            Resident.objects.filter(household__in=households, moved_out=False)
            .values("household_id", "household__unit_id")
            .annotate(n=Count("id"), old=Count("id", filter=Q(birth_date__lte=born_by)))
            .filter(n=1, old=1)
        )
        for row in alone:
            extra[row["household__unit_id"]] += elderly - 1
    return extra


def _layout(units, compounds, base_x, base_y) -> dict[int, tuple[float, float]]:
    """Positions for buildings without coordinates: one square per compound, compounds in a row."""
    by_compound: dict[int, list[int]] = defaultdict(list)
    for u in units:
        b = u.building
        if (b.x is None or b.y is None) and b.pk not in by_compound[u.compound_id]:
            by_compound[u.compound_id].append(b.pk)
    layout = {}
    offset = base_x
    for cid in compounds:
        blds = by_compound.get(cid, [])
        if not blds:
            continue
        side = max(1, int(len(blds) ** 0.5 + 0.999))
        for i, pk in enumerate(blds):
            layout[pk] = (offset + (i % side) * _PITCH_M, base_y - (i // side) * _PITCH_M)
        offset += (side + 3) * _PITCH_M
    return layout


def _community_key(community) -> str:
    return community.code or f"c{community.pk}"


def _engine_unit(key: str, r: RegistryUnit) -> EngineUnit:
    u = r.unit
    return EngineUnit(
        community=key,
        compound=str(u.compound_id),
        building=str(u.building_id),
        unit=str(u.pk),
        households=r.households,
        floors=r.floors,
        x=r.x,
        y=r.y,
    )


def _previous_pieces(key: str, division: Division | None) -> list[Piece]:
    if division is None:
        return []
    pieces = GridPiece.objects.filter(grid__division=division).select_related("unit")
    return [
        Piece(
            key,
            str(p.unit.compound_id),
            str(p.building_id),
            str(p.unit_id),
            p.floor_from,
            p.floor_to,
            p.households,
            f"prev-{p.grid_id}",
        )
        for p in pieces
    ]


def in_force(community) -> Division | None:
    return Division.objects.in_force().filter(community=community).order_by("-frozen_at").first()


def propose_division(
    *, community, acting_user, note: str = "", today: dt.date | None = None, request=None
) -> Division:
    """Run the engine on the community's registry under its 街道's profile; save a draft.

    The draft pins the profile version it was made under; freezing keeps that version.
    """
    _check_edit(acting_user, community)
    policy, profile = division_policy(community, on=today)
    registry, reg_warnings = registry_units(community, profile.division)
    if not registry:
        raise ValidationError("该社区没有实际居住的住户，无法划分网格。")
    key = _community_key(community)
    previous = in_force(community)
    result = divide(
        [_engine_unit(key, r) for r in registry],
        policy,
        previous=_previous_pieces(key, previous) or None,
    )
    by_unit = {str(r.unit.pk): r for r in registry}
    with transaction.atomic():
        division = Division.objects.create(
            community=community,
            profile_name=profile.name,
            profile_version=profile.version,
            object_code=profile.grid_object_code,
            created_by=acting_user,
            note=note,
            report={"policy": policy.to_dict(), "engine_warnings": reg_warnings + result.warnings},
        )
        grids = {}
        for number, g in enumerate(result.grids, start=1):
            grids[g.id] = Grid(
                division=division,
                community=community,
                number=number,
                households=g.households,
                in_range=g.in_range,
                reason=g.reason_zh,
            )
        Grid.objects.bulk_create(grids.values())
        GridPiece.objects.bulk_create(
            [
                GridPiece(
                    grid=grids[p.grid],
                    unit_id=int(p.unit),
                    building_id=int(p.building),
                    floor_from=p.floor_from,
                    floor_to=p.floor_to,
                    households=p.households,
                    x=by_unit[p.unit].x,
                    y=by_unit[p.unit].y,
                )
                for p in result.pieces
            ]
        )
        refresh_division(division)
        DivisionEvent.objects.create(
            division=division,
            kind=DivisionEvent.Kind.PROPOSED,
            actor=acting_user,
            note=f"{profile.title}第 {profile.version} 版，{len(grids)} 个网格",
        )
        record(
            actor=acting_user,
            action=AuditAction.DIVISION_PROPOSE,
            target=division,
            new={
                "profile": profile.name,
                "profile_version": profile.version,
                "grids": len(grids),
                "households": sum(g.households for g in result.grids),
            },
            request=request,
        )
    return division


def refresh_division(division: Division) -> None:
    """Recompute every grid's count, band, centre and warnings, and the division's report."""
    from loudong.grids.division import compute_metrics

    policy = Policy.from_dict(division.report["policy"])
    grids = list(division.grids.all())
    pieces = list(
        GridPiece.objects.filter(grid__division=division)
        .select_related("building", "unit__compound")
        .order_by("id")
    )
    by_grid: dict[int, list[GridPiece]] = defaultdict(list)
    for p in pieces:
        by_grid[p.grid_id].append(p)
    # Split buildings: a building whose pieces lie in more than one grid.
    grids_of_building: dict[int, set[int]] = defaultdict(set)
    for p in pieces:
        grids_of_building[p.building_id].add(p.grid_id)
    # Contiguity: the grid's buildings connected in the Delaunay triangulation of all centres.
    centres: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for p in pieces:
        centres[p.building_id].append((p.x, p.y))
    bld_ids = sorted(centres)
    index = {b: i for i, b in enumerate(bld_ids)}
    points = [
        (
            sum(x for x, _ in centres[b]) / len(centres[b]),
            sum(y for _, y in centres[b]) / len(centres[b]),
        )
        for b in bld_ids
    ]
    adj = delaunay_neighbours(points)
    names = {p.building_id: str(p.building.number) for p in pieces}
    empty = []
    for g in grids:
        mine = by_grid.get(g.pk, [])
        if not mine:
            empty.append(g.pk)
            continue
        h = sum(p.households for p in mine)
        g.households = h
        g.in_range = policy.in_range(h)
        g.x = sum(p.x * max(p.households, 1) for p in mine) / sum(
            max(p.households, 1) for p in mine
        )
        g.y = sum(p.y * max(p.households, 1) for p in mine) / sum(
            max(p.households, 1) for p in mine
        )
        warnings = []
        if not g.in_range:
            warnings.append(f"户数 {h} 不在 {policy.lower}–{policy.upper} 范围内")
        split = sorted({p.building_id for p in mine if len(grids_of_building[p.building_id]) > 1})
        for b in split:
            warnings.append(f"楼栋 {names[b]} 分属 {len(grids_of_building[b])} 个网格")
        blds = sorted({index[p.building_id] for p in mine})
        if not connected(blds, adj):
            warnings.append("网格内楼栋不相邻（不连续）")
        g.warnings = warnings
    if empty:
        Grid.objects.filter(pk__in=empty).delete()
        grids = [g for g in grids if g.pk not in empty]
    Grid.objects.bulk_update(grids, ["households", "in_range", "x", "y", "warnings"])
    key = _community_key(division.community)
    units: dict[int, list] = {}
    engine_pieces = []
    for p in pieces:
        u = units.setdefault(p.unit_id, [p.unit, 0, 1, p.x, p.y])
        u[1] += p.households
        u[2] = max(u[2], p.floor_to)
        engine_pieces.append(
            Piece(
                key,
                str(p.unit.compound_id),
                str(p.building_id),
                str(p.unit_id),
                p.floor_from,
                p.floor_to,
                p.households,
                str(p.grid_id),
            )
        )
    engine_units = [
        EngineUnit(key, str(u.compound_id), str(u.building_id), str(u.pk), h, f, x, y)
        for u, h, f, x, y in units.values()
    ]
    report = dict(division.report)
    report["summary"] = compute_metrics(engine_units, engine_pieces, policy) if pieces else {}
    warnings = list(report.get("engine_warnings", []))
    if len(grids) > MAX_SEQUENCE:
        warnings.append(
            f"本社区需要 {len(grids)} 个网格，超过 CJ/T 349 两位顺序码的上限 "
            f"{MAX_SEQUENCE} 个：第 {MAX_SEQUENCE + 1} 个起无法编码，请拆分社区或调整方案。"
        )
    report["warnings"] = warnings
    report["grids"] = len(grids)
    report["households"] = sum(g.households for g in grids)
    report["in_band"] = sum(1 for g in grids if g.in_range)
    division.report = report
    division.save(update_fields=["report"])


def move_pieces(*, pieces: list[GridPiece], to_grid: Grid, acting_user, request=None) -> None:
    """Move pieces (a unit, a floor range, or a whole building's pieces) to another grid."""
    division = to_grid.division
    _check_edit(acting_user, division.community)
    if not division.is_draft:
        raise ValidationError("只有草稿方案可以调整。")
    if any(p.grid.division_id != division.pk for p in pieces):
        raise ValidationError("只能在同一方案的网格之间调整。")
    with transaction.atomic():
        moved = [p for p in pieces if p.grid_id != to_grid.pk]
        old = sorted({p.grid_id for p in moved})
        for p in moved:
            p.grid = to_grid
        GridPiece.objects.bulk_update(moved, ["grid"])
        Grid.objects.filter(pk__in=[*old, to_grid.pk]).update(reason="")
        refresh_division(division)
        note = f"{len(moved)} 处（{sum(p.households for p in moved)} 户）移到 {to_grid.label}"
        DivisionEvent.objects.create(
            division=division, kind=DivisionEvent.Kind.MOVED, actor=acting_user, note=note[:300]
        )
        record(
            actor=acting_user,
            action=AuditAction.DIVISION_MOVE,
            target=division,
            old={"grids": old},
            new={"grid": to_grid.pk, "pieces": [p.pk for p in moved]},
            request=request,
        )


def move_piece(*, piece: GridPiece, to_grid: Grid, acting_user, request=None) -> None:
    move_pieces(pieces=[piece], to_grid=to_grid, acting_user=acting_user, request=request)


def _overlap(new: list[GridPiece], old: list[GridPiece]) -> dict[tuple[int, int], float]:
    """Households shared by (new grid, old grid): per unit, by intersecting floor ranges."""
    old_by_unit: dict[int, list[GridPiece]] = defaultdict(list)
    for p in old:
        old_by_unit[p.unit_id].append(p)
    out: dict[tuple[int, int], float] = defaultdict(float)
    for p in new:
        for q in old_by_unit.get(p.unit_id, []):
            inter = min(p.floor_to, q.floor_to) - max(p.floor_from, q.floor_from) + 1
            if inter <= 0:
                continue
            span = max(p.floor_to - p.floor_from + 1, q.floor_to - q.floor_from + 1)
            out[(p.grid_id, q.grid_id)] += min(p.households, q.households) * inter / span
    return out


def assign_codes(division: Division, previous: Division | None) -> list[str]:
    """Give each grid its CJ/T 349 code; returns warnings.

    A grid holding ≥ 50 % of an old grid's households keeps that grid's sequence (so its code,
    and later its leader, survive a re-division). The others take the lowest free sequences in
    reading order: rows of :data:`ROW_BAND_M` north → south, west → east within a row.
    """
    grids = list(division.grids.all())
    kept: dict[int, int] = {}
    if previous is not None:
        old_grids = {g.pk: g for g in previous.grids.all()}
        overlap = _overlap(
            list(GridPiece.objects.filter(grid__division=division)),
            list(GridPiece.objects.filter(grid__division=previous)),
        )
        pairs = sorted(
            (
                (-ov, new, old)
                for (new, old), ov in overlap.items()
                if old_grids[old].households
                and ov >= KEEP_SHARE * old_grids[old].households
                and old_grids[old].sequence
            ),
            key=lambda t: t,
        )
        taken = set()
        for _ov, new, old in pairs:
            if new not in kept and old not in taken:
                kept[new] = old_grids[old].sequence
                taken.add(old)
    used = set(kept.values())
    top = max((g.y for g in grids if g.y is not None), default=0.0)

    def reading(g):
        return (int((top - (g.y or 0.0)) // ROW_BAND_M), g.x or 0.0, -(g.y or 0.0), g.number)

    free = (n for n in range(1, 10_000) if n not in used)
    for g in sorted(grids, key=reading):
        g.sequence = kept.get(g.pk) or next(free)
    if len(grids) == 1:
        # CJ/T 349: digits 19–20 are "00" when the community is not subdivided.
        grids[0].sequence = 0
    prefix = division.object_code + division.community.code
    warnings = []
    for g in grids:
        g.code = f"{prefix}{g.sequence:02d}" if g.sequence <= MAX_SEQUENCE else ""
    Grid.objects.bulk_update(grids, ["sequence", "code"])
    over = [g for g in grids if not g.code]
    if over:
        warnings.append(
            f"{len(over)} 个网格的顺序码超过 {MAX_SEQUENCE}，未能编码（CJ/T 349 顺序码只有两位）。"
        )
    return warnings


def freeze_division(
    *, division: Division, acting_user, effective_date, reason: str = "", request=None
) -> Division:
    """Approve a draft: it becomes the division in force, with codes; the old one is superseded.

    Refused: a community that would need more than 99 grids (CJ/T 349's sequence has two
    digits — resolve it first); grids outside the band without a written reason (the reason
    is kept in the division's history).
    """
    community = division.community
    _check_edit(acting_user, community)
    if not division.can_move_to(Division.Status.FROZEN):
        raise ValidationError("只有草稿方案可以批准生效。")
    try:
        check_window(effective_date, "生效日期")
    except DateOutOfRange as exc:
        raise ValidationError(str(exc)) from None
    count = division.grids.count()
    if count > MAX_SEQUENCE:
        raise ValidationError(
            f"该方案有 {count} 个网格，超过 CJ/T 349 两位顺序码的上限 {MAX_SEQUENCE} 个，"
            "不能编码和设岗：请先与街道研究拆分社区或调整划分方案，再批准生效。"
        )
    out_of_band = division.grids.filter(in_range=False).count()
    if out_of_band and not reason.strip():
        raise ValidationError(
            f"有 {out_of_band} 个网格户数不在规定范围内：请写明批准的理由（将记入划分记录）。"
        )
    if len(community.code or "") != 12 or not community.code.isdigit():
        raise ValidationError("社区缺少 12 位统计用区划代码，无法生成网格编码。")
    if len(division.object_code) != 6 or not division.object_code.isdigit():
        raise ValidationError("政策方案中的管理或服务对象代码应为 6 位数字。")
    with transaction.atomic():
        # Lock the community's divisions so two approvals cannot both be in force.
        list(Division.objects.select_for_update().filter(community=community))
        previous = in_force(community)
        warnings = assign_codes(division, previous)
        if previous is not None:
            previous.status = Division.Status.SUPERSEDED
            previous.save(update_fields=["status"])
            DivisionEvent.objects.create(
                division=previous,
                kind=DivisionEvent.Kind.SUPERSEDED,
                actor=acting_user,
                note=f"被方案 #{division.pk} 替代",
            )
        division.status = Division.Status.FROZEN
        division.frozen_by = acting_user
        division.frozen_at = timezone.now()
        division.effective_date = effective_date
        division.report = {
            **division.report,
            "code_warnings": warnings,
            "warnings": division.report.get("warnings", []) + warnings,
        }
        division.save(
            update_fields=["status", "frozen_by", "frozen_at", "effective_date", "report"]
        )
        DivisionEvent.objects.create(
            division=division,
            kind=DivisionEvent.Kind.FROZEN,
            actor=acting_user,
            note=f"生效日期 {effective_date}"
            + (
                f"；{out_of_band} 个网格超出户数范围，理由：{reason.strip()}" if out_of_band else ""
            ),
        )
        record(
            actor=acting_user,
            action=AuditAction.DIVISION_FREEZE,
            target=division,
            old={"in_force": previous.pk if previous else None},
            new={
                "status": division.status,
                "effective_date": effective_date,
                "grids": division.grids.count(),
            },
            reason=reason.strip()[:200],
            request=request,
        )
    return division


def discard_draft(*, division: Division, acting_user, request=None) -> Division:
    _check_edit(acting_user, division.community)
    if not division.can_move_to(Division.Status.DISCARDED):
        raise ValidationError("只有草稿方案可以放弃。")
    with transaction.atomic():
        division.status = Division.Status.DISCARDED
        division.save(update_fields=["status"])
        DivisionEvent.objects.create(
            division=division, kind=DivisionEvent.Kind.DISCARDED, actor=acting_user
        )
        record(
            actor=acting_user,
            action=AuditAction.DIVISION_DISCARD,
            target=division,
            new={"status": division.status},
            request=request,
        )
    return division


def record_export(*, division: Division, rows: int, acting_user, request=None) -> None:
    with transaction.atomic():
        record(
            actor=acting_user,
            action=AuditAction.DIVISION_EXPORT,
            target=division,
            new={"rows": rows},
            request=request,
        )
