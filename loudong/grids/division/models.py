"""Dataclasses in and out of the division engine (no Django: STYLE.md item 9)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache

_DIGITS = re.compile(r"(\d+)")


@lru_cache(maxsize=65536)
def natural_key(text: str) -> tuple:
    """Sort key that puts "2号楼" before "10号楼" and compares the rest as text."""
    parts = _DIGITS.split(text)
    return tuple((0, int(p), p) if i % 2 else (1, 0, p) for i, p in enumerate(parts))


@dataclass(frozen=True, slots=True)
class Unit:
    """One 单元 of the registry: its *occupied* households (实际居民居住户数), floors and position.

    ``x`` and ``y`` are metres in a local plane (east, north); ``None`` when the registry has no
    position (the engine then places the unit by its building, compound or community — see
    ``geometry.place_missing`` — and the report counts it).
    """

    community: str
    compound: str
    building: str
    unit: str
    households: int
    floors: int
    x: float | None
    y: float | None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.community, self.compound, self.building, self.unit)


@dataclass(frozen=True, slots=True)
class Piece:
    """A whole unit (floor_from=1, floor_to=floors) or a floor range of one, assigned to a grid."""

    community: str
    compound: str
    building: str
    unit: str
    floor_from: int
    floor_to: int
    households: int
    grid: str

    @property
    def unit_key(self) -> tuple[str, str, str, str]:
        return (self.community, self.compound, self.building, self.unit)


@dataclass(frozen=True)
class Policy:
    """Division rules of a policy profile.

    ``chiyang`` comes from seed 000 §三.1: "按实际居民居住户数每 80 户左右划分一个网格" — target 80,
    accepted 60–100 (default band); grids cross a 小区 only when they must. ``changchun`` (seed 004)
    sizes grids at 400–700 households (target 550) and never splits a building.
    """

    name: str
    target: int
    lower: int
    upper: int
    # A building above the upper bound may be divided between grids at unit (单元) boundaries.
    allow_building_split: bool = True
    # A unit above the upper bound may be cut into floor ranges.
    allow_unit_floor_split: bool = True
    # Cost of a grid that spans two 小区 (relative to an out-of-band grid, which costs ~1000).
    compound_cross_penalty: float = 950.0
    # Cost of a grid taking in a whole compound that is below the lower bound on its own.
    tiny_compound_cross_penalty: float = 20.0
    # Cost of splitting a building that fits in one grid ("needless split"); only the repair of
    # a grid that is otherwise left outside the band may pay it. Negative: never.
    needless_split_penalty: float = 940.0
    # Street-wide share of buildings that may be split needlessly, and of grids that may span two
    # compounds (the quality bars are 0.5 % and 5 %; keep a margin). See engine._allocate.
    needless_split_budget_pct: float = 0.48
    compound_cross_budget_pct: float = 4.9
    compactness_weight: float = 3.0
    deviation_weight: float = 8.0

    def __post_init__(self):
        if not (0 < self.lower <= self.target <= self.upper):
            raise ValueError(
                f"划分参数无效：需要 0 < 下限({self.lower}) ≤ 目标({self.target}) ≤ 上限({self.upper})"
            )

    @classmethod
    def from_dict(cls, data: dict) -> Policy:
        """Build from profile JSON: flat, or with the numbers under a "division" key.

        Accepts ``target``/``lower``/``upper`` (also ``min``/``max``), ``allow_building_split``,
        ``allow_unit_floor_split`` and the cost weights; other keys of the profile are ignored.
        """
        if not isinstance(data, dict):
            raise ValueError("划分参数必须是 JSON 对象")
        section = data.get("division") if isinstance(data.get("division"), dict) else data
        values = dict(section)
        values.setdefault("name", data.get("name", "custom"))
        if "lower" not in values and "min" in values:
            values["lower"] = values["min"]
        if "upper" not in values and "max" in values:
            values["upper"] = values["max"]
        missing = [k for k in ("target", "lower", "upper") if k not in values]
        if missing:
            raise ValueError("划分参数缺少：" + ", ".join(missing))
        kwargs = {}
        for f in fields(cls):
            if f.name not in values:
                continue
            v = values[f.name]
            if f.name in ("target", "lower", "upper"):
                if isinstance(v, bool) or not isinstance(v, int | float) or v != int(v):
                    raise ValueError(f"划分参数 {f.name} 必须是整数")
                v = int(v)
            elif f.name.startswith("allow_"):
                v = bool(v)
            elif f.name != "name":
                v = float(v)
            kwargs[f.name] = v
        return cls(**kwargs)

    def to_dict(self) -> dict:
        return asdict(self)

    def in_range(self, households: int) -> bool:
        return self.lower <= households <= self.upper


POLICIES: dict[str, Policy] = {
    "chiyang": Policy(name="chiyang", target=80, lower=60, upper=100),
    "changchun": Policy(
        name="changchun",
        target=550,
        lower=400,
        upper=700,
        allow_building_split=False,
        allow_unit_floor_split=False,
        compound_cross_penalty=0.5,
        tiny_compound_cross_penalty=0.5,
        needless_split_penalty=-1.0,
        compound_cross_budget_pct=100.0,
    ),
}


def get_policy(policy: str | dict | Policy) -> Policy:
    """A built-in policy by name, a profile dict, or a Policy (returned as is)."""
    if isinstance(policy, Policy):
        return policy
    if isinstance(policy, dict):
        return Policy.from_dict(policy)
    try:
        return POLICIES[policy]
    except KeyError:
        raise ValueError(f"未知的划分方案：{policy}（可选：{', '.join(POLICIES)}）") from None


@dataclass
class Grid:
    """One grid of a division with, when its size is outside the band, the reason in both languages."""

    id: str
    community: str
    compounds: list[str]
    buildings: int
    households: int
    in_range: bool
    reason_zh: str = ""
    reason_en: str = ""


@dataclass
class Division:
    policy: Policy
    pieces: list[Piece]
    grids: list[Grid]
    metrics: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # How many positions were missing (and placed) or shared by several buildings.
    positions: dict = field(default_factory=dict)

    def report(self) -> dict:
        """JSON-ready report: policy, summary metrics, positions missing or shared, and each
        out-of-range grid explained."""
        return {
            "policy": self.policy.to_dict(),
            "summary": self.metrics,
            "positions": self.positions,
            "warnings": self.warnings,
            "out_of_range": [
                {
                    "grid": g.id,
                    "community": g.community,
                    "compounds": g.compounds,
                    "households": g.households,
                    "reason_zh": g.reason_zh,
                    "reason_en": g.reason_en,
                }
                for g in self.grids
                if not g.in_range
            ],
        }
