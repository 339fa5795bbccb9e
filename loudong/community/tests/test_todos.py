"""The 三长 to-dos on the workbench: handovers awaiting confirmation, months not planned,
untrained leaders, outsider records nearing their purge — for the community's workers only."""

import time_machine

from loudong.community import outsiders
from loudong.community import rotation as rota
from loudong.community.tests.duty_helpers import DutyTestCase, at, make_leader
from loudong.workbench.tests.test_home import counts

MARCH = at(2026, 3, 10)


class TodosTestCase(DutyTestCase):
    def setUp(self):
        today = MARCH.date()
        with time_machine.travel(MARCH, tick=False):
            rota.switch_pilot(
                community=self.community_a, on=True, acting_user=self.shequ_a, today=today
            )
            self.rotation = rota.start_rotation(
                unit=self.unit, acting_user=self.shequ_a, today=today
            )
            rota.add_member(
                rotation=self.rotation,
                household=self.households[0],
                duty_name="户1",
                acting_user=self.shequ_a,
                today=today,
            )
            rota.plan_months(
                rotation=self.rotation, months=2, acting_user=self.shequ_a, today=today
            )
            make_leader("赵楼长", self.households[0])
            outsiders.start_registration(
                community=self.community_a, reason="应急", acting_user=self.shequ_a, today=today
            )
            outsiders.register_outsider(
                acting_user=self.shequ_a,
                household=self.households[1],
                name="来客",
                origin="外地",
                arrived_on=at(2026, 3, 1).date(),
                left_on=at(2026, 3, 9).date(),
            )

    def test_the_worker_sees_the_communitys_items(self):
        self.login(self.shequ_a)
        with time_machine.travel(at(2026, 4, 4), tick=False):
            got = counts(self.client.get("/"))
            # March ended without a confirmed handover; May is not planned; 赵楼长 untrained;
            # the visitor who left on 03-09 is deleted on 04-06 (within the 3-day warning).
            self.assertEqual(got["rotation-handovers"], 1)
            self.assertEqual(got["rotation-unplanned"], 1)
            self.assertEqual(got["training-untrained"], 1)
            self.assertEqual(got["outsiders-nearing-purge"], 1)
            page = self.client.get("/workbench/rotation-handovers/")
            self.assertContains(page, "本月工作情况尚未填写")

    def test_other_roles_see_none_of_it(self):
        with time_machine.travel(at(2026, 4, 4), tick=False):
            for user in (self.shequ_b, self.jiedao, self.minzheng):
                self.login(user)
                got = counts(self.client.get("/"))
                for key in ("rotation-handovers", "training-untrained", "outsiders-nearing-purge"):
                    self.assertNotIn(key, got, user)
