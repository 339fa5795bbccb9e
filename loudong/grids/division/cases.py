"""Inputs for the division benchmark and tests: a second city generator and pathological cases.

``loudong.lib.citygen`` draws 池阳-like cities (compounds on near-regular lattices). The quality
bars hold "on any seed of any reasonable generator", so ``patchwork_city`` draws cities with other
layout statistics: irregular compounds (buildings scattered in rotated ellipses, rotated slab
rows), towers mixed with walk-ups inside one compound, villages of 1–2-household houses, clusters
of compounds and sparse outskirts; and ``blocks_city`` a third: a street grid of blocks, one
compound each, its stock of one era (tower units near the band's bounds, urban villages). The pathological cases (``CASES``) are the registry shapes of
issue 11: towers and fat units above the upper bound, a villa field, tiny compounds, every
building of a compound at the compound's point, two compounds stacked on one point, missing
positions (some, or all), vacant units, a community needing more than 99 grids.

Everything is deterministic for a given seed (one ``random.Random``) and returns ``Unit`` lists.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict

from .models import Unit

UNIT_WIDTH = 13.0


# --------------------------------------------------------------------------------------------
# second generator


def _spread(rng: random.Random, n: int, rx: float, ry: float, gap: float) -> list[tuple]:
    """Up to ``n`` points in an ellipse of radii rx, ry, at least ``gap`` apart (rejection)."""
    pts: list[tuple[float, float]] = []
    tries = 0
    while len(pts) < n and tries < n * 60:
        tries += 1
        r = math.sqrt(rng.random())
        a = rng.uniform(0, 2 * math.pi)
        x, y = rx * r * math.cos(a), ry * r * math.sin(a)
        if all((x - p) ** 2 + (y - q) ** 2 >= gap * gap for p, q in pts):
            pts.append((x, y))
    return pts


def _building(rng, kind: str) -> tuple[int, int, int]:
    """(units, floors, homes per floor) of one building of ``kind``."""
    if kind == "tower":
        return rng.randint(1, 3), rng.randint(24, 34), rng.randint(2, 4)
    if kind == "walkup":
        return rng.randint(1, 4), rng.randint(4, 7), 2
    if kind == "slab":
        return rng.randint(4, 8), rng.randint(6, 11), 2
    if kind == "house":
        return 1, rng.randint(1, 3), 1
    return rng.randint(1, 3), rng.randint(5, 12), rng.randint(2, 3)  # "single"


def _compound(rng: random.Random, kind: str) -> list[tuple[str, float, float, float]]:
    """Buildings of one compound: (building kind, x, y, angle) around (0, 0)."""
    if kind == "estate":  # towers and walk-ups mixed, scattered
        n = rng.randint(5, 40)
        pts = _spread(rng, n, 25 * math.sqrt(n) * rng.uniform(0.8, 1.6), 25 * math.sqrt(n), 30)
        tower_share = rng.uniform(0.0, 0.7)
        ang = rng.uniform(0, math.pi)
        return [
            ("tower" if rng.random() < tower_share else "walkup", x, y, ang + rng.gauss(0, 0.2))
            for x, y in pts
        ]
    if kind == "village":
        n = rng.randint(10, 90)
        out = []
        for _ in range(rng.randint(1, 4)):  # hamlets
            cx, cy = rng.gauss(0, 80), rng.gauss(0, 80)
            for x, y in _spread(rng, n // 2 + 1, 60, 45, 12):
                out.append(("house", cx + x, cy + y, rng.uniform(0, math.pi)))
        return out[:n]
    if kind == "slab":  # rotated rows of long slabs
        rows, cols = rng.randint(1, 5), rng.randint(1, 3)
        ang = rng.uniform(0, math.pi)
        ca, sa = math.cos(ang), math.sin(ang)
        out = []
        for r in range(rows):
            for c in range(cols):
                x, y = c * 120.0 + rng.uniform(-4, 4), r * 35.0 + rng.uniform(-3, 3)
                out.append(("slab", x * ca - y * sa, x * sa + y * ca, ang))
        return out
    return [("single", 0.0, 0.0, rng.uniform(0, math.pi))]


KIND_WEIGHTS = {"estate": 0.5, "slab": 0.25, "village": 0.1, "single": 0.15}


def patchwork_city(households: int, seed: int) -> list[Unit]:
    """A city of about ``households`` occupied households with patchwork layout statistics."""
    rng = random.Random(seed * 7919 + 17)
    units: list[Unit] = []
    left = households
    community = 0
    origin_x = 0.0
    row_y = 0.0
    row_h = 0.0
    while left > 0:
        community += 1
        size = min(left, rng.randint(1200, 6500))
        if 0 < left - size < 1000:
            size = left
        left -= size
        cname = f"片区{community:03d}社区"
        # cluster centres inside the community box, plus sparse outskirts
        box = 300 + 22 * math.sqrt(size)
        centres = [(rng.uniform(0, box), rng.uniform(0, box)) for _ in range(rng.randint(1, 4))]
        placed: list[tuple[float, float, float]] = []  # compound centres and radii
        total = 0
        k = 0
        while total < size:
            k += 1
            kind = rng.choices(list(KIND_WEIGHTS), list(KIND_WEIGHTS.values()))[0]
            blds = _compound(rng, kind)
            rad = max(30.0, max(math.hypot(x, y) for _, x, y, _ in blds) + 25)
            for _attempt in range(40):
                if rng.random() < 0.75:
                    cx, cy = rng.choice(centres)
                    x0, y0 = cx + rng.gauss(0, box / 5), cy + rng.gauss(0, box / 5)
                else:
                    x0, y0 = rng.uniform(-box / 4, box * 1.25), rng.uniform(-box / 4, box * 1.25)
                if all(math.hypot(x0 - p, y0 - q) > rad + r2 for p, q, r2 in placed):
                    break
            placed.append((x0, y0, rad))
            comp = f"{'甲乙丙丁戊己庚辛'[k % 8]}{k}号院" if kind != "village" else f"{k}组村落"
            occupancy = rng.uniform(0.6, 1.0)
            for b, (bkind, bx, by, ang) in enumerate(blds, start=1):
                n_units, floors, per_floor = _building(rng, bkind)
                ca, sa = math.cos(ang), math.sin(ang)
                for u in range(1, n_units + 1):
                    off = (u - (n_units + 1) / 2) * UNIT_WIDTH
                    homes = floors * per_floor
                    occ = min(
                        homes, max(0, round(homes * min(1.0, occupancy + rng.gauss(0, 0.08))))
                    )
                    occ = min(occ, size - total)
                    units.append(
                        Unit(
                            cname,
                            comp,
                            f"{b}幢",
                            f"{u}单元",
                            occ,
                            floors,
                            round(origin_x + x0 + bx + off * ca, 1),
                            round(row_y + y0 + by + off * sa, 1),
                        )
                    )
                    total += occ
                if total >= size:
                    break
        # communities on shelves, 4 to a row
        origin_x += box * 1.6 + 80
        row_h = max(row_h, box * 1.6)
        if community % 4 == 0:
            origin_x = 0.0
            row_y += row_h + 80
            row_h = 0.0
    return units


# --------------------------------------------------------------------------------------------
# third generator

# Building stock of a street block by the era it was built in: (weight, units, floors, homes
# per floor, spacing along and across the rows in metres). A 单位大院 mixes the first three.
ERAS = {
    "walkup": (30, (2, 4), (5, 7), (2, 2), 14, 28),
    "midrise": (20, (1, 3), (9, 12), (2, 3), 16, 40),
    "tower": (15, (1, 2), (18, 33), (2, 4), 30, 55),
    "urban_village": (15, (1, 1), (3, 6), (1, 2), 9, 11),
    "villa": (8, (1, 1), (2, 3), (1, 1), 20, 22),
    "work_unit": (12, None, None, None, 0, 0),
}


def _era_building(rng: random.Random, era: str) -> tuple[int, int, int]:
    if era == "work_unit":
        era = rng.choice(["walkup", "walkup", "midrise", "tower"])
    _w, units, floors, per_floor, _sx, _sy = ERAS[era]
    return rng.randint(*units), rng.randint(*floors), rng.randint(*per_floor)


def blocks_city(households: int, seed: int) -> list[Unit]:
    """A city of about ``households`` occupied households on a street grid: each block one
    compound (120–320 m by 100–260 m, turned by up to 0.3 rad, so neighbouring blocks may
    interleave), its buildings in rows, of one era's stock — walk-ups, mid-rises, towers whose
    units hold 36–132 households, an urban village of 1–12-household houses, villas, or a
    work unit's mix — and 50–100 % occupied. Communities of 2,500–9,000 households."""
    rng = random.Random(seed * 104729 + 3)
    units: list[Unit] = []
    left = households
    community = 0
    eras, weights = list(ERAS), [v[0] for v in ERAS.values()]
    while left > 0:
        community += 1
        size = min(left, rng.randint(2500, 9000))
        left -= size
        cname = f"第{community:03d}社区"
        ox, oy = (community % 10) * 2600.0, (community // 10) * 2600.0
        total = 0
        block = 0
        while total < size:
            block += 1
            era = rng.choices(eras, weights)[0]
            w, h = rng.uniform(120, 320), rng.uniform(100, 260)
            x0 = ox + (block % 8) * 330.0 + rng.uniform(-5, 5)
            y0 = oy + (block // 8) * 280.0 + rng.uniform(-5, 5)
            ca, sa = math.cos(ang := rng.uniform(-0.3, 0.3)), math.sin(ang)
            comp = f"{block}组" if era == "urban_village" else f"{block}号小区"
            occupancy = rng.uniform(0.5, 1.0)
            _w, _u, _f, _p, sx, sy = ERAS["walkup" if era == "work_unit" else era]
            b = 0
            yy = 10.0
            while yy < h and total < size:
                xx = 10.0
                while xx < w and total < size:
                    n_units, floors, per_floor = _era_building(rng, era)
                    b += 1
                    for u in range(n_units):
                        px = xx + u * UNIT_WIDTH
                        homes = floors * per_floor
                        occ = round(homes * min(1.0, occupancy + rng.gauss(0, 0.1)))
                        occ = min(max(0, min(homes, occ)), size - total)
                        x = round(x0 + px * ca - yy * sa, 1)
                        y = round(y0 + px * sa + yy * ca, 1)
                        units.append(Unit(cname, comp, f"{b}栋", f"{u + 1}单元", occ, floors, x, y))
                        total += occ
                    xx += max(sx, n_units * UNIT_WIDTH + 6)
                yy += sy
    return units


# --------------------------------------------------------------------------------------------
# transformations of a city


def citygen_units(households: int, seed: int) -> list[Unit]:
    from loudong.lib.citygen import generate_city

    city = generate_city(households, seed)
    return [
        Unit(c.name, cp.name, b.label, u.label, u.occupied, u.floors, u.x, u.y)
        for c, cp, b, u in city.units()
    ]


def _compound_centres(units: list[Unit]) -> dict[tuple, tuple[float, float]]:
    pts: dict[tuple, list] = defaultdict(list)
    for u in units:
        pts[(u.community, u.compound)].append((u.x, u.y))
    return {
        k: (round(sum(p[0] for p in v) / len(v), 1), round(sum(p[1] for p in v) / len(v), 1))
        for k, v in pts.items()
    }


def at_compound_point(units: list[Unit]) -> list[Unit]:
    """Every unit of every building at its compound's centre (one geocoded point per 小区)."""
    c = _compound_centres(units)
    return [_moved(u, *c[(u.community, u.compound)]) for u in units]


def stacked_compounds(units: list[Unit]) -> list[Unit]:
    """One point per compound, and every second compound of a community moved onto the point of
    the compound before it (two compounds geocoded to one address)."""
    c = _compound_centres(units)
    order: dict[str, list] = defaultdict(list)
    for key in c:
        order[key[0]].append(key)
    target = {}
    for keys in order.values():
        for i, key in enumerate(keys):
            target[key] = c[keys[i - 1]] if i % 2 == 1 else c[key]
    return [_moved(u, *target[(u.community, u.compound)]) for u in units]


def missing_positions(units: list[Unit], share: float = 0.3, seed: int = 5) -> list[Unit]:
    """Positions removed from ``share`` of the buildings, and from every building of one compound
    in ten (a compound the registry never geocoded)."""
    rng = random.Random(seed)
    comps = sorted({(u.community, u.compound) for u in units})
    dark = {k for i, k in enumerate(comps) if i % 10 == 3}
    blds = sorted({u.key[:3] for u in units})
    gone = {b for b in blds if rng.random() < share or b[:2] in dark}
    return [_moved(u, None, None) if u.key[:3] in gone else u for u in units]


def vacant_units(units: list[Unit], share: float = 0.1, seed: int = 6) -> list[Unit]:
    """``share`` of the units with no resident household (空置), some whole buildings among them."""
    rng = random.Random(seed)
    out = []
    for u in units:
        if rng.random() < share or hash_key(u.key[:3]) % 40 == 0:
            u = Unit(*u.key, 0, u.floors, u.x, u.y)
        out.append(u)
    return out


def hash_key(key: tuple) -> int:
    """A stable (unsalted) hash of a tuple of strings."""
    h = 0
    for part in key:
        for ch in part:
            h = (h * 131 + ord(ch)) % 1_000_003
    return h


def building_per_compound_every_fifth(units: list[Unit]) -> list[Unit]:
    """In every fifth community each building is its own compound (registries that record no
    小区 for scattered 自建房 or old streets)."""
    comms = sorted({u.community for u in units})
    fifth = {c for i, c in enumerate(comms) if i % 5 == 0}
    return [
        Unit(
            u.community,
            f"{u.compound}{u.building}",
            u.building,
            u.unit,
            u.households,
            u.floors,
            u.x,
            u.y,
        )
        if u.community in fifth
        else u
        for u in units
    ]


def _moved(u: Unit, x, y) -> Unit:
    return Unit(u.community, u.compound, u.building, u.unit, u.households, u.floors, x, y)


# --------------------------------------------------------------------------------------------
# stand-alone pathological communities


def villa_field(n: int = 4000, seed: int = 3) -> list[Unit]:
    """``n`` villas of one household each in one compound, on a jittered lattice."""
    rng = random.Random(seed)
    cols = round(math.sqrt(n * 24 / 20))
    return [
        Unit(
            "别墅社区",
            "碧桂园",
            f"{i + 1}号别墅",
            "1单元",
            1,
            3,
            round((i % cols) * 20.0 + rng.uniform(-2, 2), 1),
            round((i // cols) * 24.0 + rng.uniform(-2, 2), 1),
        )
        for i in range(n)
    ]


def tiny_compounds(n: int = 3000, low: int = 1, high: int = 1, seed: int = 4) -> list[Unit]:
    """``n`` compounds of ``low``–``high`` households (one to three buildings each), scattered
    over one community like 自建房 or villas each registered as its own 院."""
    rng = random.Random(seed)
    side = 40.0 * math.sqrt(n) * (1 if high == 1 else 1.6)
    out = []
    for k in range(n):
        h = rng.randint(low, high)
        x0, y0 = rng.uniform(0, side), rng.uniform(0, side)
        n_b = 1 if h < 3 else rng.randint(1, 3)
        shares = [h // n_b + (1 if i < h % n_b else 0) for i in range(n_b)]
        for b, hh in enumerate(shares, start=1):
            out.append(
                Unit(
                    "散居社区",
                    f"{k + 1}号院",
                    f"{b}号",
                    "1单元",
                    hh,
                    2,
                    round(x0 + 15.0 * (b - 1), 1),
                    round(y0 + rng.uniform(-3, 3), 1),
                )
            )
    return out


def towers(seed: int = 8) -> list[Unit]:
    """A compound of towers: some above the upper bound of both policies (≈ 800 households),
    some with one unit above chiyang's bound (fat units), beside walk-ups."""
    rng = random.Random(seed)
    out = []
    for b in range(12):
        big = b % 3 == 0
        n_units = 3 if big else 2
        floors = 33 if big else 18
        for u in range(1, n_units + 1):
            per_floor = 9 if big else 3
            hh = round(floors * per_floor * rng.uniform(0.85, 0.95))
            out.append(
                Unit(
                    "高层社区",
                    "国际华府",
                    f"{b + 1}栋",
                    f"{u}单元",
                    hh,
                    floors,
                    (b % 4) * 70.0 + u * 13.0,
                    (b // 4) * 60.0,
                )
            )
    for b in range(10):  # walk-ups next door
        for u in range(1, 4):
            out.append(
                Unit(
                    "高层社区",
                    "老街新村",
                    f"{b + 1}号楼",
                    f"{u}单元",
                    11,
                    6,
                    400.0 + (b % 2) * 60 + u * 13,
                    (b // 2) * 28.0,
                )
            )
    return out


def fat_units(seed: int = 9) -> list[Unit]:
    """Single-unit point towers whose one unit exceeds the upper bound (cut by floors under
    chiyang; never under changchun)."""
    rng = random.Random(seed)
    return [
        Unit(
            "塔楼社区",
            "天悦公馆",
            f"{b + 1}栋",
            "1单元",
            rng.randint(180, 760),
            33,
            (b % 5) * 50.0,
            (b // 5) * 50.0,
        )
        for b in range(15)
    ]


def one_big_community(units: list[Unit]) -> list[Unit]:
    """Every unit in one community (a 社区 of this size needs more than 99 grids)."""
    return [
        Unit(
            "超大社区",
            f"{u.community}{u.compound}",
            u.building,
            u.unit,
            u.households,
            u.floors,
            u.x,
            u.y,
        )
        for u in units
    ]


def _case_list():
    """(name, description, builder) of every pathological case, small enough for the bench."""
    return [
        ("tower", "towers > upper bound", lambda: towers()),
        ("fat_unit", "single units > upper bound", lambda: fat_units()),
        ("villa_field", "4,000 villas in one compound", lambda: villa_field()),
        ("single_household", "3,000 one-household compounds", lambda: tiny_compounds(3000, 1, 1)),
        ("small_compounds", "compounds of 5–15 households", lambda: tiny_compounds(400, 5, 15)),
        (
            "compound_point",
            "every building at its compound's point (citygen 500k)",
            lambda: at_compound_point(citygen_units(500_000, 1)),
        ),
        (
            "stacked",
            "two compounds per point (citygen 500k)",
            lambda: stacked_compounds(citygen_units(500_000, 1)),
        ),
        (
            "missing",
            "30 % of buildings and 1 compound in 10 without position (citygen 500k)",
            lambda: missing_positions(citygen_units(500_000, 1)),
        ),
        (
            "no_position",
            "no building with a position at all (citygen 500k)",
            lambda: missing_positions(citygen_units(500_000, 1), share=1.0),
        ),
        (
            "vacant",
            "10 % of units with 0 households (citygen 500k)",
            lambda: vacant_units(citygen_units(500_000, 1)),
        ),
        (
            "tiny_fifth",
            "every fifth community: one compound per building (citygen 500k)",
            lambda: building_per_compound_every_fifth(citygen_units(500_000, 1)),
        ),
        (
            "over_99",
            "one community of 10,000 households",
            lambda: one_big_community(citygen_units(10_000, 2)),
        ),
    ]


CASES = {name: (desc, build) for name, desc, build in _case_list()}


def write_units_csv(units: list[Unit], path: str) -> None:
    """The ``loudong divide`` input; a missing position is written as empty x, y cells."""
    import csv

    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["community", "compound", "building", "unit", "households", "floors", "x", "y"]
        )
        for u in units:
            xy = ["", ""] if u.x is None or u.y is None else [f"{u.x:.1f}", f"{u.y:.1f}"]
            writer.writerow(
                [u.community, u.compound, u.building, u.unit, u.households, u.floors, *xy]
            )
