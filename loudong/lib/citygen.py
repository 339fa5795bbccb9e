"""Deterministic synthetic subdistrict (街道) generator, shaped like 池阳街道 in Guichi, Chizhou.

Django-free and numpy-free: one ``random.Random(seed)`` drives everything, so the same
``(households, seed)`` always gives the same city, byte for byte.

The city is a tree 街道 → 社区 (1,500–5,000 households each) → 小区 → 楼栋 → 单元 → 户. Compounds
come in five kinds (old walk-ups, mid-rises, towers, stacked villas, scattered single buildings),
are laid out as spatial clusters inside their community, and communities are neighbouring
regions of one plane (x east, y north, metres). Longitude/latitude are placed around Chizhou
(117.48 E, 30.66 N).

``households`` counts *actually resident* households — the seed divides by "按实际居民居住户数"
(000 §三.1) — so each unit has a total number of homes (floors × homes per floor) and an
occupied number (70–100 % of them). Home rows (房号 like "301", "1502") are produced lazily by
``Unit.homes()`` so a 500k-household city costs a few thousand objects, not half a million.

    python -m loudong.lib.citygen --households 50000 --seed 1 --out units.csv
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

DISTRICT_CODE = "341702"  # 贵池区
SUBDISTRICT_CODE = "001"  # 池阳街道
SUBDISTRICT_NAME = "池阳街道"
ORIGIN_LON = 117.48
ORIGIN_LAT = 30.66
UNIT_WIDTH = 13.0  # metres between the centres of neighbouring units (单元) of a slab building

COMMUNITY_WORDS = [
    "杏花村",
    "秋浦",
    "清溪",
    "百牙",
    "长江",
    "翠微",
    "齐山",
    "平天湖",
    "白洋",
    "东湖",
    "西湖",
    "南湖",
    "天堂湖",
    "九华",
    "昭明",
    "玉屏",
    "金桥",
    "永明",
    "碧山",
    "池阳",
    "秀山",
    "贵池",
    "梅龙",
    "乌沙",
    "江口",
    "牌楼",
    "墩上",
    "桃坡",
    "里山",
    "马衙",
    "涓桥",
    "棠溪",
    "殷汇",
    "牛头山",
    "观前",
    "唐田",
    "梅街",
    "刘街",
    "城西",
    "城东",
]
COMMUNITY_SUFFIXES = ["", "东", "西", "南", "北", "中", "新"]
COMPOUND_WORDS = [
    "阳光",
    "锦绣",
    "翠苑",
    "金色",
    "幸福",
    "和平",
    "康乐",
    "春晖",
    "丽景",
    "怡景",
    "滨江",
    "湖畔",
    "书香",
    "紫荆",
    "桂花",
    "香樟",
    "梧桐",
    "碧桂",
    "御景",
    "泰和",
    "安居",
    "福寿",
    "民生",
    "振兴",
    "百合",
    "兰亭",
    "清风",
    "明月",
    "朝阳",
    "瑞丰",
    "嘉禾",
    "华府",
    "天悦",
    "名都",
    "东方",
    "南山",
    "北苑",
    "西城",
    "秀水",
    "江南",
    "望湖",
    "听涛",
    "枫林",
    "盛世",
    "长安",
    "凤凰",
    "新华",
    "人民",
    "建设",
    "工农",
]
STREETS = [
    "长江路",
    "秋浦路",
    "翠微路",
    "百牙路",
    "九华路",
    "池州大道",
    "清溪大道",
    "平天湖路",
    "建设路",
    "人民路",
    "昭明路",
    "齐山大道",
    "白洋路",
    "清风路",
    "杏花村路",
]
COMPOUND_SUFFIX = {
    "old": ["新村", "小区", "宿舍"],
    "mid": ["花园", "家园", "苑", "雅居"],
    "tower": ["名都", "公馆", "华府", "国际"],
    "villa": ["别墅", "山庄", "庄园"],
}

# kind: floors, units per building, homes per floor, buildings per compound,
# row pitch (north-south), gap between buildings in a row, occupancy range, share of households
KINDS = {
    "old": dict(
        floors=(5, 7),
        units=(2, 4),
        per_floor=(2, 2),
        buildings=(6, 28),
        row_pitch=(26, 32),
        gap=(10, 16),
        occupancy=(0.80, 0.98),
        weight=0.40,
    ),
    "mid": dict(
        floors=(11, 18),
        units=(2, 3),
        per_floor=(2, 3),
        buildings=(4, 14),
        row_pitch=(38, 48),
        gap=(14, 20),
        occupancy=(0.72, 0.95),
        weight=0.27,
    ),
    "tower": dict(
        floors=(25, 33),
        units=(1, 2),
        per_floor=(3, 4),
        buildings=(3, 10),
        row_pitch=(55, 70),
        gap=(20, 30),
        occupancy=(0.70, 0.92),
        weight=0.18,
    ),
    "villa": dict(
        floors=(2, 3),
        units=(1, 1),
        per_floor=(1, 1),
        buildings=(24, 70),
        row_pitch=(22, 26),
        gap=(8, 12),
        occupancy=(0.70, 0.95),
        weight=0.04,
    ),
    # 零散楼栋: a few stand-alone walk-ups along a street, registered together as one 小区
    "scattered": dict(
        floors=(5, 7),
        units=(1, 3),
        per_floor=(2, 2),
        buildings=(1, 5),
        row_pitch=(26, 32),
        gap=(10, 16),
        occupancy=(0.80, 0.98),
        weight=0.06,
    ),
}


@dataclass(slots=True)
class Home:
    """One 户 (dwelling): room number like "301" or "1502", its floor, and whether anyone lives there."""

    room: str
    floor: int
    occupied: bool


@dataclass(slots=True)
class Unit:
    """A 单元 (stairwell) of a building: ``floors × per_floor`` homes, ``occupied`` of them lived in."""

    number: int
    floors: int
    per_floor: int
    occupied: int
    x: float
    y: float
    seed: int

    @property
    def label(self) -> str:
        return f"{self.number}单元"

    @property
    def homes_total(self) -> int:
        return self.floors * self.per_floor

    def homes(self) -> Iterator[Home]:
        """Yield every home of the unit, floor by floor; which ones are occupied is seeded."""
        total = self.homes_total
        rng = random.Random(self.seed)
        occupied = set(rng.sample(range(total), self.occupied)) if self.occupied < total else None
        index = 0
        for floor in range(1, self.floors + 1):
            for door in range(1, self.per_floor + 1):
                yield Home(f"{floor}{door:02d}", floor, occupied is None or index in occupied)
                index += 1


@dataclass(slots=True)
class Building:
    label: str
    floors: int
    x: float
    y: float
    lon: float
    lat: float
    units: list[Unit] = field(default_factory=list)

    @property
    def households(self) -> int:
        return sum(u.occupied for u in self.units)


@dataclass(slots=True)
class Compound:
    name: str
    kind: str
    x: float = 0.0
    y: float = 0.0
    buildings: list[Building] = field(default_factory=list)

    @property
    def households(self) -> int:
        return sum(b.households for b in self.buildings)


@dataclass(slots=True)
class Community:
    name: str
    code: str
    compounds: list[Compound] = field(default_factory=list)

    @property
    def households(self) -> int:
        return sum(c.households for c in self.compounds)


@dataclass(slots=True)
class City:
    name: str
    code: str
    seed: int
    communities: list[Community] = field(default_factory=list)

    @property
    def households(self) -> int:
        return sum(c.households for c in self.communities)

    def buildings(self) -> Iterator[tuple[Community, Compound, Building]]:
        for community in self.communities:
            for compound in community.compounds:
                for building in compound.buildings:
                    yield community, compound, building

    def units(self) -> Iterator[tuple[Community, Compound, Building, Unit]]:
        for community, compound, building in self.buildings():
            for unit in building.units:
                yield community, compound, building, unit

    def homes(self) -> Iterator[tuple[Community, Compound, Building, Unit, Home]]:
        """All homes, lazily (a 500k city yields ~600k rows without holding them)."""
        for community, compound, building, unit in self.units():
            for home in unit.homes():
                yield community, compound, building, unit, home


def _community_sizes(rng: random.Random, households: int) -> list[int]:
    sizes = []
    left = households
    while left > 5000:
        size = rng.randint(1500, 5000)
        if left - size < 1500:
            size = left // 2 if left <= 10000 else left - 1500
            size = max(1500, min(5000, size))
        sizes.append(size)
        left -= size
    if left > 0:
        sizes.append(left)
    return sizes


def _names(rng: random.Random, words: list[str], suffixes: list[str]) -> Iterator[str]:
    combos = [w + s for s in suffixes for w in words]
    rng.shuffle(combos)
    yield from combos
    n = 2
    while True:
        for c in combos:
            yield f"{c}{n}"
        n += 1


class _Builder:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.compound_names: set[str] = set()

    def compound_name(self, kind: str) -> str:
        rng = self.rng
        if kind == "scattered":
            base = f"{rng.choice(STREETS)}{rng.randint(1, 399)}号"
        else:
            base = rng.choice(COMPOUND_WORDS) + rng.choice(COMPOUND_SUFFIX[kind])
        name, n = base, 2
        while name in self.compound_names:
            name = f"{base}{'二三四五六七八九'[min(n - 2, 7)]}期" if n < 10 else f"{base}{n}期"
            n += 1
        self.compound_names.add(name)
        return name

    def compound(self, kind: str, budget: int) -> Compound:
        """A compound of ``kind`` whose occupied households stop at ``budget`` (exactly, if reached)."""
        rng = self.rng
        spec = KINDS[kind]
        n_buildings = rng.randint(*spec["buildings"])
        n_units_max = spec["units"][1]
        occupancy = rng.uniform(*spec["occupancy"])
        row_pitch = rng.uniform(*spec["row_pitch"])
        col_pitch = n_units_max * UNIT_WIDTH + rng.uniform(*spec["gap"])
        cols = max(1, round(math.sqrt(n_buildings * row_pitch / col_pitch)))
        if kind == "scattered":
            cols = n_buildings
        label_style = rng.random() < 0.5
        compound = Compound(self.compound_name(kind), kind)
        total = 0
        for i in range(n_buildings):
            floors = rng.randint(*spec["floors"])
            per_floor = rng.randint(*spec["per_floor"])
            n_units = rng.randint(*spec["units"])
            bx = (i % cols) * col_pitch + rng.uniform(-2.5, 2.5)
            by = (i // cols) * row_pitch + rng.uniform(-2.5, 2.5)
            number = i + 1
            label = f"{number}号楼" if label_style else f"{number}栋"
            building = Building(label, floors, bx, by, 0.0, 0.0)
            for u in range(1, n_units + 1):
                homes = floors * per_floor
                rate = min(1.0, max(0.70, occupancy + rng.uniform(-0.06, 0.06)))
                occupied = min(homes, max(0, round(homes * rate)))
                occupied = min(occupied, budget - total)
                ux = bx + (u - (n_units + 1) / 2) * UNIT_WIDTH
                building.units.append(
                    Unit(u, floors, per_floor, occupied, ux, by, rng.getrandbits(32))
                )
                total += occupied
            compound.buildings.append(building)
            if total >= budget:
                break
        return compound


def _shelf_pack(rng: random.Random, boxes: list[tuple[float, float]], gap: float):
    """Place boxes (w, h) in rows of a roughly square region; return offsets and the extent."""
    area = sum((w + gap) * (h + gap) for w, h in boxes)
    width = max(max(w for w, _ in boxes), math.sqrt(area) * 1.05)
    offsets = []
    x = y = row_h = 0.0
    max_w = 0.0
    for w, h in boxes:
        if x > 0 and x + w > width:
            y += row_h + gap * rng.uniform(0.9, 1.2)
            x = row_h = 0.0
        offsets.append((x, y))
        x += w + gap * rng.uniform(0.9, 1.2)
        row_h = max(row_h, h)
        max_w = max(max_w, x)
    return offsets, (max_w, y + row_h)


def _extent(compound: Compound) -> tuple[float, float, float, float]:
    xs = [u.x for b in compound.buildings for u in b.units] or [0.0]
    ys = [b.y for b in compound.buildings] or [0.0]
    return min(xs) - 8, min(ys) - 8, max(xs) + 8, max(ys) + 8


def _shift(compound: Compound, dx: float, dy: float) -> None:
    for b in compound.buildings:
        b.x += dx
        b.y += dy
        for u in b.units:
            u.x += dx
            u.y += dy


def generate_city(households: int, seed: int) -> City:
    """Build a 池阳街道-like subdistrict with exactly ``households`` occupied households."""
    if households < 0:
        raise ValueError("households must be >= 0")
    builder = _Builder(seed)
    rng = builder.rng
    city = City(SUBDISTRICT_NAME, DISTRICT_CODE + SUBDISTRICT_CODE, seed)
    names = _names(rng, COMMUNITY_WORDS, COMMUNITY_SUFFIXES)
    kinds = list(KINDS)
    # Kinds are drawn by household share, so weight by 1 / mean compound size.
    mean_size = {
        "old": 17 * 3 * 6 * 2 * 0.9,
        "mid": 9 * 2.5 * 14.5 * 2.5 * 0.85,
        "tower": 6.5 * 1.5 * 29 * 3.5 * 0.8,
        "villa": 47 * 2.5 * 0.8,
        "scattered": 3 * 2 * 6 * 2 * 0.9,
    }
    weights = [KINDS[k]["weight"] / mean_size[k] for k in kinds]
    community_boxes = []
    sizes = _community_sizes(rng, households)
    carry = 0
    for number, size in enumerate(sizes, start=1):
        community = Community(next(names) + "社区", f"{city.code}{number:03d}")
        size += carry
        last = number == len(sizes)
        total = 0
        # Stop a community early rather than end it with a truncated sliver of a compound; the
        # remainder goes to the next community, and only the city's last compound may be cut.
        while total < size and (last or size - total >= 150 or not community.compounds):
            kind = rng.choices(kinds, weights)[0]
            compound = builder.compound(kind, size - total)
            total += compound.households
            community.compounds.append(compound)
        carry = size - total
        rng.shuffle(community.compounds)
        boxes = []
        for compound in community.compounds:
            x0, y0, x1, y1 = _extent(compound)
            _shift(compound, -x0, -y0)
            boxes.append((x1 - x0, y1 - y0))
        offsets, extent = _shelf_pack(rng, boxes, gap=rng.uniform(18, 28))
        for compound, (dx, dy) in zip(community.compounds, offsets, strict=True):
            _shift(compound, dx, dy)
        community_boxes.append(extent)
        city.communities.append(community)
    if community_boxes:
        offsets, _ = _shelf_pack(rng, community_boxes, gap=40.0)
        metres_lon = 111320.0 * math.cos(math.radians(ORIGIN_LAT))
        for community, (dx, dy) in zip(city.communities, offsets, strict=True):
            for compound in community.compounds:
                _shift(compound, dx, dy)
                bx = [b.x for b in compound.buildings]
                by = [b.y for b in compound.buildings]
                compound.x = round(sum(bx) / len(bx), 1)
                compound.y = round(sum(by) / len(by), 1)
                for b in compound.buildings:
                    b.x, b.y = round(b.x, 1), round(b.y, 1)
                    b.lon = round(ORIGIN_LON + b.x / metres_lon, 6)
                    b.lat = round(ORIGIN_LAT + b.y / 110540.0, 6)
                    for u in b.units:
                        u.x, u.y = round(u.x, 1), round(u.y, 1)
    return city


UNITS_CSV_HEADER = ["community", "compound", "building", "unit", "households", "floors", "x", "y"]


def write_units_csv(city: City, path: str) -> None:
    """Write the ``loudong divide`` input: one row per unit, households = occupied households."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(UNITS_CSV_HEADER)
        for community, compound, building, unit in city.units():
            writer.writerow(
                [
                    community.name,
                    compound.name,
                    building.label,
                    unit.label,
                    unit.occupied,
                    unit.floors,
                    f"{unit.x:.1f}",
                    f"{unit.y:.1f}",
                ]
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m loudong.lib.citygen", description="生成模拟街道并写出单元 CSV"
    )
    parser.add_argument("--households", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    city = generate_city(args.households, args.seed)
    write_units_csv(city, args.out)
    print(
        f"{city.name}: {len(city.communities)} 个社区, {city.households} 户 → {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
