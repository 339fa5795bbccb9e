"""长春 awards (004 §四.15): nomination → review → public vote → 公示 → award, with 以奖代补."""

import datetime as dt
from decimal import Decimal

import time_machine
from django.test import override_settings

from loudong.payroll.actions import awards
from loudong.payroll.models import AwardToken, AwardVote, Campaign, Line, Nomination
from loudong.payroll.tests.helpers import PayrollTestCase
from loudong.payroll.tests.test_switches import new_version
from loudong.territory.models import Household

NOW = dt.datetime(2025, 12, 1, 9, 0, tzinfo=dt.UTC)


@override_settings(LOUDONG_POLICY="changchun")
@time_machine.travel(NOW, tick=False)
class AwardsTestCase(PayrollTestCase):
    def setUp(self):
        self.cast = self.staff(dt.date(2025, 1, 1))
        self.login(self.shequ_a)

    def start(self):
        r = self.client.post(
            "/payroll/awards/new/",
            {
                "community": self.community_a.pk,
                "award": "best_building_leader",
                "year": 2025,
                "places": 1,
            },
        )
        self.assertEqual(r.status_code, 302)
        return Campaign.objects.get()

    def slips(self, campaign):
        households = list(Household.objects.filter(compound=self.compound_a, occupied=True))
        return awards.issue_slips(
            campaign=campaign, households=households, acting_user=self.shequ_a
        )

    def test_the_whole_award(self):
        campaign = self.start()
        self.assertEqual(campaign.title, "最美楼栋长")
        r = self.client.post(
            f"/payroll/awards/{campaign.pk}/nominate/",
            {"appointment": self.cast["wang"].pk, "reason": "走访勤"},
        )
        self.assertEqual(r.status_code, 302)
        slips = self.slips(campaign)
        self.assertEqual(len(slips), 25)  # five grids × five occupied households
        _, _, key = slips[0]
        self.client.logout()
        liu = self.cast["liu"][0]
        r = self.client.post(f"/a/{key}/", {"choice": liu.pk})
        self.assertContains(r, "提名成功")
        r = self.client.post(f"/a/{key}/", {"choice": liu.pk})
        self.assertEqual(r.status_code, 409)
        self.assertEqual(Nomination.objects.get(person=self.liu).resident_nominations, 1)
        self.login(self.shequ_a)
        self.client.post(f"/payroll/awards/{campaign.pk}/review/")
        for nomination in Nomination.objects.all():
            self.client.post(f"/payroll/nominations/{nomination.pk}/review/", {"accept": "1"})
        self.client.post(f"/payroll/awards/{campaign.pk}/voting/")
        self.assertEqual(Campaign.objects.get().status, "voting")
        wang = Nomination.objects.get(person=self.wang)
        self.client.logout()
        for _, _, k in slips[:3]:
            self.assertContains(self.client.post(f"/a/{k}/", {"choice": wang.pk}), "投票成功")
        self.client.post(
            f"/a/{slips[3][2]}/", {"choice": Nomination.objects.get(person=self.liu).pk}
        )
        r = self.client.post(f"/a/{slips[0][2]}/", {"choice": wang.pk})
        self.assertEqual(r.status_code, 409)
        self.assertEqual(AwardVote.objects.count(), 4)
        self.assertFalse({f.name for f in AwardVote._meta.get_fields()} & {"token", "household"})
        self.login(self.shequ_a)
        self.client.post(f"/payroll/awards/{campaign.pk}/count/")
        campaign.refresh_from_db()
        self.assertEqual(campaign.status, "notice")
        wang.refresh_from_db()
        self.assertEqual((wang.votes, wang.awarded), (3, True))
        self.assertFalse(Nomination.objects.get(person=self.liu).awarded)
        # Before the 公示 ends: refused.
        r = self.client.post(
            f"/payroll/awards/{campaign.pk}/grant/", {f"reward_{wang.pk}": "500"}, follow=True
        )
        self.assertContains(r, "公示期满后方可授予表彰")
        self.assertFalse(Line.objects.filter(kind="reward").exists())
        with time_machine.travel(dt.datetime(2025, 12, 15, 9, tzinfo=dt.UTC), tick=False):
            self.login(self.shequ_a)
            # A reward for someone who did not win: refused, nothing written.
            liu_n = Nomination.objects.get(person=self.liu)
            r = self.client.post(
                f"/payroll/awards/{campaign.pk}/grant/", {f"reward_{liu_n.pk}": "100"}, follow=True
            )
            self.assertContains(r, "只能为获表彰的人员设定奖励金额")
            r = self.client.post(
                f"/payroll/awards/{campaign.pk}/grant/", {f"reward_{wang.pk}": "500"}, follow=True
            )
            self.assertContains(r, "已授予表彰")
        line = Line.objects.get(kind="reward")
        self.assertEqual(
            (line.amount, line.person, line.period.month),
            (Decimal("500.00"), self.wang, dt.date(2025, 12, 1)),
        )
        self.assertIn("最美楼栋长", line.basis)
        self.assertEqual(Campaign.objects.get().status, "awarded")

    def test_rewards_in_lieu_switch(self):
        new_version(
            lambda d: d["subsidy"].update(rewards_in_lieu=False),
            name="changchun",
            on=dt.date(2025, 6, 1),
        )
        campaign = self.start()
        awards.nominate(
            campaign=campaign, appointment=self.cast["wang"], reason="", acting_user=self.shequ_a
        )
        awards.close_nominations(campaign=campaign, acting_user=self.shequ_a)
        awards.review(
            nomination=Nomination.objects.get(), accept=True, note="", acting_user=self.shequ_a
        )
        awards.open_voting(campaign=campaign, acting_user=self.shequ_a)
        awards.vote(key=self.slips(campaign)[0][2], nomination_id=Nomination.objects.get().pk)
        awards.close_voting(campaign=campaign, acting_user=self.shequ_a)
        winner = Nomination.objects.get()
        with time_machine.travel(dt.datetime(2025, 12, 15, 9, tzinfo=dt.UTC), tick=False):
            with self.assertRaisesMessage(Exception, "本方案未启用以奖代补"):
                awards.grant(
                    campaign=campaign, rewards={winner.pk: Decimal("300")}, acting_user=self.shequ_a
                )
            self.assertEqual(Campaign.objects.get().status, "notice")
            awards.grant(campaign=campaign, rewards={}, acting_user=self.shequ_a)
        self.assertEqual(Campaign.objects.get().status, "awarded")
        self.assertFalse(Line.objects.exists() and Line.objects.filter(kind="reward").exists())

    def test_only_the_awards_posts_are_eligible(self):
        campaign = self.start()
        from loudong.roster.tests.helpers import make_post

        unit_post = make_post(self.community_a, "", kind="unit_leader")
        from loudong.payroll.tests.helpers import appoint

        unit_leader = appoint(self.li, unit_post, dt.date(2025, 1, 1))
        r = self.client.post(
            f"/payroll/awards/{campaign.pk}/nominate/", {"appointment": unit_leader.pk}
        )
        self.assertEqual(r.status_code, 400)
        self.assertFalse(Nomination.objects.exists())

    def test_chiyang_has_no_awards(self):
        with override_settings(LOUDONG_POLICY="chiyang"):
            r = self.client.post(
                "/payroll/awards/new/",
                {
                    "community": self.community_a.pk,
                    "award": "best_building_leader",
                    "year": 2025,
                    "places": 1,
                },
            )
        self.assertEqual(r.status_code, 302)
        self.assertFalse(Campaign.objects.exists())

    def test_the_refusals_by_role(self):
        campaign = self.start()
        for user, status in ((self.shequ_b, 404), (self.leader, 403), (self.minzheng, 403)):
            self.login(user)
            r = self.client.post(
                f"/payroll/awards/{campaign.pk}/nominate/", {"appointment": self.cast["wang"].pk}
            )
            self.assertEqual(r.status_code, status, user)
        self.assertFalse(Nomination.objects.exists())
        self.assertFalse(AwardToken.objects.exists())
