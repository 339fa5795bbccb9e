import json

from loudong.accounts.models import ApiToken
from loudong.test import BaseTestCase, make_household, make_region, make_resident, serve


class RegistryApiTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.home_a = make_household(cls.compound_a, "301", floor=3)
        cls.home_a2 = make_household(cls.compound_a, "302", unit=cls.home_a.unit)
        cls.home_b = make_household(cls.compound_b, "101")
        cls.person_a = make_resident(cls.home_a, "王大妈", phone="13912345678")
        cls.person_b = make_resident(cls.home_b, "李大爷", phone="13800001111")

    def get(self, url, **kwargs):
        response = self.client.get(url, **kwargs)
        return response, (json.loads(response.content) if response.content else None)

    def test_it_lists_households_of_a_community_by_code(self):
        self.login(self.shequ_a)
        response, data = self.get("/api/v1/households?community=341702001001&limit=1")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(data["count"], 2)
        self.assertEqual(len(data["items"]), 1)
        item = data["items"][0]
        self.assertEqual(
            set(item) >= {"id", "community", "compound", "building", "unit", "room", "occupied"},
            True,
        )
        self.assertEqual(item["community"], "341702001001")
        self.assertEqual(item["compound"], "翠微小区")
        self.assertEqual(item["room"], "301")
        self.assertTrue(item["occupied"])

    def test_it_returns_the_whole_scope_without_a_filter(self):
        self.login(self.shequ_a)
        _, data = self.get("/api/v1/households")
        self.assertEqual(
            sorted(i["id"] for i in data["items"]), sorted([self.home_a.pk, self.home_a2.pk])
        )
        self.login(self.jiedao)
        _, data = self.get("/api/v1/households")
        self.assertEqual(data["count"], 3)

    def test_it_caps_limit_at_1000(self):
        self.login(self.jiedao)
        response, data = self.get("/api/v1/households?limit=5000")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(data["count"], 3)

    def test_it_answers_404_out_of_scope(self):
        self.login(self.shequ_a)
        for url in (
            "/api/v1/households?community=341702001002",
            f"/api/v1/households/{self.home_b.pk}",
            f"/api/v1/residents?household={self.home_b.pk}",
            f"/api/v1/residents/{self.person_b.pk}",
            f"/api/v1/buildings/{self.home_b.building_id}",
            f"/api/v1/regions/{self.community_b.pk}",
        ):
            self.assertEqual(self.client.get(url).status_code, 404, url)

    def test_it_masks_residents(self):
        self.login(self.jiedao)
        response, data = self.get(f"/api/v1/residents?household={self.home_a.pk}")
        self.assertEqual(response.status_code, 200)
        item = data["items"][0]
        self.assertEqual(item["name"], "王大妈")
        self.assertEqual(item["phone"], "139****5678")
        self.assertEqual(item["id_number"], self.person_a.id_number.masked)
        self.assertNotIn("13912345678", response.content.decode())
        self.assertNotIn(self.person_a.id_number.reveal(), response.content.decode())

    def test_it_gets_one_household(self):
        serve(self.leader, self.home_a)
        self.login(self.leader)
        response, data = self.get(f"/api/v1/households/{self.home_a.pk}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(data["building"], self.home_a.building.number)
        self.assertEqual(data["floor"], 3)

    def test_it_lists_regions_buildings_and_units(self):
        self.login(self.shequ_b)
        _, data = self.get("/api/v1/regions?level=community")
        self.assertEqual(
            data["items"],
            [
                {
                    "id": self.community_b.pk,
                    "code": "341702001002",
                    "name": "杏花村社区",
                    "level": "community",
                    "parent": self.subdistrict.pk,
                }
            ],
        )
        _, data = self.get("/api/v1/buildings?community=341702001002")
        self.assertEqual([b["id"] for b in data["items"]], [self.home_b.building_id])
        _, data = self.get(f"/api/v1/units?building={self.home_b.building_id}")
        self.assertEqual([u["id"] for u in data["items"]], [self.home_b.unit_id])

    def test_it_accepts_a_bearer_token(self):
        key = "tok_" + "x" * 40
        ApiToken.objects.create(
            user=self.shequ_b, name="测试", prefix=key[:8], key_hash=ApiToken.hash_key(key)
        )
        response, data = self.get("/api/v1/households", HTTP_AUTHORIZATION=f"Bearer {key}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual([i["id"] for i in data["items"]], [self.home_b.pk])

    def test_it_refuses_anonymous_callers(self):
        self.assertEqual(self.client.get("/api/v1/households").status_code, 401)

    def test_it_gives_nothing_to_outsiders_and_admins(self):
        # No registry scope at all: the lists are 404, like every out-of-scope page.
        for user in (self.outsider, self.xitong, self.minzheng, self.leader):
            if user == self.xitong:
                self.login_admin(user)
            else:
                self.login(user)
            for url in ("/api/v1/households", "/api/v1/residents", "/api/v1/buildings"):
                self.assertEqual(self.client.get(url).status_code, 404, (user.username, url))

    def test_it_does_not_query_per_row(self):
        for room in ("401", "402", "403"):
            make_household(self.compound_a, room, unit=self.home_a.unit)
        other = make_region("compound", "另一小区", self.community_a)
        make_household(other, "101")
        self.login(self.jiedao)
        self.client.get("/api/v1/households")  # warm the session
        with self.assertNumQueries(6):  # session, user, roles, scope, count, page
            response = self.client.get("/api/v1/households")
        self.assertEqual(json.loads(response.content)["count"], 7)

    def test_it_serves_openapi(self):
        response = self.client.get("/api/v1/openapi.json")
        self.assertEqual(response.status_code, 200)
        paths = json.loads(response.content)["paths"]
        for path in (
            "/api/v1/households",
            "/api/v1/residents",
            "/api/v1/regions",
            "/api/v1/households/{household_id}",
        ):
            self.assertIn(path, paths)
