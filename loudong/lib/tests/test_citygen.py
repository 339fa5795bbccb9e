import csv
import os
import re
import tempfile
import unittest
from collections import Counter

from loudong.lib.citygen import KINDS, UNITS_CSV_HEADER, generate_city, write_units_csv


class CitygenTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.city = generate_city(20000, seed=5)

    def test_it_generates_exactly_the_households_asked_for(self):
        for n in (0, 500, 3000, 20000):
            self.assertEqual(generate_city(n, seed=1).households, n)

    def test_it_is_deterministic(self):
        with tempfile.TemporaryDirectory() as tmp:
            a, b, c = (os.path.join(tmp, f"{k}.csv") for k in "abc")
            write_units_csv(generate_city(5000, seed=9), a)
            write_units_csv(generate_city(5000, seed=9), b)
            write_units_csv(generate_city(5000, seed=10), c)
            with open(a, "rb") as fa, open(b, "rb") as fb, open(c, "rb") as fc:
                da, db, dc = fa.read(), fb.read(), fc.read()
        self.assertEqual(da, db)
        self.assertNotEqual(da, dc)

    def test_it_builds_communities_of_1500_to_5000_households_with_codes(self):
        names = set()
        for community in self.city.communities:
            self.assertGreaterEqual(community.households, 1400)
            self.assertLessEqual(community.households, 5200)
            self.assertRegex(community.code, r"^341702\d{6}$")
            self.assertTrue(community.name.endswith("社区"))
            names.add(community.name)
        self.assertEqual(len(names), len(self.city.communities))

    def test_it_builds_compounds_of_every_kind_with_plausible_buildings(self):
        kinds = Counter(cp.kind for cm in self.city.communities for cp in cm.compounds)
        self.assertEqual(set(kinds), set(KINDS))
        for cm in self.city.communities:
            self.assertEqual(len({cp.name for cp in cm.compounds}), len(cm.compounds))
            for cp in cm.compounds:
                spec = KINDS[cp.kind]
                for b in cp.buildings:
                    self.assertRegex(b.label, r"^\d+(号楼|栋)$")
                    self.assertTrue(spec["floors"][0] <= b.floors <= spec["floors"][1])
                    self.assertAlmostEqual(b.lon, 117.48, delta=0.2)
                    self.assertAlmostEqual(b.lat, 30.66, delta=0.2)
                    self.assertEqual([u.number for u in b.units], list(range(1, len(b.units) + 1)))
                    for u in b.units:
                        self.assertLessEqual(u.occupied, u.homes_total)

    def test_it_keeps_occupancy_between_70_and_100_percent(self):
        homes = sum(u.homes_total for *_, u in self.city.units())
        rate = self.city.households / homes
        self.assertGreater(rate, 0.70)
        self.assertLessEqual(rate, 1.0)

    def test_it_yields_homes_lazily_with_room_numbers(self):
        *_, unit = next(u for u in self.city.units() if u[3].floors >= 10)
        homes = list(unit.homes())
        self.assertEqual(len(homes), unit.homes_total)
        self.assertEqual(sum(h.occupied for h in homes), unit.occupied)
        self.assertEqual(homes[0].room, "101")
        self.assertIn(f"{unit.floors}0{unit.per_floor}", {h.room for h in homes})
        for h in homes:
            self.assertRegex(h.room, r"^\d{1,2}0\d$")
            self.assertEqual(int(h.room[:-2]), h.floor)
        self.assertEqual(list(unit.homes()), homes)

    def test_it_writes_the_units_csv(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "units.csv")
            write_units_csv(self.city, path)
            with open(path, encoding="utf-8", newline="") as fh:
                rows = list(csv.reader(fh))
        self.assertEqual(rows[0], UNITS_CSV_HEADER)
        self.assertEqual(sum(int(r[4]) for r in rows[1:]), 20000)
        self.assertEqual(len({tuple(r[:4]) for r in rows[1:]}), len(rows) - 1)
        self.assertTrue(all(re.fullmatch(r"\d+单元", r[3]) for r in rows[1:]))

    def test_it_lays_compounds_out_as_separate_clusters(self):
        community = max(self.city.communities, key=lambda c: len(c.compounds))
        boxes = []
        for cp in community.compounds:
            xs = [u.x for b in cp.buildings for u in b.units]
            ys = [b.y for b in cp.buildings]
            boxes.append((min(xs), min(ys), max(xs), max(ys)))
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                overlap = a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
                self.assertFalse(overlap)
