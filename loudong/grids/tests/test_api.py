from loudong.grids.tests.helpers import GridTestCase


class GridsApiTestCase(GridTestCase):
    def setUp(self):
        self.a = self.freeze(self.propose())
        self.b = self.freeze(
            self.propose(community=self.community_b, user=self.shequ_b), user=self.shequ_b
        )
        self.draft = self.propose()  # a newer draft is not in force

    def test_it_lists_grids_in_force_with_exact_fields(self):
        self.login(self.jiedao)
        r = self.client.get("/api/v1/grids")
        self.assertEqual(r.status_code, 200)
        data = r.json()
        self.assertEqual(data["count"], 5)
        item = data["items"][0]
        self.assertEqual(set(item), {"id", "code", "community", "households", "leader"})
        grid = self.a.grids.get(pk=item["id"])
        self.assertEqual(item["code"], grid.code)
        self.assertEqual(item["community"], self.community_a.code)
        self.assertEqual(item["households"], grid.households)
        self.assertIsNone(item["leader"])
        ids = {i["id"] for i in data["items"]}
        self.assertEqual(
            ids,
            set(self.a.grids.values_list("pk", flat=True))
            | set(self.b.grids.values_list("pk", flat=True)),
        )

    def test_it_filters_by_community(self):
        self.login(self.jiedao)
        data = self.client.get(f"/api/v1/grids?community={self.community_b.code}").json()
        self.assertEqual(data["count"], 1)
        self.assertEqual(data["items"][0]["community"], self.community_b.code)
        self.assertEqual(data["items"][0]["households"], 70)

    def test_it_shows_only_the_callers_scope(self):
        self.login(self.shequ_a)
        data = self.client.get("/api/v1/grids").json()
        self.assertEqual(data["count"], 4)
        self.assertEqual({i["community"] for i in data["items"]}, {self.community_a.code})
        r = self.client.get(f"/api/v1/grids?community={self.community_b.code}")
        self.assertEqual(r.status_code, 404)

    def test_it_limits(self):
        self.login(self.jiedao)
        data = self.client.get("/api/v1/grids?limit=2").json()
        self.assertEqual(len(data["items"]), 2)
        self.assertEqual(data["count"], 5)
        data = self.client.get("/api/v1/grids?limit=5000").json()
        self.assertEqual(len(data["items"]), 5)

    def test_it_follows_the_latest_frozen_division(self):
        self.freeze(self.draft)
        self.login(self.shequ_a)
        data = self.client.get(f"/api/v1/grids?community={self.community_a.code}").json()
        self.assertEqual(
            {i["id"] for i in data["items"]}, set(self.draft.grids.values_list("pk", flat=True))
        )

    def test_it_shows_nothing_to_outsiders(self):
        for user in (self.outsider, self.xitong):
            self.login(user)
            data = self.client.get("/api/v1/grids").json()
            self.assertEqual(data["count"], 0)
            r = self.client.get(f"/api/v1/grids?community={self.community_a.code}")
            self.assertEqual(r.status_code, 404)

    def test_it_needs_authentication(self):
        self.client.logout()
        self.assertEqual(self.client.get("/api/v1/grids").status_code, 401)


class GridLeaderApiTestCase(GridTestCase):
    def test_it_names_the_building_leader_in_post(self):
        import datetime as dt

        from loudong.roster.models import Appointment, Person, Post

        division = self.freeze(self.propose())
        grid = division.grids.order_by("sequence").first()
        post = Post.objects.create(
            kind=Post.Kind.BUILDING_LEADER,
            community=self.community_a,
            grid_code=grid.code,
            title="测试网格楼栋长",
        )
        person = Person.objects.create(community=self.community_a, name="陈德明")
        Appointment.objects.create(
            person=person, post=post, community=self.community_a, start=dt.date(2021, 9, 8)
        )
        self.login(self.shequ_a)
        # Session, user, roles, scope, count, page: the leaders come in the page's query.
        with self.assertNumQueries(6):
            items = self.client.get("/api/v1/grids").json()["items"]
        leaders = {i["id"]: i["leader"] for i in items}
        self.assertEqual(leaders[grid.pk], person.pk)
        self.assertEqual(sum(1 for v in leaders.values() if v is not None), 1)
        self.assertEqual(grid.leader_id(), person.pk)
