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
        with self.assertNumQueries(9):
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
    def test_it_shows_the_table_the_map_and_the_move_forms(self):
        division = self.propose()
        r = self.client.get(division.get_absolute_url())
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, 'id="grid-map"')
        self.assertContains(r, 'id="grid-map-config"')
        self.assertContains(r, "js/grids_map.js")
        self.assertContains(r, "移到网格")
        self.assertContains(r, "批准生效")
        self.assertContains(r, "草稿网格 1")
        self.assertNotContains(r, "<script>")

    def test_it_is_read_only_for_viewers(self):
        division = self.propose()
        for user in (self.minzheng, self.leader):
            self.login(user)
            r = self.client.get(division.get_absolute_url())
            self.assertEqual(r.status_code, 200)
            self.assertNotContains(r, "移到网格</button>")
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
        with self.assertNumQueries(12):
            self.client.get(division.get_absolute_url())
        bigger_compound = make_region(Region.Level.COMPOUND, "北苑", self.community_a)
        for k in range(3):
            make_block(bigger_compound, f"{k + 1}号楼", 1000 + 300 * k, 1000)
        bigger = self.propose()
        self.assertGreater(bigger.grids.count(), division.grids.count())
        with self.assertNumQueries(12):
            self.client.get(bigger.get_absolute_url())

    def test_it_serves_map_data(self):
        division = self.propose()
        data = self.client.get(f"/grids/divisions/{division.pk}/map.json").json()
        self.assertEqual(len(data["grids"]), 4)
        self.assertEqual(sum(b["households"] for b in data["buildings"]), 320)
        point = next(b for b in data["buildings"] if b["building"] == self.b2.pk)
        self.assertEqual((point["x"], point["y"]), (400, 500))
        self.assertEqual(point["units"], ["1单元", "2单元"])
        self.assertTrue(point["colour"].startswith("#"))
