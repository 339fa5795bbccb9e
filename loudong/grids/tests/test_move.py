from loudong.accounts.models import AuditEvent
from loudong.grids.models import DivisionEvent, GridPiece
from loudong.grids.tests.helpers import GridTestCase


class MoveTestCase(GridTestCase):
    def setUp(self):
        self.division = self.propose()
        self.piece = (
            GridPiece.objects.filter(grid__division=self.division, building=self.b1)
            .select_related("grid")
            .first()
        )
        self.source = self.piece.grid
        self.target = self.division.grids.exclude(pk=self.source.pk).first()
        self.url = f"/grids/divisions/{self.division.pk}/move/"

    def test_it_moves_a_unit_and_recounts(self):
        before_source, before_target = self.source.households, self.target.households
        r = self.client.post(self.url, {"piece": self.piece.pk, "to_grid": self.target.pk})
        self.assertRedirects(
            r,
            f"{self.division.get_absolute_url()}#grid-{self.target.pk}",
            fetch_redirect_response=False,
        )
        self.piece.refresh_from_db()
        self.source.refresh_from_db()
        self.target.refresh_from_db()
        self.assertEqual(self.piece.grid_id, self.target.pk)
        self.assertEqual(self.source.households, before_source - self.piece.households)
        self.assertEqual(self.target.households, before_target + self.piece.households)
        # 1号楼 is now split between two grids, and both grids are out of band (40 / 120).
        self.assertFalse(self.source.in_range)
        self.assertTrue(any("分属" in w for w in self.source.warnings))
        self.assertTrue(any("不在" in w for w in self.target.warnings))
        self.division.refresh_from_db()
        self.assertEqual(self.division.report["households"], 320)
        self.assertTrue(DivisionEvent.objects.filter(division=self.division, kind="moved").exists())
        self.assertTrue(AuditEvent.objects.filter(action="grids.division.move").exists())
        r = self.client.get(self.division.get_absolute_url())
        self.assertContains(r, "分属 2 个网格")

    def test_it_says_what_the_move_did_to_both_grids(self):
        r = self.client.post(
            self.url, {"piece": self.piece.pk, "to_grid": self.target.pk}, follow=True
        )
        message = [str(m) for m in r.context["messages"]][-1]
        self.assertEqual(
            message,
            f"已将翠微小区1号楼{self.piece.unit.number}（40 户）移到{self.target.label}："
            f"该网格现有 120 户（多于 100 户）；{self.source.label} 现有 40 户（少于 60 户）。",
        )

    def test_it_says_when_the_emptied_grid_is_removed(self):
        r = self.client.post(
            self.url,
            {"piece": self.piece.pk, "to_grid": self.target.pk, "whole_building": "1"},
            follow=True,
        )
        message = [str(m) for m in r.context["messages"]][-1]
        self.assertIn("翠微小区1号楼整栋（80 户）", message)
        self.assertIn(f"{self.source.label} 已无单元，已删除", message)

    def test_it_moves_a_whole_building(self):
        self.client.post(
            self.url, {"piece": self.piece.pk, "to_grid": self.target.pk, "whole_building": "1"}
        )
        pieces = GridPiece.objects.filter(grid__division=self.division, building=self.b1)
        self.assertEqual({p.grid_id for p in pieces}, {self.target.pk})
        self.target.refresh_from_db()
        self.assertEqual(self.target.households, 160)
        # The emptied grid is removed.
        self.assertFalse(self.division.grids.filter(pk=self.source.pk).exists())

    def test_it_flags_non_contiguous_grids(self):
        # 4号楼 far to the south-east; moved into 1号楼's grid (north-west), with 2号楼 and
        # 3号楼 in between (the four points are not co-circular, so no diagonal links 1 and 4).
        type(self.b4).objects.filter(pk=self.b4.pk).update(x=1200)
        division = self.propose()
        source = GridPiece.objects.filter(grid__division=division, building=self.b1).first().grid
        piece4 = GridPiece.objects.filter(grid__division=division, building=self.b4).first()
        self.client.post(
            f"/grids/divisions/{division.pk}/move/",
            {"piece": piece4.pk, "to_grid": source.pk, "whole_building": "1"},
        )
        source.refresh_from_db()
        self.assertIn("网格内楼栋不相邻（不连续）", source.warnings)

    def test_it_refuses_frozen_divisions(self):
        self.freeze(self.division)
        self.client.post(self.url, {"piece": self.piece.pk, "to_grid": self.target.pk})
        self.piece.refresh_from_db()
        self.assertEqual(self.piece.grid_id, self.source.pk)

    def test_it_refuses_grids_of_another_division(self):
        other = self.propose(community=self.community_b, user=self.jiedao)
        self.login(self.jiedao)
        r = self.client.post(self.url, {"piece": self.piece.pk, "to_grid": other.grids.first().pk})
        self.assertEqual(r.status_code, 404)
        self.piece.refresh_from_db()
        self.assertEqual(self.piece.grid_id, self.source.pk)

    def test_it_refuses_read_only_roles_with_403(self):
        for user in (self.minzheng, self.leader):
            self.login(user)
            r = self.client.post(self.url, {"piece": self.piece.pk, "to_grid": self.target.pk})
            self.assertEqual(r.status_code, 403)
        self.piece.refresh_from_db()
        self.assertEqual(self.piece.grid_id, self.source.pk)
        self.assertFalse(DivisionEvent.objects.filter(kind="moved").exists())

    def test_it_hides_the_division_from_others(self):
        for user in (self.shequ_b, self.outsider, self.xitong):
            self.login(user)
            r = self.client.post(self.url, {"piece": self.piece.pk, "to_grid": self.target.pk})
            self.assertEqual(r.status_code, 404)
        self.piece.refresh_from_db()
        self.assertEqual(self.piece.grid_id, self.source.pk)
