from django.test import override_settings

from loudong.grids.models import GridPiece
from loudong.grids.tests.helpers import GridTestCase, make_block
from loudong.territory.models import Region
from loudong.test import make_region


class IndexTestCase(GridTestCase):
    def test_it_lists_communities_in_scope_with_division_in_force(self):
        division = self.freeze(self.propose())
        draft = self.propose()
        r = self.client.get("/grids/")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "秀山门社区")
        self.assertNotContains(r, "杏花村社区")
        self.assertContains(r, division.get_absolute_url())
        self.assertContains(r, draft.get_absolute_url())
        self.assertContains(r, "2026-03-01")

    def test_it_does_not_grow_queries_with_communities(self):
        self.freeze(self.propose())
        self.freeze(self.propose(community=self.community_b, user=self.shequ_b), user=self.shequ_b)
        self.login(self.jiedao)
        self.client.get("/grids/")  # warm caches (session, content types)
        with self.assertNumQueries(6):
            self.client.get("/grids/")
        for k in range(3):
            community = make_region(
                Region.Level.COMMUNITY, f"新社区{k}", self.subdistrict, f"34170200101{k}"
            )
            compound = make_region(Region.Level.COMPOUND, f"新小区{k}", community)
            make_block(compound, "1号楼", 0, 0)
            self.propose(community=community, user=self.jiedao)
        with self.assertNumQueries(9):
            self.client.get("/grids/")

    def test_it_needs_login(self):
        self.client.logout()
        r = self.client.get("/grids/")
        self.assertEqual(r.status_code, 302)


class CommunityTestCase(GridTestCase):
    def test_it_shows_history_and_the_form_to_editors(self):
        first = self.freeze(self.propose())
        self.propose()
        r = self.client.get(f"/grids/community/{self.community_a.pk}/")
        self.assertContains(r, "生成划分方案")
        self.assertContains(r, f"#{first.pk}")
        self.assertContains(r, "生效中")

    def test_it_hides_the_form_from_read_only_roles(self):
        self.propose()
        for user in (self.minzheng, self.leader):
            self.login(user)
            r = self.client.get(f"/grids/community/{self.community_a.pk}/")
            self.assertEqual(r.status_code, 200)
            self.assertNotContains(r, "生成划分方案</button>")

    def test_it_hides_other_communities(self):
        for user in (self.shequ_b, self.outsider, self.xitong):
            self.login(user)
            r = self.client.get(f"/grids/community/{self.community_a.pk}/")
            self.assertEqual(r.status_code, 404)

    def test_it_404s_for_a_compound(self):
        self.login(self.shequ_a)
        r = self.client.get(f"/grids/community/{self.compound_a.pk}/")
        self.assertEqual(r.status_code, 404)


class DivisionPageTestCase(GridTestCase):
    def test_it_shows_the_map_the_grid_list_and_the_move_links(self):
        division = self.propose()
        piece = GridPiece.objects.filter(grid__division=division).first()
        r = self.client.get(division.get_absolute_url())
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, 'id="grid-map"')
        self.assertContains(r, 'id="grid-map-config"')
        self.assertContains(r, "js/grids_division.js")
        self.assertContains(r, 'id="move-dialog"')
        self.assertContains(r, f'href="/grids/divisions/{division.pk}/pieces/{piece.pk}/move/"')
        self.assertContains(r, "批准生效")
        self.assertContains(r, "草稿网格 1")
        # One grid per <details>, its pieces inside; no per-piece list of every grid.
        self.assertContains(r, '<details class="grid-item', count=4)
        self.assertNotContains(r, "<option")
        self.assertNotContains(r, "<script>")
        self.assertNotContains(r, "style=")

    def test_every_irreversible_button_asks_first(self):
        division = self.propose()
        body = self.client.get(division.get_absolute_url()).content.decode()
        for action in ("freeze", "discard"):
            form = body.split(f'action="/grids/divisions/{division.pk}/{action}/"', 1)[1]
            button = form.split("</form>", 1)[0]
            self.assertIn("data-confirm=", button, action)

    def test_it_is_read_only_for_viewers(self):
        division = self.propose()
        for user in (self.minzheng, self.leader):
            self.login(user)
            r = self.client.get(division.get_absolute_url())
            self.assertEqual(r.status_code, 200)
            self.assertNotContains(r, "data-move")
            self.assertNotContains(r, 'id="move-dialog"')
            self.assertNotContains(r, "批准生效</button>")

    def test_it_hides_other_communities(self):
        division = self.propose()
        for user in (self.shequ_b, self.outsider, self.xitong):
            self.login(user)
            for url in (division.get_absolute_url(), f"/grids/divisions/{division.pk}/map.json"):
                self.assertEqual(self.client.get(url).status_code, 404, (user, url))

    def test_it_does_not_grow_queries_with_grids(self):
        division = self.propose()
        self.client.get(division.get_absolute_url())
        with self.assertNumQueries(9):
            self.client.get(division.get_absolute_url())
        bigger_compound = make_region(Region.Level.COMPOUND, "北苑", self.community_a)
        for k in range(3):
            make_block(bigger_compound, f"{k + 1}号楼", 1000 + 300 * k, 1000)
        bigger = self.propose()
        self.assertGreater(bigger.grids.count(), division.grids.count())
        with self.assertNumQueries(12):
            self.client.get(bigger.get_absolute_url())

    def test_it_opens_a_frozen_division_read_only(self):
        division = self.freeze(self.propose())
        r = self.client.get(division.get_absolute_url())
        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, "data-move")
        self.assertContains(r, division.grids.first().code)


class MapDataTestCase(GridTestCase):
    def test_it_serves_outlines_labels_colours_and_buildings(self):
        division = self.propose()
        data = self.client.get(f"/grids/divisions/{division.pk}/map.json").json()
        self.assertFalse(data["geo"])  # no tile server: plain metres
        self.assertEqual(len(data["grids"]), 4)
        for g in data["grids"]:
            self.assertGreaterEqual(len(g["outline"]), 12)  # a buffered hull, not a point
            self.assertEqual(g["short"], str(division.grids.get(pk=g["id"]).number))
            self.assertEqual(g["households"], 80)
            y, x = g["centre"]
            ys = [v[0] for v in g["outline"]]
            xs = [v[1] for v in g["outline"]]
            self.assertTrue(min(xs) < x < max(xs) and min(ys) < y < max(ys))
        self.assertEqual(sum(b["households"] for b in data["buildings"]), 320)
        point = next(b for b in data["buildings"] if b["building"] == self.b2.pk)
        self.assertEqual((point["x"], point["y"]), (400, 500))
        self.assertEqual(point["at"], [500, 400])
        self.assertEqual(point["units"], ["1单元", "2单元"])

    def test_neighbouring_grids_get_different_colours(self):
        compound = make_region(Region.Level.COMPOUND, "北苑", self.community_a)
        for k in range(6):
            make_block(compound, f"{k + 1}号楼", 1000 + 150 * (k % 3), 1000 + 150 * (k // 3))
        division = self.propose()
        data = self.client.get(f"/grids/divisions/{division.pk}/map.json").json()
        colour = {g["id"]: g["colour"] for g in data["grids"]}
        self.assertEqual(len(colour), division.grids.count())
        pairs = [(g["id"], n) for g in data["grids"] for n in g["neighbours"]]
        self.assertTrue(pairs)
        for a, b in pairs:
            self.assertNotEqual(colour[a], colour[b], (a, b))
        # Buildings take their grid's colour.
        for b in data["buildings"]:
            self.assertEqual(b["colour"], colour[b["grid"]])

    def test_it_is_one_query_set_whatever_the_size(self):
        division = self.propose()
        url = f"/grids/divisions/{division.pk}/map.json"
        self.client.get(url)
        with self.assertNumQueries(7):
            self.client.get(url)
        compound = make_region(Region.Level.COMPOUND, "北苑", self.community_a)
        for k in range(4):
            make_block(compound, f"{k + 1}号楼", 1000 + 300 * k, 1000)
        bigger = self.propose()
        url = f"/grids/divisions/{bigger.pk}/map.json"
        with self.assertNumQueries(7):
            self.client.get(url)

    @override_settings(MAP_TILE_URL="/tiles/{z}/{x}/{y}.png")
    def test_it_draws_on_lon_lat_when_tiles_and_positions_exist(self):
        from loudong.territory.models import Building

        for k, b in enumerate(Building.objects.filter(compound__parent=self.community_a)):
            b.lon, b.lat = 117.48 + 0.004 * (k % 2), 30.66 + 0.004 * (k // 2)
            b.save(update_fields=["lon", "lat"])
        division = self.propose()
        data = self.client.get(f"/grids/divisions/{division.pk}/map.json").json()
        self.assertTrue(data["geo"])
        for g in data["grids"]:
            lat, lon = g["centre"]
            self.assertAlmostEqual(lat, 30.662, delta=0.01)
            self.assertAlmostEqual(lon, 117.482, delta=0.01)
            # Buildings ~400 m apart: the buffer is at its cap, 40 m each side of a
            # one-building grid (~0.00036° of latitude).
            ys = [v[0] for v in g["outline"]]
            self.assertAlmostEqual(max(ys) - min(ys), 80 / 110_574, delta=0.00002)
