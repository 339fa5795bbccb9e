"""The move dialog's choices: nearest grids first, counts after the move, band, contiguity."""

from loudong.grids.models import DivisionEvent, GridPiece
from loudong.grids.tests.helpers import GridTestCase
from loudong.territory.models import Building


class MoveChoicesTestCase(GridTestCase):
    def setUp(self):
        self.division = self.propose()
        self.piece = (
            GridPiece.objects.filter(grid__division=self.division, building=self.b1)
            .select_related("grid")
            .order_by("unit_id")
            .first()
        )
        self.url = f"/grids/divisions/{self.division.pk}/pieces/{self.piece.pk}/move/"

    def grid_of(self, building, division=None):
        return (
            GridPiece.objects.filter(grid__division=division or self.division, building=building)
            .first()
            .grid
        )

    def test_it_lists_neighbours_first_with_counts_after_the_move(self):
        r = self.client.get(self.url, {"partial": "1"})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Cache-Control"], "no-store")
        self.assertNotContains(r, "<html")  # the dialog's fragment alone
        near = r.context["near"]
        # 2号楼 is 400 m east, 3号楼 500 m south: both Delaunay neighbours of 1号楼.
        self.assertEqual(near[0].grid, self.grid_of(self.b2))
        self.assertEqual(near[1].grid, self.grid_of(self.b3))
        self.assertTrue(near[0].neighbour)
        self.assertEqual(round(near[0].distance_m), 400)
        for choice in near:
            self.assertEqual((choice.households_before, choice.households), (80, 120))
            self.assertFalse(choice.in_range)
            self.assertEqual(choice.building_grids, 2)  # 1号楼 would be split
        self.assertContains(r, "多于 100 户")
        self.assertContains(r, "80 → <strong>120</strong> 户")
        # What its own grid keeps: 40 of 80 households, below the band.
        source = r.context["source"]
        self.assertEqual((source.households_before, source.households), (80, 40))
        self.assertFalse(source.in_range)
        self.assertContains(r, "少于 60 户")
        self.assertContains(r, f'name="piece" value="{self.piece.pk}"')
        self.assertContains(r, f'action="/grids/divisions/{self.division.pk}/move/"')
        self.assertNotContains(r, 'name="whole_building"')

    def test_it_previews_the_whole_building(self):
        r = self.client.get(self.url, {"partial": "1", "whole_building": "1"})
        self.assertEqual(r.context["moved_households"], 80)
        self.assertTrue(r.context["source"].emptied)
        self.assertContains(r, "该网格将被删除")
        self.assertContains(r, '<input type="hidden" name="whole_building" value="1">')
        first = r.context["near"][0]
        self.assertEqual((first.households, first.building_grids), (160, 1))

    def test_it_warns_when_the_move_breaks_contiguity(self):
        # 4号楼 far to the south-east: not a neighbour of 1号楼 (see test_move).
        Building.objects.filter(pk=self.b4.pk).update(x=1200)
        division = self.propose()
        piece = GridPiece.objects.filter(grid__division=division, building=self.b4).first()
        r = self.client.get(
            f"/grids/divisions/{division.pk}/pieces/{piece.pk}/move/",
            {"partial": "1", "whole_building": "1"},
        )
        choices = r.context["near"] + r.context["far"]
        into_b1 = next(c for c in choices if c.grid == self.grid_of(self.b1, division))
        self.assertFalse(into_b1.contiguous)
        self.assertFalse(into_b1.neighbour)
        self.assertEqual(choices[-1], into_b1)  # the farthest, and not a neighbour
        self.assertContains(r, "楼栋将不相邻")

    def test_it_answers_a_whole_page_without_partial(self):
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "<html")
        self.assertContains(r, "移到所选网格")
        self.assertContains(r, f'href="{self.division.get_absolute_url()}#grid-')

    def test_it_changes_nothing(self):
        before = list(GridPiece.objects.values_list("pk", "grid_id").order_by("pk"))
        self.client.get(self.url, {"partial": "1"})
        self.client.get(self.url, {"partial": "1", "whole_building": "1"})
        self.assertEqual(
            list(GridPiece.objects.values_list("pk", "grid_id").order_by("pk")), before
        )
        self.assertFalse(DivisionEvent.objects.filter(kind="moved").exists())

    def test_it_does_not_grow_queries_with_grids(self):
        self.client.get(self.url, {"partial": "1"})
        with self.assertNumQueries(9):
            self.client.get(self.url, {"partial": "1"})
        from loudong.grids.tests.helpers import make_block
        from loudong.territory.models import Region
        from loudong.test import make_region

        compound = make_region(Region.Level.COMPOUND, "北苑", self.community_a)
        for k in range(4):
            make_block(compound, f"{k + 1}号楼", 1000 + 300 * k, 1000)
        bigger = self.propose()
        piece = GridPiece.objects.filter(grid__division=bigger).first()
        url = f"/grids/divisions/{bigger.pk}/pieces/{piece.pk}/move/?partial=1"
        self.client.get(url)  # shows (and so clears) the proposal's message
        with self.assertNumQueries(9):
            self.client.get(url)

    def test_it_refuses_a_frozen_division_with_400(self):
        self.freeze(self.division)
        r = self.client.get(self.url, {"partial": "1"})
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "该方案已不是草稿", status_code=400)

    def test_it_404s_for_a_piece_of_another_division(self):
        other = self.propose()
        piece = GridPiece.objects.filter(grid__division=other).first()
        r = self.client.get(f"/grids/divisions/{self.division.pk}/pieces/{piece.pk}/move/")
        self.assertEqual(r.status_code, 404)

    def test_it_refuses_read_only_roles_with_403(self):
        for user in (self.minzheng, self.leader):
            self.login(user)
            r = self.client.get(self.url, {"partial": "1"})
            self.assertEqual(r.status_code, 403, user)

    def test_it_hides_the_division_from_other_communities(self):
        for user in (self.shequ_b, self.outsider, self.xitong):
            self.login(user)
            r = self.client.get(self.url, {"partial": "1"})
            self.assertEqual(r.status_code, 404, user)

    def test_it_needs_login(self):
        self.client.logout()
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 302)
        self.assertTrue(r["Location"].startswith("/accounts/login/"))
