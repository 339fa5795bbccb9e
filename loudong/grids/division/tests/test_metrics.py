import math
import unittest

from loudong.grids.division import Piece, Unit, compute_metrics, ideal_grid_count
from loudong.grids.division.geometry import buffered_polsby_popper, delaunay_neighbours


def whole(u: Unit, grid: str) -> Piece:
    return Piece(u.community, u.compound, u.building, u.unit, 1, u.floors, u.households, grid)


def unit(community, compound, building, households, x, y, name="1单元", floors=6):
    return Unit(community, compound, building, name, households, floors, x, y)


class PolsbyPopperTestCase(unittest.TestCase):
    def test_it_scores_a_single_point_as_a_circle(self):
        self.assertAlmostEqual(buffered_polsby_popper([(5.0, 5.0)]), 1.0)

    def test_it_scores_a_buffered_square(self):
        square = [(0.0, 0.0), (100.0, 0.0), (100.0, 100.0), (0.0, 100.0), (50.0, 50.0)]
        area = 100 * 100 + 400 * 8 + math.pi * 64
        perimeter = 400 + 2 * math.pi * 8
        self.assertAlmostEqual(buffered_polsby_popper(square), 4 * math.pi * area / perimeter**2)
        self.assertAlmostEqual(buffered_polsby_popper(square), 0.8306, places=3)

    def test_it_scores_collinear_points_as_a_stadium(self):
        line = [(0.0, 0.0), (50.0, 0.0), (100.0, 0.0)]
        area = 200 * 8 + math.pi * 64
        perimeter = 200 + 2 * math.pi * 8
        self.assertAlmostEqual(buffered_polsby_popper(line), 4 * math.pi * area / perimeter**2)


class DelaunayTestCase(unittest.TestCase):
    def test_it_handles_few_collinear_and_duplicate_points(self):
        self.assertEqual(delaunay_neighbours([]), [])
        self.assertEqual(delaunay_neighbours([(0, 0)]), [[]])
        self.assertEqual(delaunay_neighbours([(0, 0), (9, 9)]), [[1], [0]])
        self.assertEqual(delaunay_neighbours([(0, 0), (20, 0), (10, 0)]), [[2], [2], [0, 1]])
        adj = delaunay_neighbours([(0, 0), (10, 0), (0, 10), (0, 10)])
        self.assertTrue(all(adj))


class MetricsTestCase(unittest.TestCase):
    def setUp(self):
        # four buildings in a row, 40 m apart, 40 households each
        self.units = [unit("A", "甲小区", f"{k}栋", 40, 40.0 * k, 0.0) for k in range(4)]

    def test_it_counts_ranges_and_ideal(self):
        pieces = [
            whole(self.units[0], "g1"),
            whole(self.units[1], "g1"),
            whole(self.units[2], "g2"),
            whole(self.units[3], "g3"),
        ]
        m = compute_metrics(self.units, pieces, "chiyang")
        self.assertEqual(m["grids"], 3)
        self.assertEqual(m["ideal_grids"], 2)
        self.assertEqual(m["grid_count_deviation_pct"], 50.0)
        self.assertAlmostEqual(m["grids_in_range_pct"], 33.33)
        self.assertEqual(m["households_in_range_pct"], 50.0)
        self.assertEqual(
            (m["grid_size_min"], m["grid_size_median"], m["grid_size_max"]), (40, 40, 80)
        )
        self.assertEqual(m["units_household_mismatch"], 0)

    def test_it_finds_grids_that_are_not_contiguous(self):
        pieces = [
            whole(self.units[0], "g1"),
            whole(self.units[2], "g1"),
            whole(self.units[1], "g2"),
            whole(self.units[3], "g2"),
        ]
        m = compute_metrics(self.units, pieces, "chiyang")
        self.assertEqual(m["contiguous_pct"], 0.0)
        pieces = [
            whole(self.units[0], "g1"),
            whole(self.units[1], "g1"),
            whole(self.units[2], "g2"),
            whole(self.units[3], "g2"),
        ]
        self.assertEqual(compute_metrics(self.units, pieces, "chiyang")["contiguous_pct"], 100.0)

    def test_it_counts_needless_and_necessary_splits(self):
        units = [
            unit("A", "甲", "1栋", 30, 0, 0, "1单元"),
            unit("A", "甲", "1栋", 30, 13, 0, "2单元"),
            unit("A", "甲", "2栋", 60, 0, 30, "1单元"),
            unit("A", "甲", "2栋", 60, 13, 30, "2单元"),
        ]
        pieces = [
            whole(units[0], "g1"),
            whole(units[1], "g2"),  # 60 households: needless
            whole(units[2], "g1"),
            whole(units[3], "g2"),
        ]  # 120 households: necessary
        m = compute_metrics(units, pieces, "chiyang")
        self.assertEqual((m["buildings_split"], m["needless_splits"]), (2, 1))
        self.assertEqual(m["needless_splits_pct"], 50.0)

    def test_it_counts_compound_and_community_crossings(self):
        units = [
            unit("A", "甲", "1栋", 40, 0, 0),
            unit("A", "乙", "1栋", 40, 40, 0),
            unit("B", "丙", "1栋", 40, 1000, 0),
            unit("A", "甲", "2栋", 70, 0, 40),
        ]
        pieces = [
            whole(units[0], "g1"),
            whole(units[1], "g1"),
            whole(units[2], "g2"),
            whole(units[3], "g2"),
        ]
        m = compute_metrics(units, pieces, "chiyang")
        self.assertEqual(m["grids_across_communities"], 1)
        self.assertEqual(m["grids_multi_compound_pct"], 100.0)
        self.assertEqual(m["contiguous_pct"], 50.0)

    def test_it_detects_lost_and_doubled_households(self):
        pieces = [
            whole(self.units[0], "g1"),
            whole(self.units[0], "g2"),
            whole(self.units[1], "g2"),
            whole(self.units[2], "g3"),
        ]
        m = compute_metrics(self.units, pieces, "chiyang")
        self.assertEqual(m["units_household_mismatch"], 2)  # one doubled, one missing
        self.assertEqual(m["units_floor_overlap"], 1)

    def test_it_computes_the_ideal_count_per_community(self):
        self.assertEqual(ideal_grid_count([30, 119, 121, 1000], 80), 1 + 1 + 2 + 12)
