"""One answer per household under concurrency: the token and the evaluation are locked.

Real threads, each with its own connection, submit the same slip at the same moment: exactly one
answer is stored, the others get the ordinary refusal (never a 500). Also the bad inputs that
only a profile edit can make: a grade factor outside 0–1 is refused by the schema.
"""

import datetime as dt
import threading

from django.db import connection
from django.test import Client, TestCase, TransactionTestCase

from loudong.accounts.models import RoleAssignment, User
from loudong.accounts.roles import Role
from loudong.evaluation.actions import rounds, surveys
from loudong.evaluation.models import Answer, SurveyToken
from loudong.roster.models import Appointment, Person, Post
from loudong.territory.models import Household, Region

ANSWER = {
    "q_visits": "often",
    "q_help": "timely",
    "q_publicity": "timely",
    "q_overall": "satisfied",
}


class SecondAnswerRaceTestCase(TransactionTestCase):
    def test_simultaneous_answers_from_one_household_store_one(self):
        # A TransactionTestCase starts from a flushed database: load the built-in profiles.
        from django.core.management import call_command

        call_command("load_profiles", verbosity=0)
        district = Region.objects.create(level="district", name="贵池区", code="341702")
        sub = Region.objects.create(level="subdistrict", name="池阳街道", parent=district)
        community = Region.objects.create(
            level="community", name="秀山门社区", parent=sub, code="341702001001"
        )
        compound = Region.objects.create(level="compound", name="翠微小区", parent=community)
        user = User.objects.create_user("shequ_a", password="Cast-pass-2026")
        RoleAssignment.objects.create(user=user, role=Role.COMMUNITY_WORKER, region=community)
        from loudong.territory.models import Building, Unit

        building = Building.objects.create(community=community, compound=compound, number="1号楼")
        unit = Unit.objects.create(
            community=community, compound=compound, building=building, number="1单元"
        )
        post = Post.objects.create(
            community=community,
            compound=compound,
            kind="building_leader",
            title="1号楼楼栋长",
            building=building,
        )
        Household.objects.create(
            community=community, compound=compound, building=building, unit=unit, room="101"
        )
        person = Person.objects.create(community=community, name="王建国")
        Appointment.objects.create(
            person=person, post=post, community=community, start=dt.date(2025, 1, 1)
        )
        round_ = rounds.open_round(
            community=community, year=2025, acting_user=user, today=dt.date(2025, 12, 1)
        )
        (slip,) = surveys.issue_slips(evaluation=round_.evaluations.get(), acting_user=user)
        barrier = threading.Barrier(4)
        codes = []

        def submit():
            try:
                barrier.wait()
                codes.append(Client().post(f"/q/{slip.key}/", ANSWER).status_code)
            finally:
                connection.close()

        threads = [threading.Thread(target=submit) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(sorted(codes), [200, 409, 409, 409])
        self.assertEqual(Answer.objects.count(), 1)
        self.assertTrue(SurveyToken.objects.get().used)


class FactorOutsideRangeTestCase(TestCase):
    def test_a_factor_outside_0_1_is_refused_and_nothing_is_written(self):
        from django.core.exceptions import ValidationError

        from loudong.policy.actions import create_profile_version
        from loudong.policy.models import PolicyProfile
        from loudong.policy.schema import read_builtin

        data = read_builtin("chiyang")
        data["evaluation"]["grades"][0]["factor"] = "1.20"
        with self.assertRaises(ValidationError) as caught:
            create_profile_version(name="chiyang", data=data, note="试", acting_user=None)
        self.assertIn(
            "evaluation.grades[0].factor：必须是 0 到 1 之间", caught.exception.messages[0]
        )
        self.assertEqual(PolicyProfile.objects.filter(name="chiyang").count(), 1)
        data["evaluation"]["grades"][0]["factor"] = "1.00"
        data["evaluation"]["grades"][1]["min_score"] = 90
        data["evaluation"]["parts"][0]["weight"] = 30
        messages = []
        try:
            create_profile_version(name="chiyang", data=data, note="试", acting_user=None)
        except ValidationError as exc:
            messages = exc.messages
        self.assertIn("evaluation.parts：各项权重之和必须为 100（现为 110）", messages)
        self.assertTrue(
            any(m.startswith("evaluation.grades[1].min_score：必须低于") for m in messages)
        )
