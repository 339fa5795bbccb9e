from collections import Counter

from loudong.accounts.models import AuditEvent
from loudong.grids.actions import division_policy
from loudong.grids.models import Division, DivisionEvent, Grid, GridPiece
from loudong.grids.tests.helpers import GridTestCase
from loudong.territory.models import Household


class ProposeTestCase(GridTestCase):
    def test_it_creates_a_draft_covering_every_occupied_household_once(self):
        division = self.propose()
        self.assertEqual(division.status, Division.Status.DRAFT)
        self.assertEqual(division.profile_name, "chiyang")
        # The version in force for the community's 街道, pinned on the draft.
        self.assertEqual(division.profile_version, division_policy(self.community_a)[1].version)
        self.assertEqual(division.created_by, self.shequ_a)
        pieces = list(GridPiece.objects.filter(grid__division=division).select_related("unit"))
        # Never across communities: every piece is a unit of 社区 A.
        self.assertTrue(all(p.unit.community_id == self.community_a.pk for p in pieces))
        self.assertTrue(
            all(
                g.community_id == self.community_a.pk
                for g in Grid.objects.filter(division=division)
            )
        )
        # Every occupied household exactly once (units whole or floor ranges that do not overlap).
        occupied = Counter(
            Household.objects.filter(community=self.community_a, occupied=True).values_list(
                "unit_id", flat=True
            )
        )
        covered = Counter()
        for p in pieces:
            covered[p.unit_id] += p.households
        self.assertEqual(covered, occupied)
        self.assertEqual(sum(occupied.values()), 320)
        grids = Grid.objects.filter(division=division)
        self.assertEqual(sum(g.households for g in grids), 320)
        self.assertEqual(division.report["households"], 320)
        self.assertTrue(all(g.code == "" for g in grids))
        self.assertTrue(DivisionEvent.objects.filter(division=division, kind="proposed").exists())
        self.assertTrue(
            AuditEvent.objects.filter(
                action="grids.division.propose", target_id=str(division.pk)
            ).exists()
        )

    def test_it_redirects_to_the_review_page(self):
        self.login(self.shequ_a)
        r = self.client.post(
            f"/grids/community/{self.community_a.pk}/propose/", {"profile_name": "chiyang"}
        )
        division = Division.objects.get()
        self.assertRedirects(r, division.get_absolute_url())

    def test_it_uses_the_profile_of_the_communitys_subdistrict(self):
        self.subdistrict.policy_name = "changchun"
        self.subdistrict.save()
        division = self.propose()
        self.assertEqual(division.profile_name, "changchun")
        self.assertEqual(division.report["policy"]["lower"], 400)

    def test_it_counts_every_household_when_the_profile_says_so(self):
        from loudong.policy.actions import create_profile_version
        from loudong.policy.schema import read_builtin

        Household.objects.filter(community=self.community_a).update(
            residence="vacant", occupied=False
        )
        data = read_builtin("chiyang")
        data["division"]["count"] = "all_households"
        create_profile_version(
            name="chiyang", data=data, note="按全部户数", acting_user=self.jiedao
        )
        division = self.propose()
        everyone = Household.objects.filter(community=self.community_a).count()
        self.assertEqual(division.report["households"], everyone)

    def test_it_weights_households_by_structure_when_switched_on(self):
        from loudong.policy.actions import create_profile_version
        from loudong.policy.schema import read_builtin

        plain = self.propose().report["households"]
        Household.objects.filter(community=self.community_a).update(residence="floating")
        data = read_builtin("chiyang")
        data["division"]["weight_by_structure"] = True
        data["division"]["structure_weights"] = {"floating": 1.5}
        create_profile_version(
            name="chiyang", data=data, note="按居民结构加权", acting_user=self.jiedao
        )
        weighted = self.propose()
        self.assertAlmostEqual(weighted.report["households"], plain * 1.5, delta=10)
        self.assertTrue(any("加权" in w for w in weighted.warnings))

    def test_it_warns_about_buildings_without_coordinates(self):
        type(self.b1).objects.filter(pk=self.b1.pk).update(x=None, y=None)
        division = self.propose()
        self.assertTrue(any("楼栋缺少坐标" in w for w in division.warnings))
        covered = sum(g.households for g in division.grids.all())
        self.assertEqual(covered, 320)

    def test_it_lets_the_subdistrict_admin_propose(self):
        division = self.propose(community=self.community_b, user=self.jiedao)
        self.assertEqual(division.report["households"], 70)

    def test_it_rejects_get(self):
        self.login(self.shequ_a)
        r = self.client.get(f"/grids/community/{self.community_a.pk}/propose/")
        self.assertEqual(r.status_code, 405)

    def test_it_refuses_read_only_roles_with_403(self):
        for user in (self.minzheng, self.leader):
            self.login(user)
            r = self.client.post(
                f"/grids/community/{self.community_a.pk}/propose/", {"profile_name": "chiyang"}
            )
            self.assertEqual(r.status_code, 403, user)
        self.assertFalse(Division.objects.exists())

    def test_it_hides_other_communities(self):
        for user in (self.shequ_b, self.outsider, self.xitong):
            self.login(user)
            r = self.client.post(
                f"/grids/community/{self.community_a.pk}/propose/", {"profile_name": "chiyang"}
            )
            self.assertEqual(r.status_code, 404, user)
        self.assertFalse(Division.objects.exists())

    def test_it_refuses_an_empty_community(self):
        Household.objects.filter(community=self.community_b).update(occupied=False)
        self.login(self.shequ_b)
        r = self.client.post(
            f"/grids/community/{self.community_b.pk}/propose/",
            {"profile_name": "chiyang"},
            follow=True,
        )
        self.assertContains(r, "没有实际居住的住户")
        self.assertFalse(Division.objects.exists())
