"""A division in the plane: grid outlines and colours for the map, and what a move would do.

Read-only, two queries per division (grids, pieces). "Contiguous" and "neighbour" use the
engine's own Delaunay triangulation of building centres (``division.geometry``), the same
one ``actions.refresh_division`` uses, so the move dialog warns about exactly what the move
will then record on the grid.

Coordinates: piece x/y are metres east/north (the positions the division used). On a
geographic map (a tile server is configured and every building has lon/lat) outlines are
computed in a local metric projection of lon/lat and returned as [lat, lon]; otherwise as
[y, x] metres for Leaflet's ``CRS.Simple``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from loudong.grids.division import Policy
from loudong.grids.division.geometry import connected, convex_hull, delaunay_neighbours
from loudong.grids.models import Division, Grid, GridPiece

# Outlines are grown around the building centres so that a one-building grid is still a
# visible shape and the outline encloses the buildings' footprints (typical residential blocks
# are 10–15 m deep), not only their centre points: by 30 % of the median distance between
# neighbouring buildings (outlines of grids next to each other then keep a gap), within
# 15–40 m.
OUTLINE_BUFFER_M = 15.0
OUTLINE_BUFFER_MAX_M = 40.0
_BUFFER_SHARE = 0.3
# Vertices per buffer circle (every 30°): smooth enough at the zooms a community is viewed at.
_CIRCLE_STEPS = 12
# Metres per degree of latitude, and of longitude at the equator (WGS-84, local approximation:
# a community spans a few km, so the error of the equirectangular projection is negligible).
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON = 111_320.0
# Fill colours, told apart also by readers with red–green colour blindness (ColorBrewer Set2 /
# Dark2 lightened). Neighbouring grids get different ones; a planar map needs at most 6 when
# coloured greedily in smallest-last order, so 8 leave room for overlapping outlines.
PALETTE = [
    "#66c2a5",
    "#fc8d62",
    "#8da0cb",
    "#e78ac3",
    "#a6d854",
    "#ffd92f",
    "#e5c494",
    "#b3b3b3",
]
# The move dialog shows all neighbouring grids and at least this many grids in all, nearest first.
NEAREST_SHOWN = 6


@dataclass
class Layout:
    """The division's pieces, building centres and Delaunay neighbours (one load, many uses)."""

    division: Division
    grids: list[Grid]
    pieces: list[GridPiece]
    # building id → centre (metres), mean of its pieces' positions (as refresh_division does)
    centre: dict[int, tuple[float, float]]
    # building id → ids of the Delaunay-neighbouring buildings
    neighbours: dict[int, set[int]]
    index: dict[int, int]
    adjacency: list[list[int]]
    grids_of_building: dict[int, set[int]] = field(default_factory=dict)
    buildings_of_grid: dict[int, set[int]] = field(default_factory=dict)

    @property
    def policy(self) -> Policy:
        return Policy.from_dict(self.division.report["policy"])

    def is_contiguous(self, buildings) -> bool:
        return connected(sorted(self.index[b] for b in buildings), self.adjacency)


def load_layout(division: Division) -> Layout:
    grids = list(division.grids.order_by("sequence", "number"))
    pieces = list(
        GridPiece.objects.filter(grid__division=division)
        .select_related("building__compound", "unit")
        .order_by("building__compound_id", "building_id", "unit_id", "floor_from")
    )
    positions: dict[int, list[tuple[float, float]]] = defaultdict(list)
    grids_of_building: dict[int, set[int]] = defaultdict(set)
    buildings_of_grid: dict[int, set[int]] = defaultdict(set)
    for p in pieces:
        positions[p.building_id].append((p.x, p.y))
        grids_of_building[p.building_id].add(p.grid_id)
        buildings_of_grid[p.grid_id].add(p.building_id)
    building_ids = sorted(positions)
    centre = {
        b: (
            sum(x for x, _ in positions[b]) / len(positions[b]),
            sum(y for _, y in positions[b]) / len(positions[b]),
        )
        for b in building_ids
    }
    adjacency = delaunay_neighbours([centre[b] for b in building_ids])
    neighbours = {b: {building_ids[j] for j in adjacency[i]} for i, b in enumerate(building_ids)}
    return Layout(
        division=division,
        grids=grids,
        pieces=pieces,
        centre=centre,
        neighbours=neighbours,
        index={b: i for i, b in enumerate(building_ids)},
        adjacency=adjacency,
        grids_of_building=dict(grids_of_building),
        buildings_of_grid=dict(buildings_of_grid),
    )


# --- outlines -------------------------------------------------------------------------------


def buffered_hull(points: list[tuple[float, float]], buffer: float = OUTLINE_BUFFER_M):
    """Convex hull of ``points`` grown by ``buffer`` (counter-clockwise polygon, metres).

    The hull of the points' buffer circles is the buffered hull (the Minkowski sum of a convex
    set and a disc is convex), approximated by :data:`_CIRCLE_STEPS` points per circle; one
    point gives a circle, two a capsule.
    """
    ring = [
        (
            buffer * math.cos(2 * math.pi * k / _CIRCLE_STEPS),
            buffer * math.sin(2 * math.pi * k / _CIRCLE_STEPS),
        )
        for k in range(_CIRCLE_STEPS)
    ]
    corners = convex_hull(list(points))
    return convex_hull([(x + dx, y + dy) for x, y in corners for dx, dy in ring])


def polygon_centroid(polygon: list[tuple[float, float]]) -> tuple[float, float]:
    """Area centroid of a simple polygon (vertex mean when it has no area)."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(a) < 1e-9:
        n = len(polygon)
        return sum(x for x, _ in polygon) / n, sum(y for _, y in polygon) / n
    return cx / (3 * a), cy / (3 * a)


def convex_overlap(p: list[tuple[float, float]], q: list[tuple[float, float]]) -> bool:
    """Whether two convex polygons overlap (separating axis test; touching counts as apart)."""
    for poly in (p, q):
        for (x0, y0), (x1, y1) in zip(poly, poly[1:] + poly[:1], strict=True):
            nx, ny = y0 - y1, x1 - x0
            a = [nx * x + ny * y for x, y in p]
            b = [nx * x + ny * y for x, y in q]
            if max(a) <= min(b) or max(b) <= min(a):
                return False
    return True


class _Frame:
    """Metres for the geometry, and back to what the map shows ([lat, lon] or [y, x])."""

    def __init__(self, layout: Layout, geo: bool):
        self.geo = geo
        self.lonlat = {}
        if geo:
            for p in layout.pieces:
                self.lonlat[p.building_id] = (p.building.lon, p.building.lat)
            lons = [lon for lon, _ in self.lonlat.values()]
            lats = [lat for _, lat in self.lonlat.values()]
            self.lon0, self.lat0 = sum(lons) / len(lons), sum(lats) / len(lats)
            self.kx = _M_PER_DEG_LON * math.cos(math.radians(self.lat0))
        self.layout = layout

    def building(self, b: int) -> tuple[float, float]:
        if not self.geo:
            return self.layout.centre[b]
        lon, lat = self.lonlat[b]
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * _M_PER_DEG_LAT

    def show(self, xy: tuple[float, float]) -> list[float]:
        x, y = xy
        if not self.geo:
            return [round(y, 1), round(x, 1)]
        return [round(self.lat0 + y / _M_PER_DEG_LAT, 7), round(self.lon0 + x / self.kx, 7)]


def is_geographic(layout: Layout, tiles: str) -> bool:
    """A real map only with a tile server and a position for every building."""
    return bool(tiles) and all(
        p.building.lon is not None and p.building.lat is not None for p in layout.pieces
    )


def grid_adjacency(layout: Layout, outlines: dict[int, list]) -> dict[int, set[int]]:
    """Grids are neighbours when two of their buildings are Delaunay neighbours, when they share
    a building, or when their outlines overlap."""
    adj: dict[int, set[int]] = {g.pk: set() for g in layout.grids}
    gob = layout.grids_of_building
    for b, near in layout.neighbours.items():
        for n in (b, *near):
            for g1 in gob[b]:
                for g2 in gob[n]:
                    if g1 != g2:
                        adj[g1].add(g2)
                        adj[g2].add(g1)
    boxes = {
        g: (min(x for x, _ in o), min(y for _, y in o), max(x for x, _ in o), max(y for _, y in o))
        for g, o in outlines.items()
    }
    ids = list(outlines)
    for i, g1 in enumerate(ids):
        a = boxes[g1]
        for g2 in ids[i + 1 :]:
            b = boxes[g2]
            if g2 in adj[g1] or a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]:
                continue
            if convex_overlap(outlines[g1], outlines[g2]):
                adj[g1].add(g2)
                adj[g2].add(g1)
    return adj


def colour_grids(order: list[int], adj: dict[int, set[int]]) -> dict[int, int]:
    """Greedy colouring in smallest-last order: each grid gets the lowest colour index unused by
    its neighbours (≤ 6 on a planar adjacency). Deterministic: ties go by ``order``."""
    rank = {g: k for k, g in enumerate(order)}
    degree = {g: len(adj[g]) for g in order}
    removed: set[int] = set()
    stack = []
    for _ in order:
        g = min((g for g in order if g not in removed), key=lambda g: (degree[g], rank[g]))
        removed.add(g)
        stack.append(g)
        for n in adj[g]:
            if n not in removed:
                degree[n] -= 1
    colours: dict[int, int] = {}
    for g in reversed(stack):
        used = {colours[n] for n in adj[g] if n in colours}
        colours[g] = next(c for c in range(len(order) + 1) if c not in used)
    return colours


def short_label(grid: Grid) -> str:
    """The grid's number on the map: its 2-digit sequence once coded, else the draft number."""
    return grid.code[-2:] if grid.code else str(grid.number)


def outline_buffer(layout: Layout) -> float:
    """The buffer of the outlines: see :data:`OUTLINE_BUFFER_M`. A building's nearest other
    building is always one of its Delaunay neighbours; buildings at the same point are skipped."""
    nearest = []
    for b, near in layout.neighbours.items():
        apart = [d for d in (math.dist(layout.centre[b], layout.centre[n]) for n in near) if d > 0]
        if apart:
            nearest.append(min(apart))
    nearest.sort()
    if not nearest:
        return OUTLINE_BUFFER_M
    median = nearest[len(nearest) // 2]
    return min(max(_BUFFER_SHARE * median, OUTLINE_BUFFER_M), OUTLINE_BUFFER_MAX_M)


def map_data(layout: Layout, *, tiles: str = "") -> dict:
    """What ``map.json`` serves: grid outlines with label, colour and neighbours; buildings."""
    geo = is_geographic(layout, tiles)
    frame = _Frame(layout, geo)
    buffer = outline_buffer(layout)
    outlines = {
        g: buffered_hull([frame.building(b) for b in sorted(blds)], buffer)
        for g, blds in layout.buildings_of_grid.items()
    }
    adj = grid_adjacency(layout, outlines)
    order = [g.pk for g in layout.grids]
    colour_index = colour_grids(order, adj)
    colour = {g: PALETTE[c % len(PALETTE)] for g, c in colour_index.items()}
    grids = []
    for g in layout.grids:
        outline = outlines.get(g.pk, [])
        grids.append(
            {
                "id": g.pk,
                "label": g.label,
                "short": short_label(g),
                "households": g.households,
                "in_range": g.in_range,
                "warnings": g.warnings,
                "colour": colour[g.pk],
                "outline": [frame.show(v) for v in outline],
                "centre": frame.show(polygon_centroid(outline)) if outline else None,
                "neighbours": sorted(adj[g.pk]),
            }
        )
    labels = {g.pk: g.label for g in layout.grids}
    buildings: dict[tuple[int, int], dict] = {}
    for p in layout.pieces:
        b = p.building
        entry = buildings.setdefault(
            (b.pk, p.grid_id),
            {
                "building": b.pk,
                "name": f"{b.compound.name}{b.number}",
                "grid": p.grid_id,
                "grid_label": labels[p.grid_id],
                "colour": colour[p.grid_id],
                "at": frame.show(frame.building(b.pk)),
                "x": p.x,
                "y": p.y,
                "lon": b.lon,
                "lat": b.lat,
                "units": [],
                "households": 0,
            },
        )
        entry["units"].append(f"{p.unit.number}{floor_range(p)}")
        entry["households"] += p.households
    return {"geo": geo, "grids": grids, "buildings": list(buildings.values())}


def floor_range(piece: GridPiece) -> str:
    """ " 3–9层" for a floor range of a unit; "" for the whole unit."""
    whole = piece.floor_from == 1 and piece.floor_to >= (piece.unit.floors or piece.floor_to)
    return "" if whole else f" {piece.floor_from}–{piece.floor_to}层"


# --- the move dialog's checks ---------------------------------------------------------------


@dataclass
class MoveResult:
    """One grid after a move: its households, band and contiguity, and the building split."""

    grid: Grid
    households_before: int
    households: int
    in_range: bool
    contiguous: bool
    # Grids the moved building would lie in after the move (> 1: a split building).
    building_grids: int
    neighbour: bool = False
    distance_m: float = 0.0
    # The source grid keeps no piece: refresh_division deletes it.
    emptied: bool = False


def preview_move(layout: Layout, moved: list[GridPiece]) -> tuple[MoveResult, list[MoveResult]]:
    """What moving ``moved`` (pieces of one grid and one building) does to its grid and to each
    other grid, nearest first: neighbouring grids (a Delaunay neighbour of the building, or a
    grid already holding part of it), then the others by distance."""
    policy = layout.policy
    source = next(g for g in layout.grids if g.pk == moved[0].grid_id)
    building = moved[0].building_id
    moved_ids = {p.pk for p in moved}
    moved_h = sum(p.households for p in moved)
    staying = [p for p in layout.pieces if p.grid_id == source.pk and p.pk not in moved_ids]
    staying_blds = frozenset(p.building_id for p in staying)
    # The grids the building's other pieces stay in (moved pieces leave the source grid).
    elsewhere = {
        p.grid_id for p in layout.pieces if p.building_id == building and p.pk not in moved_ids
    }
    after_source = source.households - moved_h
    source_result = MoveResult(
        grid=source,
        households_before=source.households,
        households=after_source,
        in_range=after_source == 0 or policy.in_range(after_source),
        contiguous=layout.is_contiguous(staying_blds) if staying_blds else True,
        building_grids=len(elsewhere),
        emptied=not staying,
    )
    bx, by = layout.centre[building]
    near = layout.neighbours[building]
    out = []
    for g in layout.grids:
        if g.pk == source.pk:
            continue
        blds = layout.buildings_of_grid.get(g.pk, set())
        h = g.households + moved_h
        distance = min((math.dist((bx, by), layout.centre[b]) for b in blds), default=math.inf)
        out.append(
            MoveResult(
                grid=g,
                households_before=g.households,
                households=h,
                in_range=policy.in_range(h),
                contiguous=layout.is_contiguous(blds | {building}),
                building_grids=len(elsewhere | {g.pk}),
                neighbour=building in blds or bool(near & blds),
                distance_m=distance,
            )
        )
    order = {g.pk: k for k, g in enumerate(layout.grids)}
    out.sort(key=lambda r: (not r.neighbour, r.distance_m, order[r.grid.pk]))
    return source_result, out
