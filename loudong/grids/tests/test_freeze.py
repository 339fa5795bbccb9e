import datetime as dt

from loudong.accounts.models import AuditEvent
from loudong.grids.models import Division, DivisionEvent, GridPiece
from loudong.grids.tests.helpers import OBJECT_CODE, GridTestCase


def codes_by_building(division):
    out = {}
    for p in GridPiece.objects.filter(grid__division=division).select_related("grid"):
        out.setdefault(p.building_id, set()).add(p.grid.code)
    return out


class FreezeTestCase(GridTestCase):
    def test_it_assigns_codes_west_to_east_then_north_to_south(self):
        division = self.freeze(self.propose())
        self.assertEqual(division.status, Division.Status.FROZEN)
        self.assertEqual(division.frozen_by, self.shequ_a)
        self.assertEqual(division.effective_date, dt.date(2026, 3, 1))
        self.assertIsNotNone(division.frozen_at)
        grids = list(division.grids.all())
        self.assertEqual(len(grids), 4)
        for g in grids:
            self.assertEqual(len(g.code), 20)
            self.assertTrue(g.code.isdigit())
            self.assertEqual(g.code[:6], OBJECT_CODE)
            self.assertEqual(g.code[6:18], self.community_a.code)
            self.assertEqual(g.code[18:], f"{g.sequence:02d}")
        by_building = codes_by_building(division)
        prefix = OBJECT_CODE + self.community_a.code
        # North row (1号楼 west, 2号楼 east) first, then the south row.
        self.assertEqual(by_building[self.b1.pk], {prefix + "01"})
        self.assertEqual(by_building[self.b2.pk], {prefix + "02"})
        self.assertEqual(by_building[self.b3.pk], {prefix + "03"})
        self.assertEqual(by_building[self.b4.pk], {prefix + "04"})
        self.assertTrue(DivisionEvent.objects.filter(division=division, kind="frozen").exists())
        self.assertTrue(AuditEvent.objects.filter(action="grids.division.freeze").exists())

    def test_it_supersedes_the_previous_division(self):
        first = self.freeze(self.propose())
        second = self.freeze(self.propose(), user=self.jiedao, date="2026-04-01")
        first.refresh_from_db()
        self.assertEqual(first.status, Division.Status.SUPERSEDED)
        self.assertEqual(second.status, Division.Status.FROZEN)
        self.assertEqual(second.frozen_by, self.jiedao)
        self.assertEqual(Division.objects.filter(status="frozen").count(), 1)
        self.assertTrue(DivisionEvent.objects.filter(division=first, kind="superseded").exists())
        # Nothing changed in the registry: every grid keeps its code.
        self.assertEqual(codes_by_building(first), codes_by_building(second))

    def test_it_makes_frozen_divisions_read_only(self):
        division = self.freeze(self.propose())
        r = self.client.post(
            f"/grids/divisions/{division.pk}/freeze/", {"effective_date": "2026-05-01"}, follow=True
        )
        self.assertContains(r, "只有草稿方案可以批准生效")
        r = self.client.get(division.get_absolute_url())
        self.assertNotContains(r, "移到网格")
        self.assertNotContains(r, "批准生效</button>")
        division.refresh_from_db()
        self.assertEqual(division.effective_date, dt.date(2026, 3, 1))

    def test_it_refuses_read_only_roles_with_403(self):
        division = self.propose()
        for user in (self.minzheng, self.leader):
            self.login(user)
            r = self.client.post(
                f"/grids/divisions/{division.pk}/freeze/", {"effective_date": "2026-03-01"}
            )
            self.assertEqual(r.status_code, 403)
        division.refresh_from_db()
        self.assertEqual(division.status, Division.Status.DRAFT)
        self.assertTrue(all(g.code == "" for g in division.grids.all()))

    def test_it_hides_the_division_from_other_communities(self):
        division = self.propose()
        for user in (self.shequ_b, self.outsider, self.xitong):
            self.login(user)
            r = self.client.post(
                f"/grids/divisions/{division.pk}/freeze/", {"effective_date": "2026-03-01"}
            )
            self.assertEqual(r.status_code, 404)
        division.refresh_from_db()
        self.assertEqual(division.status, Division.Status.DRAFT)

    def test_it_needs_an_effective_date(self):
        division = self.propose()
        self.client.post(f"/grids/divisions/{division.pk}/freeze/", {})
        division.refresh_from_db()
        self.assertEqual(division.status, Division.Status.DRAFT)

    def test_it_rejects_get(self):
        division = self.propose()
        r = self.client.get(f"/grids/divisions/{division.pk}/freeze/")
        self.assertEqual(r.status_code, 405)
