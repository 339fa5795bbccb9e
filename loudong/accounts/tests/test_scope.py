from loudong.accounts.access import scope_for
from loudong.accounts.models import AuditEvent
from loudong.accounts.roles import Cap
from loudong.territory.models import Household, Region
from loudong.test import BaseTestCase, make_household, make_region, make_resident


class ScopeTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.home_a = make_household(cls.compound_a)
        cls.home_b = make_household(cls.compound_b)
        cls.person_a = make_resident(cls.home_a, "王大妈", phone="13912345678")
        cls.person_b = make_resident(cls.home_b, "李大爷", phone="13800001111")

    def test_it_filters_lists_by_scope(self):
        self.assertEqual(list(Household.objects.visible_to(self.shequ_a)), [self.home_a])
        self.assertEqual(list(Household.objects.visible_to(self.shequ_b)), [self.home_b])
        self.assertEqual(Household.objects.visible_to(self.jiedao).count(), 2)
        # 区民政局: aggregates only, no registry rows; a 楼栋长 without posts: none either.
        for nobody in (
            self.minzheng,
            self.leader,
            self.outsider,
            self.xitong,
            self.anquan,
            self.shenji,
        ):
            self.assertEqual(Household.objects.visible_to(nobody).count(), 0)

    def test_it_scopes_regions_by_path(self):
        visible = set(Region.objects.visible_to(self.shequ_a))
        self.assertEqual(visible, {self.community_a, self.compound_a})
        self.assertIn(self.community_b, set(Region.objects.visible_to(self.jiedao)))
        self.assertNotIn(self.district, set(Region.objects.visible_to(self.jiedao)))

    def test_it_gives_read_only_roles_no_edit_scope(self):
        self.assertFalse(scope_for(self.minzheng, Cap.EDIT))
        self.assertFalse(scope_for(self.leader, Cap.EDIT))
        self.assertTrue(scope_for(self.shequ_a, Cap.EDIT).allows(self.home_a))
        self.assertFalse(scope_for(self.shequ_a, Cap.EDIT).allows(self.home_b))

    def test_it_scopes_a_compound_level_role_to_its_compound(self):
        from loudong.accounts.models import RoleAssignment
        from loudong.accounts.roles import Role
        from loudong.test import make_user

        other = make_region(Region.Level.COMPOUND, "桂花园", self.community_a)
        from loudong.roster.models import Appointment, Person, Post

        unit_leader = make_user("danyuanzhang")
        RoleAssignment.objects.create(user=unit_leader, role=Role.UNIT_LEADER, region=other)
        home = make_household(other)
        make_household(other)  # another unit of the same compound: not theirs
        person = Person.objects.create(community=self.community_a, name="孙单元", user=unit_leader)
        post = Post.objects.create(
            community=self.community_a,
            compound=other,
            kind="unit_leader",
            building=home.building,
            unit=home.unit,
            title="单元长",
        )
        Appointment.objects.create(
            person=person, post=post, community=self.community_a, start="2025-01-01"
        )
        self.assertEqual(list(Household.objects.visible_to(unit_leader)), [home])

    def test_it_shows_own_community_pages(self):
        self.login(self.shequ_a)
        for url in (
            f"/territory/households/{self.home_a.pk}/",
            f"/territory/residents/{self.person_a.pk}/",
            f"/territory/regions/{self.community_a.pk}/",
            f"/territory/buildings/{self.home_a.building_id}/",
        ):
            self.assertEqual(self.client.get(url).status_code, 200, url)

    def test_it_answers_404_for_the_other_community_and_audits(self):
        self.login(self.shequ_a)
        for url in (
            f"/territory/households/{self.home_b.pk}/",
            f"/territory/residents/{self.person_b.pk}/",
            f"/territory/regions/{self.community_b.pk}/",
            f"/territory/buildings/{self.home_b.building_id}/",
        ):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 404, url)
            self.assertContains(response, "不在您的管辖范围内", status_code=404)
        self.assertEqual(AuditEvent.objects.filter(action="access.out_of_scope").count(), 4)

    def test_it_answers_404_to_outsider_and_admins(self):
        for user in (self.outsider, self.xitong, self.anquan, self.shenji):
            self.login(user) if user == self.outsider else self.login_admin(user)
            response = self.client.get(f"/territory/households/{self.home_a.pk}/")
            self.assertEqual(response.status_code, 404, user.username)

    def test_it_answers_404_for_ids_that_do_not_exist(self):
        self.login(self.jiedao)
        self.assertEqual(self.client.get("/territory/households/999999/").status_code, 404)

    def test_it_masks_personal_data_on_pages(self):
        self.login(self.minzheng)  # no resident rows for the 区民政局
        self.assertEqual(
            self.client.get(f"/territory/households/{self.home_a.pk}/").status_code, 404
        )
        self.login(self.shequ_a)
        response = self.client.get(f"/territory/households/{self.home_a.pk}/")
        self.assertContains(response, "139****5678")
        self.assertNotContains(response, "13912345678")
        self.assertNotContains(response, self.person_a.id_number.reveal())
        self.assertContains(response, self.person_a.id_number.masked)


class RevealTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.home_a = make_household(cls.compound_a)
        cls.person_a = make_resident(cls.home_a, "王大妈", phone="13912345678")

    def url(self):
        return f"/territory/residents/{self.person_a.pk}/reveal/"

    def test_it_reveals_with_a_reason_and_audits(self):
        self.login(self.shequ_a)
        response = self.client.post(self.url(), {"reason": "核实低保申请"})
        self.assertContains(response, "13912345678")
        self.assertContains(response, self.person_a.id_number.reveal())
        self.assertEqual(response["Cache-Control"], "no-store")
        event = AuditEvent.objects.get(action="personal_data.reveal")
        self.assertEqual(event.actor, self.shequ_a)
        self.assertEqual(event.reason, "核实低保申请")
        self.assertEqual(event.target_id, str(self.person_a.pk))
        self.assertNotIn("13912345678", str(event.new))

    def test_it_needs_a_reason(self):
        self.login(self.shequ_a)
        response = self.client.post(self.url(), {"reason": ""})
        self.assertEqual(response.status_code, 400)
        self.assertNotContains(response, "13912345678", status_code=400)
        self.assertFalse(AuditEvent.objects.filter(action="personal_data.reveal").exists())

    def test_it_refuses_read_only_roles_with_403(self):
        from loudong.roster.models import Post
        from loudong.roster.tests.helpers import make_appointment, make_person

        person = make_person(self.community_a, "陈德明", user=self.leader)
        post = Post.objects.create(
            community=self.community_a,
            compound=self.compound_a,
            kind="building_leader",
            building=self.home_a.building,
            title="楼栋长",
        )
        make_appointment(person, post)
        self.login(self.leader)  # serves this household: may see it, never reveal
        response = self.client.post(self.url(), {"reason": "想看看"})
        self.assertEqual(response.status_code, 403)
        self.assertNotContains(response, "13912345678", status_code=403)
        self.assertEqual(AuditEvent.objects.filter(action="access.denied").count(), 1)
        self.login(self.minzheng)  # no resident rows at all
        self.assertEqual(self.client.post(self.url(), {"reason": "想看看"}).status_code, 404)
        self.assertFalse(AuditEvent.objects.filter(action="personal_data.reveal").exists())

    def test_it_refuses_other_community_with_404(self):
        self.login(self.shequ_b)
        self.assertEqual(self.client.post(self.url(), {"reason": "核实"}).status_code, 404)

    def test_it_rejects_get(self):
        self.login(self.shequ_a)
        self.assertEqual(self.client.get(self.url()).status_code, 405)


class ProbeFloodTestCase(BaseTestCase):
    """Out-of-scope probes are audited, at most one row per user per minute per path family."""

    def test_a_scan_of_ids_writes_one_row_a_minute(self):
        import datetime as dt

        import time_machine

        homes = [make_household(self.compound_b) for _ in range(5)]
        self.login(self.shequ_a)
        with time_machine.travel(dt.datetime(2026, 5, 1, 9, 0, 5, tzinfo=dt.UTC), tick=False):
            for home in homes:
                self.assertEqual(
                    self.client.get(f"/territory/households/{home.pk}/").status_code, 404
                )
            self.client.get(f"/territory/buildings/{homes[0].building_id}/")  # another family
        self.assertEqual(AuditEvent.objects.filter(action="access.out_of_scope").count(), 2)
        with time_machine.travel(dt.datetime(2026, 5, 1, 9, 1, 10, tzinfo=dt.UTC), tick=False):
            self.client.get(f"/territory/households/{homes[1].pk}/")
        self.assertEqual(AuditEvent.objects.filter(action="access.out_of_scope").count(), 3)
