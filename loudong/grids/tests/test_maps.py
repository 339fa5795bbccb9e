"""The plane geometry behind the map: buffered hulls, overlap, neighbour-distinct colours."""

import math
import unittest

from loudong.grids.maps import (
    OUTLINE_BUFFER_M,
    buffered_hull,
    colour_grids,
    convex_overlap,
    polygon_centroid,
)


class BufferedHullTestCase(unittest.TestCase):
    def test_one_point_is_a_circle_of_the_buffer(self):
        hull = buffered_hull([(100.0, 50.0)])
        self.assertEqual(len(hull), 12)
        for x, y in hull:
            self.assertAlmostEqual(math.dist((x, y), (100.0, 50.0)), OUTLINE_BUFFER_M)
        cx, cy = polygon_centroid(hull)
        self.assertAlmostEqual(cx, 100.0)
        self.assertAlmostEqual(cy, 50.0)

    def test_it_encloses_every_point_by_the_buffer(self):
        points = [(0, 0), (100, 0), (50, 80), (40, 20), (60, 30)]
        hull = buffered_hull(points, buffer=10)
        for px, py in points:
            # Inside a counter-clockwise convex polygon: left of every edge, by ≥ ~the buffer.
            for (x0, y0), (x1, y1) in zip(hull, hull[1:] + hull[:1], strict=True):
                cross = (x1 - x0) * (py - y0) - (y1 - y0) * (px - x0)
                self.assertGreater(cross / math.dist((x0, y0), (x1, y1)), 9.0)

    def test_two_points_make_a_capsule(self):
        hull = buffered_hull([(0, 0), (100, 0)], buffer=10)
        xs = [x for x, _ in hull]
        ys = [y for _, y in hull]
        self.assertAlmostEqual(min(xs), -10)
        self.assertAlmostEqual(max(xs), 110)
        self.assertAlmostEqual(max(ys) - min(ys), 20)


class OverlapTestCase(unittest.TestCase):
    square = [(0, 0), (10, 0), (10, 10), (0, 10)]

    def test_it_sees_overlap_and_separation(self):
        self.assertTrue(convex_overlap(self.square, [(5, 5), (15, 5), (15, 15), (5, 15)]))
        self.assertFalse(convex_overlap(self.square, [(11, 0), (20, 0), (20, 10), (11, 10)]))
        # Diagonal separation that the bounding boxes alone would miss.
        self.assertFalse(convex_overlap([(0, 0), (10, 0), (0, 10)], [(9, 9), (20, 9), (9, 20)]))


class ColourTestCase(unittest.TestCase):
    def test_neighbours_never_share_a_colour(self):
        # A 5 × 5 lattice with diagonals (a triangulated, planar map of 25 grids).
        def node(i, j):
            return i * 5 + j

        adj = {n: set() for n in range(25)}
        for i in range(5):
            for j in range(5):
                for di, dj in ((0, 1), (1, 0), (1, 1)):
                    if i + di < 5 and j + dj < 5:
                        adj[node(i, j)].add(node(i + di, j + dj))
                        adj[node(i + di, j + dj)].add(node(i, j))
        colours = colour_grids(list(range(25)), adj)
        for a, near in adj.items():
            for b in near:
                self.assertNotEqual(colours[a], colours[b])
        self.assertLessEqual(max(colours.values()), 5)  # ≤ 6 colours on a planar map
        self.assertEqual(colours, colour_grids(list(range(25)), adj))  # deterministic

    def test_an_odd_ring_needs_three(self):
        adj = {n: {(n + 1) % 5, (n - 1) % 5} for n in range(5)}
        self.assertEqual(len(set(colour_grids(list(range(5)), adj).values())), 3)


class OutlineBufferTestCase(unittest.TestCase):
    def layout(self, centres):
        from loudong.grids.division.geometry import delaunay_neighbours
        from loudong.grids.maps import Layout

        ids = list(range(len(centres)))
        adjacency = delaunay_neighbours(centres)
        return Layout(
            division=None,
            grids=[],
            pieces=[],
            centre=dict(zip(ids, centres, strict=True)),
            neighbours={i: set(adjacency[i]) for i in ids},
            index={i: i for i in ids},
            adjacency=adjacency,
        )

    def test_it_grows_with_the_spacing_of_buildings_within_bounds(self):
        from loudong.grids.maps import outline_buffer

        def row(step):
            return [(step * k, 0.0) for k in range(5)] + [(step * k, step) for k in range(5)]

        self.assertEqual(outline_buffer(self.layout(row(20.0))), 15.0)
        self.assertAlmostEqual(outline_buffer(self.layout(row(100.0))), 30.0)
        self.assertEqual(outline_buffer(self.layout(row(500.0))), 40.0)
        # Buildings at one point (no positions in the registry) do not shrink it to nothing.
        self.assertEqual(outline_buffer(self.layout([(0.0, 0.0)] * 4)), 15.0)
