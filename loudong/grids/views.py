"""Pages of grid division: communities, a community's versions, the review page, and the verbs."""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from loudong.accounts.access import get_object_for_user, has_cap, scope_for
from loudong.accounts.roles import Cap
from loudong.grids import actions, maps
from loudong.grids.forms import FreezeForm, MoveForm, ProposeForm
from loudong.grids.models import Division, GridPiece
from loudong.territory.models import Region
from loudong.territory.views import region_crumbs


def _can_edit(user, community_id) -> bool:
    return community_id in scope_for(user, Cap.EDIT).community_ids


def get_division_for_user(user, pk, *, write=False, request=None) -> Division:
    queryset = Division.objects.select_related("community__parent", "created_by", "frozen_by")
    return get_object_for_user(queryset, user, pk, write=write, request=request)


def get_community_for_user(user, pk, *, write=False, request=None) -> Region:
    queryset = Region.objects.filter(level=Region.Level.COMMUNITY).select_related("parent")
    return get_object_for_user(queryset, user, pk, write=write, request=request)


def _crumbs(user, community, *extra):
    return [
        {"label": "网格划分", "url": "/grids/"},
        *region_crumbs(user, community)[1:-1],
        {"label": community.name, "url": f"/grids/community/{community.pk}/"},
        *extra,
    ]


@login_required
def index(request):
    """Communities in scope with the division in force and any drafts."""
    communities = list(
        Region.objects.visible_to(request.user)
        .filter(level=Region.Level.COMMUNITY)
        .order_by("code", "name")
    )
    divisions = (
        Division.objects.filter(
            community__in=communities, status__in=[Division.Status.FROZEN, Division.Status.DRAFT]
        )
        .select_related("frozen_by", "created_by")
        .order_by("created", "id")
    )
    in_force, drafts = {}, {}
    for d in divisions:
        if d.status == Division.Status.FROZEN:
            in_force[d.community_id] = d
        else:
            drafts.setdefault(d.community_id, []).append(d)
    rows = [(c, in_force.get(c.pk), drafts.get(c.pk, [])) for c in communities]
    return render(request, "grids/index.html", {"rows": rows})


@login_required
def community(request, pk):
    community = get_community_for_user(request.user, pk, request=request)
    divisions = (
        Division.objects.filter(community=community)
        .select_related("created_by", "frozen_by")
        .order_by("-created", "-id")
    )
    can_edit = _can_edit(request.user, community.pk)
    return render(
        request,
        "grids/community.html",
        {
            "community": community,
            "divisions": divisions,
            "can_edit": can_edit,
            "form": ProposeForm() if can_edit else None,
            "breadcrumb": [
                *_crumbs(request.user, community)[:-1],
                {"label": community.name, "url": ""},
            ],
        },
    )


@require_POST
@login_required
def propose(request, pk):
    community = get_community_for_user(request.user, pk, write=True, request=request)
    form = ProposeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "说明过长（最多 500 字）。")
        return redirect("grids:community", pk=community.pk)
    try:
        division = actions.propose_division(
            community=community, acting_user=request.user, request=request, **form.cleaned_data
        )
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
        return redirect("grids:community", pk=community.pk)
    messages.success(
        request, f"已生成划分方案（{division.report.get('grids', 0)} 个网格），请审核。"
    )
    return redirect(division)


def _grids_with_pieces(division):
    pieces = GridPiece.objects.select_related("unit", "building__compound").order_by(
        "building__compound_id", "building_id", "unit_id", "floor_from"
    )
    return list(
        division.grids.prefetch_related(Prefetch("pieces", queryset=pieces)).order_by(
            "sequence", "number"
        )
    )


@login_required
def division(request, pk):
    """The review page: summary, map (loaded from map.json), the grids as a compact list whose
    pieces open on demand, and one move dialog whose choices load from ``move_choices``.

    No per-piece target list is rendered: a 5,000-household community has ~60 grids and ~300
    pieces, so a <select> of every grid in every piece row cost 18k options and 1.25 MB.
    """
    division = get_division_for_user(request.user, pk, request=request)
    grids = _grids_with_pieces(division)
    for g in grids:
        g.piece_list = list(g.pieces.all())
        for p in g.piece_list:
            p.floors_label = maps.floor_range(p)
        g.compound_names = sorted({p.building.compound.name for p in g.piece_list})
        g.building_count = len({p.building_id for p in g.piece_list})
        g.flagged = bool(g.warnings) or not g.in_range
    can_edit = division.is_draft and _can_edit(request.user, division.community_id)
    policy = division.report.get("policy", {})
    return render(
        request,
        "grids/division.html",
        {
            "division": division,
            "grids": grids,
            "flagged": sum(1 for g in grids if g.flagged),
            "can_edit": can_edit,
            "policy": policy,
            "summary": division.report.get("summary", {}),
            "freeze_form": FreezeForm(initial={"effective_date": dt.date.today()})
            if can_edit
            else None,
            "map_config": {
                "url": f"/grids/divisions/{division.pk}/map.json",
                "tiles": settings.MAP_TILE_URL,
            },
            "breadcrumb": _crumbs(
                request.user, division.community, {"label": f"方案 #{division.pk}", "url": ""}
            ),
        },
    )


@login_required
def map_json(request, pk):
    """Grid outlines (buffered convex hulls) with labels and neighbour-distinct colours, and
    the buildings as points ([y, x] metres, or [lat, lon] on a tile map)."""
    division = get_division_for_user(request.user, pk, request=request)
    data = maps.map_data(maps.load_layout(division), tiles=settings.MAP_TILE_URL)
    return JsonResponse(data)


def _band(policy, households) -> str:
    if households < policy.lower:
        return f"少于 {policy.lower} 户"
    if households > policy.upper:
        return f"多于 {policy.upper} 户"
    return "在范围内"


@login_required
def move_choices(request, pk, piece_pk):
    """The move dialog for one piece: where it can go, nearest grids first, each with the
    household count after the move, the band and contiguity; and what its own grid keeps.

    ``?whole_building=1`` previews moving every piece of that building in that grid;
    ``?partial=1`` answers the dialog's HTML alone (the page's JS asks for it), otherwise a
    whole page, so the link works without JavaScript. Editors only (403 read-only, 404 out of
    scope); a division that is no longer a draft answers 400.
    """
    division = get_division_for_user(request.user, pk, write=True, request=request)
    partial = request.GET.get("partial") == "1"
    template = "grids/_move_dialog.html" if partial else "grids/move.html"
    context = {
        "division": division,
        "partial": partial,
        "breadcrumb": _crumbs(
            request.user,
            division.community,
            {"label": f"方案 #{division.pk}", "url": division.get_absolute_url()},
            {"label": "调整网格", "url": ""},
        ),
    }
    if not division.is_draft:
        context["error"] = "该方案已不是草稿，不能调整。"
        return render(request, template, context, status=400)
    layout = maps.load_layout(division)
    piece = next((p for p in layout.pieces if p.pk == piece_pk), None)
    if piece is None:
        raise Http404
    whole = request.GET.get("whole_building") == "1"
    same_building = [
        p
        for p in layout.pieces
        if p.grid_id == piece.grid_id and p.building_id == piece.building_id
    ]
    moved = same_building if whole else [piece]
    source, choices = maps.preview_move(layout, moved)
    policy = layout.policy
    for r in (source, *choices):
        r.band = _band(policy, r.households)
    shown = sum(1 for r in choices if r.neighbour)
    shown = max(shown, min(maps.NEAREST_SHOWN, len(choices)))
    building = piece.building
    context.update(
        {
            "piece": piece,
            "piece_floors": maps.floor_range(piece),
            "building_name": f"{building.compound.name}{building.number}",
            "moved": moved,
            "moved_households": sum(p.households for p in moved),
            "whole": whole,
            "building_pieces": len(same_building),
            "building_households": sum(p.households for p in same_building),
            "source": source,
            "near": choices[:shown],
            "far": choices[shown:],
            "policy": policy,
            "url": request.path,
        }
    )
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response


def _draft_or_400(request, division):
    if not division.is_draft:
        messages.error(request, "该方案已不是草稿，不能修改。")
        return False
    return True


@require_POST
@login_required
def move(request, pk):
    division = get_division_for_user(request.user, pk, write=True, request=request)
    form = MoveForm(request.POST)
    if not form.is_valid() or not _draft_or_400(request, division):
        if form.errors:
            messages.error(request, "请选择要移入的网格。")
        return redirect(division)
    grids = {g.pk: g for g in division.grids.select_related("division__community")}
    piece = (
        GridPiece.objects.filter(grid__division=division, pk=form.cleaned_data["piece"])
        .select_related("grid", "building__compound", "unit")
        .first()
    )
    to_grid = grids.get(form.cleaned_data["to_grid"])
    if piece is None or to_grid is None:
        raise Http404
    pieces = [piece]
    if form.cleaned_data["whole_building"]:
        pieces = list(
            GridPiece.objects.filter(grid=piece.grid, building_id=piece.building_id).select_related(
                "grid", "building__compound", "unit"
            )
        )
    source = piece.grid  # move_pieces reassigns piece.grid
    try:
        actions.move_pieces(
            pieces=pieces, to_grid=to_grid, acting_user=request.user, request=request
        )
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
        return redirect(division)
    messages.success(request, _moved_message(division, pieces, source, to_grid))
    return redirect(f"{division.get_absolute_url()}#grid-{to_grid.pk}")


def _moved_message(division, pieces, source, to_grid) -> str:
    """「已将 X（N 户）移到 B：B 现有 … 户（band）；A 现有 … 户（band）」 plus contiguity."""
    from loudong.grids.division import Policy

    policy = Policy.from_dict(division.report["policy"])
    to_grid.refresh_from_db()
    first = pieces[0]
    what = f"{first.building.compound.name}{first.building.number}"
    what += "整栋" if len(pieces) > 1 else f"{first.unit.number}{maps.floor_range(first)}"
    parts = [
        f"已将{what}（{sum(p.households for p in pieces)} 户）移到{to_grid.label}："
        f"该网格现有 {to_grid.households} 户（{_band(policy, to_grid.households)}）"
    ]
    kept = division.grids.filter(pk=source.pk).first()
    if kept is None:
        parts.append(f"{source.label} 已无单元，已删除")
    else:
        parts.append(f"{kept.label} 现有 {kept.households} 户（{_band(policy, kept.households)}）")
    for g in (to_grid, kept):
        if g is not None and "网格内楼栋不相邻（不连续）" in g.warnings:
            parts.append(f"注意：{g.label} 内楼栋不相邻")
    return "；".join(parts) + "。"


@require_POST
@login_required
def freeze(request, pk):
    division = get_division_for_user(request.user, pk, write=True, request=request)
    form = FreezeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect(division)
    try:
        actions.freeze_division(
            division=division, acting_user=request.user, request=request, **form.cleaned_data
        )
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
        return redirect(division)
    messages.success(request, "划分方案已批准生效，网格编码已生成。")
    return redirect(division)


@require_POST
@login_required
def discard(request, pk):
    division = get_division_for_user(request.user, pk, write=True, request=request)
    try:
        actions.discard_draft(division=division, acting_user=request.user, request=request)
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
        return redirect(division)
    messages.success(request, "已放弃该草稿。")
    return redirect("grids:community", pk=division.community_id)


@login_required
def export(request, pk):
    """The grid list as .xlsx; audited."""
    from loudong.lib.xlsx import response

    division = get_division_for_user(request.user, pk, request=request)
    if not has_cap(request.user, Cap.EXPORT) or not scope_for(request.user, Cap.EXPORT).allows(
        division
    ):
        raise PermissionDenied("您没有导出名单的权限")
    grids = _grids_with_pieces(division)
    rows = []
    for g in grids:
        pieces = list(g.pieces.all())
        rows.append(
            [
                g.code or f"草稿 {g.number}",
                division.community.name,
                g.households,
                "是" if g.in_range else "否",
                "、".join(sorted({p.building.compound.name for p in pieces})),
                "、".join(
                    dict.fromkeys(f"{p.building.compound.name}{p.building.number}" for p in pieces)
                ),
                len({p.unit_id for p in pieces}),
                "；".join(g.warnings),
            ]
        )
    actions.record_export(
        division=division, rows=len(rows), acting_user=request.user, request=request
    )
    resp = response(
        "网格",
        ["网格编码", "社区", "户数", "在范围内", "小区", "楼栋", "单元数", "提示"],
        rows,
        filename=f"网格-{division.community.name}-{division.pk}.xlsx",
    )
    resp["Cache-Control"] = "no-store"
    return resp
