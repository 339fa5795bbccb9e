"""重点关注 households: set by the community, reason sealed; leaders see only the flag."""

from loudong.accounts.models import AuditEvent
from loudong.territory.models import Household
from loudong.test import BaseTestCase, make_household, serve


class AttentionTestCase(BaseTestCase):
    def setUp(self):
        self.home = make_household(self.compound_a)

    def test_a_worker_flags_a_household_with_a_sealed_reason(self):
        self.login(self.shequ_a)
        r = self.client.post(
            f"/territory/households/{self.home.pk}/attention/",
            {"needs_attention": "on", "reason": "行动不便"},
        )
        self.assertEqual(r.status_code, 302)
        home = Household.objects.get(pk=self.home.pk)
        self.assertTrue(home.needs_attention)
        self.assertEqual(home.attention_reason.reveal(), "行动不便")
        event = AuditEvent.objects.get(action="household.attention")
        self.assertEqual(event.new["attention_reason"], "****")
        page = self.client.get(home.get_absolute_url())
        self.assertContains(page, "重点关注")
        self.assertNotContains(page, "行动不便")
        page = self.client.post(
            f"/territory/households/{self.home.pk}/attention/reveal/", {"reason": "安排走访"}
        )
        self.assertContains(page, "行动不便")
        self.assertTrue(
            AuditEvent.objects.filter(
                action="personal_data.reveal", target_id=str(self.home.pk)
            ).exists()
        )

    def test_the_flag_needs_a_reason(self):
        self.login(self.shequ_a)
        r = self.client.post(
            f"/territory/households/{self.home.pk}/attention/",
            {"needs_attention": "on", "reason": " "},
        )
        self.assertContains(r, "列为重点关注户时须填写原因", status_code=400)
        self.assertFalse(Household.objects.get(pk=self.home.pk).needs_attention)

    def test_a_leader_sees_the_flag_never_the_reason_and_may_not_set_it(self):
        Household.objects.filter(pk=self.home.pk).update(needs_attention=True)
        home = Household.objects.get(pk=self.home.pk)
        home.attention_reason = "行动不便"
        home.save()
        serve(self.leader, home)  # a 楼栋长 sees the households of the posts held
        self.login(self.leader)
        page = self.client.get(home.get_absolute_url())
        self.assertContains(page, "重点关注")
        self.assertNotContains(page, "行动不便")
        self.assertEqual(
            self.client.post(
                f"/territory/households/{home.pk}/attention/", {"reason": "x"}
            ).status_code,
            403,
        )
        self.assertEqual(
            self.client.post(
                f"/territory/households/{home.pk}/attention/reveal/", {"reason": "x"}
            ).status_code,
            403,
        )
        self.login(self.shequ_b)
        self.assertEqual(
            self.client.post(
                f"/territory/households/{home.pk}/attention/", {"reason": "x"}
            ).status_code,
            404,
        )
