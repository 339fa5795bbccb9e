from loudong.test import BaseTestCase, make_household, make_region, make_resident


class BrowseTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.home_a = make_household(cls.compound_a, "301")
        cls.home_b = make_household(cls.compound_b, "101")
        make_resident(cls.home_a, "王大妈")

    def test_it_walks_the_tree_down_to_a_household(self):
        self.login(self.jiedao)
        response = self.client.get(f"/territory/regions/{self.subdistrict.pk}/")
        self.assertContains(response, "秀山门社区")
        response = self.client.get(f"/territory/regions/{self.community_a.pk}/")
        self.assertContains(response, "翠微小区")
        response = self.client.get(f"/territory/regions/{self.compound_a.pk}/")
        self.assertContains(response, self.home_a.building.number)
        response = self.client.get(f"/territory/buildings/{self.home_a.building_id}/")
        self.assertContains(response, "301")
        self.assertContains(response, "实际居住 1 户")
        response = self.client.get(f"/territory/households/{self.home_a.pk}/")
        self.assertContains(response, "王大妈")

    def test_it_lists_households_in_scope_only(self):
        self.login(self.shequ_b)
        response = self.client.get("/territory/households/")
        self.assertEqual([h.pk for h, _ in response.context["rows"]], [self.home_b.pk])

    def test_it_filters_the_list_by_region(self):
        self.login(self.jiedao)
        response = self.client.get(f"/territory/households/?region={self.community_a.pk}")
        self.assertEqual([h.pk for h, _ in response.context["rows"]], [self.home_a.pk])
        self.assertEqual(response.context["rows"][0][1], 1)

    def test_it_answers_404_for_a_region_filter_out_of_scope(self):
        self.login(self.shequ_a)
        response = self.client.get(f"/territory/households/?region={self.community_b.pk}")
        self.assertEqual(response.status_code, 404)

    def test_it_does_not_query_per_row(self):
        other = make_region("compound", "另一小区", self.community_a)
        for i in range(5):
            home = make_household(other, f"{i}01")
            make_resident(home, f"居民{i}")
        self.login(self.jiedao)
        self.client.get("/territory/households/")
        # session, user, roles, scope, count, ids, rows, people, session save (3)
        with self.assertNumQueries(8):
            response = self.client.get("/territory/households/")
        self.assertEqual(len(response.context["rows"]), 7)

    def test_it_paginates(self):
        unit = self.home_a.unit
        for i in range(60):
            make_household(self.compound_a, f"9{i:02d}", unit=unit)
        self.login(self.shequ_a)
        response = self.client.get("/territory/households/?page=2")
        self.assertEqual(len(response.context["rows"]), 11)
        self.assertContains(response, "第 2 / 2 页")
