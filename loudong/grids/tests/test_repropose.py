from collections import defaultdict

from loudong.grids.models import GridPiece
from loudong.grids.tests.helpers import GridTestCase, add_households


def unit_households(division):
    """{grid code or id: {unit id: households}} (units are whole in this registry)."""
    out = defaultdict(lambda: defaultdict(int))
    for p in GridPiece.objects.filter(grid__division=division).select_related("grid"):
        out[p.grid.code or p.grid_id][p.unit_id] += p.households
    return out


class ReproposeTestCase(GridTestCase):
    def test_it_keeps_codes_of_grids_whose_membership_mostly_stays(self):
        first = self.freeze(self.propose())
        old = unit_households(first)
        # One building changes: 30 more households move into 4号楼.
        add_households(self.b4_units[0], 30, start=50)
        second = self.propose()
        self.assertEqual(second.report["households"], 350)
        second = self.freeze(second, date="2026-06-01")
        new = unit_households(second)
        kept = 0
        for code, units in old.items():
            total = sum(units.values())
            # The new grid holding ≥ 50 % of this old grid's households carries its code.
            best = max(
                new.items(), key=lambda kv: sum(min(h, kv[1].get(u, 0)) for u, h in units.items())
            )
            share = sum(min(h, best[1].get(u, 0)) for u, h in units.items()) / total
            if share >= 0.5:
                self.assertEqual(best[0], code)
                kept += 1
        # 1号楼 and 2号楼 (the other compound) are untouched.
        self.assertGreaterEqual(kept, 2)
        codes = [g.code for g in second.grids.all()]
        self.assertEqual(len(codes), len(set(codes)))
        self.assertTrue(all(len(c) == 20 for c in codes))
