"""Quality metrics of any division, computed from the input units and output pieces only.

They do not trust the engine: households are re-added per unit, contiguity is re-checked in
the Delaunay triangulation of building centres (centre = mean of the building's unit points)
within each community, compactness is the Polsby–Popper score of the convex hull of a grid's
unit points grown by 8 m. Quality bars: PRODUCT.md "Quality bars".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from statistics import median

from .geometry import (
    buffered_polsby_popper,
    connected,
    place_missing,
    shared_sites,
    site_graph,
)
from .models import Piece, Policy, Unit, get_policy


def ideal_grid_count(households_by_community: Iterable[int], target: int) -> int:
    """Σ_c max(1, round(H_c / target)): the grid count the seed's "每 80 户左右" implies."""
    return sum(max(1, round(h / target)) for h in households_by_community)


def compute_metrics(
    units: Iterable[Unit], pieces: Iterable[Piece], policy: str | dict | Policy
) -> dict:
    """Summary figures of a division (see the README for each definition)."""
    pol = get_policy(policy)
    units = list(units)
    pieces = list(pieces)
    unit_by_key = {u.key: u for u in units}
    placed, position_counts = place_missing(units)
    xy = {u.key: p for u, p in zip(units, placed, strict=True)}

    # --- every household exactly once
    got: dict[tuple, int] = defaultdict(int)
    floors_seen: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    unknown = 0
    for p in pieces:
        if p.unit_key not in unit_by_key:
            unknown += 1
            continue
        got[p.unit_key] += p.households
        floors_seen[p.unit_key].append((p.floor_from, p.floor_to))
    mismatched = sum(1 for u in units if got.get(u.key, -1) != u.households)
    overlapping = 0
    for key, ranges in floors_seen.items():
        ranges.sort()
        f = 0
        for a, b in ranges:
            if a <= f or b < a or b > unit_by_key[key].floors:
                overlapping += 1
                break
            f = b

    # --- grids
    grid_h: dict[str, int] = defaultdict(int)
    grid_units: dict[str, set] = defaultdict(set)
    for p in pieces:
        grid_h[p.grid] += p.households
        grid_units[p.grid].add(p.unit_key)
    sizes = sorted(grid_h.values())
    n_grids = len(grid_h)
    in_range = [g for g, h in grid_h.items() if pol.lower <= h <= pol.upper]
    hh_total = sum(u.households for u in units)
    hh_in_range = sum(grid_h[g] for g in in_range)

    community_h: dict[str, int] = defaultdict(int)
    for u in units:
        community_h[u.community] += u.households
    ideal = ideal_grid_count(community_h.values(), pol.target)

    # --- building splits
    bld_h: dict[tuple, int] = defaultdict(int)
    bld_pts: dict[tuple, list] = defaultdict(list)
    for u in units:
        bld_h[u.key[:3]] += u.households
        bld_pts[u.key[:3]].append(xy[u.key])
    bld_grids: dict[tuple, set] = defaultdict(set)
    for p in pieces:
        bld_grids[p.unit_key[:3]].add(p.grid)
    split = [b for b, gs in bld_grids.items() if len(gs) > 1]
    needless = [b for b in split if bld_h.get(b, 0) <= pol.upper]

    # --- compounds / communities per grid
    multi_compound = 0
    across = 0
    for _g, keys in grid_units.items():
        if len({k[0] for k in keys}) > 1:
            across += 1
        if len({k[:2] for k in keys}) > 1:
            multi_compound += 1

    # --- contiguity (Delaunay of building centres within the community; buildings at one
    # centre are adjacent to each other and to that point's neighbours)
    by_comm: dict[str, list[tuple]] = defaultdict(list)
    for b in bld_pts:
        by_comm[b[0]].append(b)
    bld_index: dict[tuple, tuple[str, int]] = {}
    adjacency: dict[str, list[list[int]]] = {}
    centres_by_comm: dict[str, list] = {}
    for comm, blds in by_comm.items():
        centres = []
        for b in blds:
            pts = bld_pts[b]
            centres.append((sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)))
        site_of, adjacency[comm] = site_graph(centres, exact=True)
        for b, s in zip(blds, site_of, strict=True):
            bld_index[b] = (comm, s)
        centres_by_comm[comm] = centres
    contiguous = 0
    pp_values = []
    for _g, keys in grid_units.items():
        blds = sorted({k[:3] for k in keys if k[:3] in bld_index})
        comms = {bld_index[b][0] for b in blds}
        if len(comms) == 1 and connected(
            sorted({bld_index[b][1] for b in blds}), adjacency[next(iter(comms))]
        ):
            contiguous += 1
        pts = [xy[k] for k in keys if k in xy]
        if pts:
            pp_values.append(buffered_polsby_popper(pts))

    def pct(a, b):
        return round(100.0 * a / b, 2) if b else 100.0

    return {
        "communities": len(community_h),
        "units": len(units),
        "buildings": len(bld_h),
        "households": hh_total,
        "grids": n_grids,
        "ideal_grids": ideal,
        "grid_count_deviation_pct": round(100.0 * (n_grids - ideal) / ideal, 2) if ideal else 0.0,
        "grids_in_range_pct": pct(len(in_range), n_grids),
        "grids_out_of_range": n_grids - len(in_range),
        "households_in_range_pct": pct(hh_in_range, hh_total),
        "grid_size_min": sizes[0] if sizes else 0,
        "grid_size_median": median(sizes) if sizes else 0,
        "grid_size_max": sizes[-1] if sizes else 0,
        "buildings_split": len(split),
        "needless_splits": len(needless),
        "needless_splits_pct": pct(len(needless), len(bld_h)),
        "grids_multi_compound_pct": pct(multi_compound, n_grids),
        "grids_across_communities": across,
        "contiguous_pct": pct(contiguous, n_grids),
        "mean_polsby_popper": round(sum(pp_values) / len(pp_values), 4) if pp_values else 0.0,
        **position_counts,
        "buildings_at_shared_position": shared_sites(centres_by_comm),
        "units_household_mismatch": mismatched,
        "units_floor_overlap": overlapping,
        "pieces_unknown_unit": unknown,
    }
