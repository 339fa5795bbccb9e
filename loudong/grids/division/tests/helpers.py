"""Plain ``make_*`` helpers for the division tests (no factories, no Django)."""

from __future__ import annotations

from collections import defaultdict

from loudong.grids.division import Unit


def make_city_units(households: int, seed: int = 1) -> list[Unit]:
    from loudong.lib.citygen import generate_city

    city = generate_city(households, seed)
    return [
        Unit(c.name, cp.name, b.label, u.label, u.occupied, u.floors, u.x, u.y)
        for c, cp, b, u in city.units()
    ]


def make_building(
    community: str,
    compound: str,
    building: str,
    households: list[int],
    x: float,
    y: float,
    floors: int = 6,
) -> list[Unit]:
    """One building with a unit per entry of ``households``, units 13 m apart along x."""
    return [
        Unit(community, compound, building, f"{k}单元", h, floors, x + 13 * (k - 1), y)
        for k, h in enumerate(households, start=1)
    ]


def grid_members(pieces) -> dict[str, frozenset]:
    out = defaultdict(set)
    for p in pieces:
        out[p.grid].add(
            (p.community, p.compound, p.building, p.unit, p.floor_from, p.floor_to, p.households)
        )
    return {g: frozenset(v) for g, v in out.items()}


def households_by_unit(pieces) -> dict[tuple, int]:
    out: dict[tuple, int] = defaultdict(int)
    for p in pieces:
        out[p.unit_key] += p.households
    return dict(out)
