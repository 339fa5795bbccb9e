import datetime as dt
import re

from django.utils import timezone

from loudong.roster.models import BallotToken, Vote
from loudong.roster.tests.helpers import RosterTestCase, make_person, make_selection


class BallotTestCase(RosterTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.sel_1 = make_selection(cls.post_a1, cls.person_a, status="resident_nomination")
        cls.sel_2 = make_selection(
            cls.post_a1, make_person(cls.community_a, "孙丽"), status="resident_nomination"
        )

    def issue(self):
        self.login(self.shequ_a)
        r = self.client.post(f"/roster/posts/{self.post_a1.pk}/ballots/")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Cache-Control"], "no-store")
        self.client.logout()
        return re.findall(r"/roster/ballot/([\w-]+)/", r.content.decode())

    def test_it_issues_one_token_per_occupied_household(self):
        keys = self.issue()
        self.assertEqual(len(set(keys)), 5)  # 6 households, one vacant
        self.assertEqual(BallotToken.objects.count(), 5)
        for key in keys:
            self.assertFalse(BallotToken.objects.filter(key_hash=key).exists())

    def vote(self, key, first="for", second="against"):
        return self.client.post(
            f"/roster/ballot/{key}/",
            {f"choice_{self.sel_1.pk}": first, f"choice_{self.sel_2.pk}": second},
        )

    def test_it_records_one_anonymous_ballot_and_refuses_a_second(self):
        key = self.issue()[0]
        r = self.client.get(f"/roster/ballot/{key}/")
        self.assertContains(r, "陈德明")
        self.assertContains(r, "孙丽")
        self.assertContains(r, "反对")
        self.assertContains(r, "弃权")
        r = self.vote(key, "for", "abstain")
        self.assertContains(r, "投票成功")
        choices = dict(Vote.objects.values_list("selection_id", "choice"))
        self.assertEqual(choices, {self.sel_1.pk: "for", self.sel_2.pk: "abstain"})
        self.assertFalse(hasattr(Vote.objects.first(), "household_id"))
        r = self.vote(key, "against", "against")
        self.assertContains(r, "本户已经投过票，每户只能投一次", status_code=409)
        self.assertEqual(Vote.objects.count(), 2)

    def test_it_needs_a_choice_for_every_candidate(self):
        key = self.issue()[0]
        r = self.client.post(f"/roster/ballot/{key}/", {f"choice_{self.sel_1.pk}": "for"})
        self.assertContains(r, "请对每位候选人选择", status_code=400)
        r = self.vote(key, "yes", "no")
        self.assertContains(r, "表决选项无效", status_code=400)
        self.assertFalse(Vote.objects.exists())
        self.assertFalse(BallotToken.objects.filter(used__isnull=False).exists())

    def test_it_keeps_the_token_url_on_site_but_lets_the_vote_post_its_origin(self):
        # "no-referrer" made Chromium send "Origin: null" and the CSRF check refused every vote.
        key = self.issue()[0]
        r = self.client.get(f"/roster/ballot/{key}/")
        self.assertEqual(r["Referrer-Policy"], "same-origin")
        self.assertEqual(r["Cache-Control"], "no-store")

    def test_it_refuses_an_expired_token(self):
        key = self.issue()[0]
        BallotToken.objects.update(expires=timezone.now() - dt.timedelta(minutes=1))
        r = self.client.get(f"/roster/ballot/{key}/")
        self.assertContains(r, "该推选链接已过期", status_code=410)
        self.assertEqual(self.vote(key).status_code, 410)
        self.assertFalse(Vote.objects.exists())

    def test_it_refuses_an_unknown_token(self):
        self.assertContains(
            self.client.get("/roster/ballot/nonsense/"), "链接无效", status_code=410
        )

    def test_it_shows_counted_tallies_with_turnout_without_households(self):
        keys = self.issue()
        for key in keys[:3]:
            self.vote(key)
        self.login(self.shequ_a)
        r = self.client.get(f"/roster/selections/{self.sel_1.pk}/")
        self.assertContains(r, "赞成 3，反对 0，弃权 0；参与 3/5 户（60.0%）")
        self.assertNotContains(r, "101室")
        # Enough for: the case may leave 居民推选; the other candidate has 3 against.
        r = self.client.post(
            f"/roster/selections/{self.sel_2.pk}/move/", {"to_status": "community_recommendation"}
        )
        self.assertContains(r, "赞成未多于反对", status_code=400)

    def test_it_refuses_issuing_to_read_only_roles(self):
        self.login(self.leader)
        self.assertEqual(
            self.client.post(f"/roster/posts/{self.post_a1.pk}/ballots/").status_code, 403
        )
        self.login(self.shequ_b)
        self.assertEqual(
            self.client.post(f"/roster/posts/{self.post_a1.pk}/ballots/").status_code, 404
        )
        self.assertFalse(BallotToken.objects.exists())
