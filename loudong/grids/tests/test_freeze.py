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


class FreezeRulesTestCase(GridTestCase):
    def test_it_needs_a_reason_to_freeze_grids_out_of_band_and_keeps_it(self):
        from loudong.grids.models import Grid

        division = self.propose()
        Grid.objects.filter(division=division).update(in_range=False)
        self.login(self.shequ_a)
        url = f"/grids/divisions/{division.pk}/freeze/"
        r = self.client.post(url, {"effective_date": "2026-03-01"}, follow=True)
        self.assertContains(r, "请写明批准的理由")
        division.refresh_from_db()
        self.assertEqual(division.status, "draft")
        self.client.post(
            url, {"effective_date": "2026-03-01", "reason": "老旧小区户数少，街道同意"}
        )
        division.refresh_from_db()
        self.assertEqual(division.status, "frozen")
        note = division.events.get(kind="frozen").note
        self.assertIn("理由：老旧小区户数少，街道同意", note)

    def test_a_community_with_one_grid_gets_sequence_00(self):
        from loudong.grids.actions import assign_codes

        division = self.propose()
        first = division.grids.order_by("id").first()
        division.grids.exclude(pk=first.pk).delete()
        assign_codes(division, None)
        first.refresh_from_db()
        self.assertEqual(first.code[-2:], "00")
        self.assertEqual(first.code, f"000000{self.community_a.code}00")

    def test_it_refuses_a_community_needing_more_than_99_grids(self):
        from loudong.grids.models import Grid

        division = self.propose()
        Grid.objects.bulk_create(
            Grid(division=division, community=self.community_a, number=200 + i, households=80)
            for i in range(100)
        )
        self.login(self.shequ_a)
        r = self.client.post(
            f"/grids/divisions/{division.pk}/freeze/",
            {"effective_date": "2026-03-01", "reason": "x"},
            follow=True,
        )
        self.assertContains(r, "超过 CJ/T 349 两位顺序码的上限 99 个")
        division.refresh_from_db()
        self.assertEqual(division.status, "draft")
        self.assertFalse(division.grids.exclude(code="").exists())
