"""Scopes no wider than the work (issue 9 item 9).

A 楼栋长 saw the whole community's registry (12,622 residents) rather than the households of
their own posts; the 区民政局 could export the whole district's registry; ``/roster/?community=
<other>`` listed everything instead of answering 404.
"""

import json

from loudong.accounts.models import AuditEvent
from loudong.territory.models import Household, Resident
from loudong.test import BaseTestCase, make_household, make_region, make_resident, serve


class LeaderRegistryTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.mine = make_household(cls.compound_a, "101")
        cls.mine2 = make_household(cls.compound_a, "102", unit=cls.mine.unit)
        cls.theirs = make_household(cls.compound_a, "301")  # same compound, another building
        cls.elsewhere = make_household(make_region("compound", "桂花园", cls.community_a), "101")
        cls.me_resident = make_resident(cls.mine, "王大妈")
        cls.other_resident = make_resident(cls.theirs, "王大爷")
        serve(cls.leader, cls.mine)

    def test_lists_hold_only_the_households_of_the_posts_held(self):
        self.assertEqual(set(Household.objects.visible_to(self.leader)), {self.mine, self.mine2})
        self.assertEqual(set(Resident.objects.visible_to(self.leader)), {self.me_resident})
        self.login(self.leader)
        r = self.client.get("/territory/households/")
        self.assertContains(r, f"/territory/households/{self.mine.pk}/")
        self.assertNotContains(r, f"/territory/households/{self.theirs.pk}/")

    def test_other_households_of_the_community_are_404(self):
        self.login(self.leader)
        for url in (
            f"/territory/households/{self.theirs.pk}/",
            f"/territory/residents/{self.other_resident.pk}/",
            f"/territory/buildings/{self.theirs.building_id}/",
            f"/territory/regions/{self.elsewhere.compound_id}/",
            f"/api/v1/households/{self.theirs.pk}",
            f"/api/v1/residents/{self.other_resident.pk}",
            f"/api/v1/buildings/{self.theirs.building_id}",
            f"/api/v1/residents?household={self.theirs.pk}",
        ):
            self.assertEqual(self.client.get(url).status_code, 404, url)
        for url in (
            f"/territory/households/{self.mine.pk}/",
            f"/territory/residents/{self.me_resident.pk}/",
            f"/territory/buildings/{self.mine.building_id}/",
            f"/territory/regions/{self.compound_a.pk}/",
        ):
            self.assertEqual(self.client.get(url).status_code, 200, url)

    def test_the_api_lists_hold_only_their_households(self):
        self.login(self.leader)
        data = json.loads(self.client.get("/api/v1/households?community=341702001001").content)
        self.assertEqual({i["id"] for i in data["items"]}, {self.mine.pk, self.mine2.pk})
        data = json.loads(self.client.get("/api/v1/residents").content)
        self.assertEqual([i["id"] for i in data["items"]], [self.me_resident.pk])
        data = json.loads(self.client.get("/api/v1/buildings").content)
        self.assertEqual([i["id"] for i in data["items"]], [self.mine.building_id])
        data = json.loads(self.client.get("/api/v1/units").content)
        self.assertEqual([i["id"] for i in data["items"]], [self.mine.unit_id])

    def test_search_finds_only_their_residents(self):
        self.login(self.leader)
        r = self.client.get("/territory/search/", {"q": "王"})
        self.assertContains(r, "王大妈")
        self.assertNotContains(r, "王大爷")

    def test_the_compound_page_lists_only_their_buildings(self):
        self.login(self.leader)
        r = self.client.get(f"/territory/regions/{self.compound_a.pk}/")
        self.assertContains(r, f"/territory/buildings/{self.mine.building_id}/")
        self.assertNotContains(r, f"/territory/buildings/{self.theirs.building_id}/")
        r = self.client.get(f"/territory/regions/{self.community_a.pk}/")
        self.assertNotContains(r, "桂花园")

    def test_a_post_ended_closes_the_registry(self):
        from loudong.roster.models import Appointment

        Appointment.objects.filter(person__user=self.leader).update(status="ended")
        self.login(self.leader)
        self.assertEqual(self.client.get(f"/territory/households/{self.mine.pk}/").status_code, 404)
        self.assertEqual(self.client.get("/api/v1/households").status_code, 404)

    def test_lists_stay_one_indexed_query(self):
        self.login(self.leader)
        self.client.get("/api/v1/households")
        with self.assertNumQueries(9):
            # session, user, roles, communities, person, posts, households served,
            # count, page, session save …: no query per row
            self.client.get("/api/v1/households")


class CivilAffairsRegistryTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.home = make_household(cls.compound_a, "101")
        cls.resident = make_resident(cls.home, "王大妈")

    def test_totals_yes_rows_no(self):
        self.login(self.minzheng)
        r = self.client.get("/territory/")
        self.assertContains(r, "秀山门社区")
        self.assertEqual(
            self.client.get(f"/territory/regions/{self.community_a.pk}/").status_code, 200
        )
        for url in (
            "/territory/households/",
            "/territory/search/?q=王",
            "/territory/export.xlsx",
            f"/territory/households/{self.home.pk}/",
            f"/territory/residents/{self.resident.pk}/",
            f"/territory/buildings/{self.home.building_id}/",
            "/api/v1/households",
            "/api/v1/residents",
            "/api/v1/buildings",
            "/api/v1/units",
            f"/api/v1/households/{self.home.pk}",
        ):
            self.assertEqual(self.client.get(url).status_code, 404, url)

    def test_the_filing_lists_stay_open(self):
        self.login(self.minzheng)
        self.assertEqual(self.client.get("/documents/filings/leaders.xlsx").status_code, 200)


class ListFilterTestCase(BaseTestCase):
    def test_roster_filter_on_another_community_is_404(self):
        self.login(self.shequ_a)
        r = self.client.get("/roster/", {"community": self.community_b.pk})
        self.assertEqual(r.status_code, 404)
        self.assertTrue(AuditEvent.objects.filter(action="access.out_of_scope").exists())
        self.assertEqual(
            self.client.get("/roster/", {"community": self.community_a.pk}).status_code, 200
        )

    def test_registry_filters_on_another_region_are_404(self):
        self.login(self.shequ_a)
        for url in (
            f"/territory/households/?region={self.community_b.pk}",
            f"/territory/export.xlsx?region={self.community_b.pk}",
            "/api/v1/households?community=341702001002",
            f"/documents/filings/leaders.xlsx?community={self.community_b.pk}",
        ):
            self.assertEqual(self.client.get(url).status_code, 404, url)
