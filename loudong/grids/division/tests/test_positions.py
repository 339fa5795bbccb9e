"""Registry shapes of issue 11: shared and missing positions, tiny compounds, villa fields."""

import contextlib
import io
import json
import os
import random
import tempfile
import unittest

from loudong.grids.division import Unit, compute_metrics, divide
from loudong.grids.division.cases import tiny_compounds, villa_field
from loudong.grids.division.cli import IN_COLUMNS, main
from loudong.grids.division.geometry import place_missing, site_graph
from loudong.grids.division.tests.helpers import households_by_unit, make_building


def compound_at_one_point(community, compound, sizes, x, y):
    """Buildings of one compound, every unit geocoded to the compound's point."""
    return [
        Unit(community, compound, f"{k}号楼", f"{u}单元", h, 6, x, y)
        for k, units in enumerate(sizes, start=1)
        for u, h in enumerate(units, start=1)
    ]


class SharedPositionTestCase(unittest.TestCase):
    def test_it_makes_buildings_at_one_point_adjacent_to_each_other_and_its_neighbours(self):
        centres = [(0.0, 0.0), (0.0, 0.0), (0.0, 0.0), (100.0, 0.0), (0.0, 100.0), (300.0, 300.0)]
        for exact in (False, True):
            site, adj = site_graph(centres, exact=exact)
            self.assertEqual(site[:3], [0, 0, 0])
            self.assertEqual(len(adj), 4)  # four distinct points
            self.assertIn(site[3], adj[0])
            self.assertIn(site[4], adj[0])

    def test_it_divides_compounds_whose_buildings_share_the_compound_point(self):
        units = []
        for k in range(6):  # six compounds of 8 walk-ups of ~40 households, one point each
            units += compound_at_one_point(
                "A社区", f"{k + 1}号小区", [[14, 13, 13]] * 8, (k % 3) * 200.0, (k // 3) * 150.0
            )
        division = divide(units, "chiyang")
        m = division.metrics
        self.assertEqual(m["grids_in_range_pct"], 100.0)
        self.assertEqual(m["contiguous_pct"], 100.0)
        self.assertEqual(m["buildings_split"], 0)
        self.assertEqual(division.positions["buildings_at_shared_position"], 48)
        self.assertEqual(m["buildings_at_shared_position"], 48)

    def test_it_divides_two_compounds_stacked_on_one_point(self):
        units = compound_at_one_point("A社区", "甲小区", [[15, 15]] * 5, 0.0, 0.0)
        units += compound_at_one_point("A社区", "乙小区", [[15, 15]] * 5, 0.0, 0.0)
        units += compound_at_one_point("A社区", "丙小区", [[15, 15]] * 4, 150.0, 0.0)
        m = divide(units, "chiyang").metrics
        self.assertEqual(m["grids_in_range_pct"], 100.0)
        self.assertEqual(m["contiguous_pct"], 100.0)


class MissingPositionTestCase(unittest.TestCase):
    def test_it_places_buildings_without_a_position_by_compound(self):
        units = make_building("A社区", "甲小区", "1号楼", [20, 20], x=0.0, y=0.0)
        units += make_building("A社区", "甲小区", "2号楼", [20, 20], x=0.0, y=40.0)
        units += [Unit("A社区", "甲小区", "3号楼", "1单元", 20, 6, None, None)]
        units += [Unit("A社区", "乙小区", "1号楼", "1单元", 30, 6, None, None)]
        placed, counts = place_missing(units)
        self.assertEqual(placed[4], (6.5, 20.0))  # the compound's centre
        self.assertEqual(placed[5], (6.5, 20.0))  # no position in 乙小区: the community's
        self.assertEqual(
            counts,
            {
                "units_without_position": 2,
                "buildings_without_position": 2,
                "compounds_without_position": 1,
            },
        )

    def test_it_divides_a_compound_with_no_positions_in_building_number_order(self):
        units = [
            Unit("A社区", "老街", f"{k}号楼", "1单元", 20, 6, None, None) for k in range(1, 13)
        ]
        random.Random(1).shuffle(units)
        division = divide(units, "chiyang")
        self.assertEqual(division.metrics["grids_in_range_pct"], 100.0)
        self.assertEqual(division.positions["buildings_without_position"], 12)
        grids = {}
        for p in division.pieces:
            grids.setdefault(p.grid, []).append(int(p.building.removesuffix("号楼")))
        runs = sorted(sorted(v) for v in grids.values())
        self.assertEqual(runs, [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])
        self.assertTrue(any("没有坐标" in w for w in division.warnings))

    def test_the_cli_accepts_empty_coordinates_and_reports_them(self):
        rows = [",".join(IN_COLUMNS)]
        for k in range(1, 9):
            xy = ",," if k % 2 else f",{k * 20},0"
            rows.append(f"A社区,幸福小区,{k}号楼,1单元,20,6{xy}")
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "in.csv")
            with open(src, "w", encoding="utf-8") as fh:
                fh.write("\n".join(rows) + "\n")
            out, rep = os.path.join(tmp, "out.csv"), os.path.join(tmp, "r.json")
            with contextlib.redirect_stderr(io.StringIO()):
                status = main(
                    ["--policy", "chiyang", "--units", src, "--out", out, "--report", rep]
                )
            self.assertEqual(status, 0)
            with open(rep, encoding="utf-8") as fh:
                report = json.load(fh)
        self.assertEqual(report["positions"]["buildings_without_position"], 4)
        self.assertEqual(report["summary"]["buildings_without_position"], 4)
        self.assertEqual(report["summary"]["contiguous_pct"], 100.0)


class TinyCompoundTestCase(unittest.TestCase):
    def test_it_merges_single_household_compounds_however_many_it_takes(self):
        units = tiny_compounds(400, 1, 1, seed=2)  # 400 compounds of one household
        division = divide(units, "chiyang")
        m = division.metrics
        self.assertEqual(m["grids"], 5)
        self.assertEqual(m["grids_in_range_pct"], 100.0)
        self.assertEqual(m["contiguous_pct"], 100.0)
        self.assertEqual(households_by_unit(division.pieces), {u.key: u.households for u in units})

    def test_it_merges_compounds_of_five_to_fifteen_households(self):
        units = tiny_compounds(120, 5, 15, seed=3)
        m = divide(units, "chiyang").metrics
        self.assertGreaterEqual(m["grids_in_range_pct"], 95.0)
        self.assertEqual(m["contiguous_pct"], 100.0)

    def test_it_never_merges_across_a_community(self):
        units = tiny_compounds(100, 1, 1, seed=4)
        units += [
            Unit("邻社区", u.compound, u.building, u.unit, u.households, u.floors, u.x, u.y)
            for u in tiny_compounds(100, 1, 1, seed=5)
        ]
        m = divide(units, "chiyang").metrics
        self.assertEqual(m["grids_across_communities"], 0)
        self.assertEqual(m["grids"], 2)


class VillaFieldTestCase(unittest.TestCase):
    def test_it_cuts_a_villa_field_into_compact_blocks(self):
        units = villa_field(800)
        division = divide(units, "chiyang")
        m = division.metrics
        self.assertEqual(m["grids_in_range_pct"], 100.0)
        self.assertGreaterEqual(m["mean_polsby_popper"], 0.6)
        self.assertEqual(
            compute_metrics(units, division.pieces, "chiyang")["contiguous_pct"], 100.0
        )
