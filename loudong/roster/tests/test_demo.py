import datetime as dt
import io

from loudong.accounts.models import User
from loudong.roster.models import Appointment, Person, Selection
from loudong.roster.tests.helpers import RosterTestCase
from loudong.territory.models import Household
from loudong.test import make_id, make_resident


class DemoTestCase(RosterTestCase):
    def test_it_builds_the_roster_step(self):
        from loudong.demo.roster import build_roster

        Appointment.objects.all().delete()
        for i, home in enumerate(Household.objects.filter(community=self.community_a)):
            born = dt.date(1956 + i, 5, 4)
            make_resident(
                home, f"居民{i}", id_number=make_id(born), birth_date=born, phone=f"1391234{i:04d}"
            )
        out = io.StringIO()
        build_roster({"subdistrict": self.subdistrict, "A": self.community_a}, seed=1, stdout=out)
        self.assertIn("秀山门社区", out.getvalue())
        self.assertIn("杏花村社区", out.getvalue())
        self.assertTrue(Appointment.objects.filter(community=self.community_a).exists())
        self.assertTrue(
            Person.objects.filter(user=User.objects.get(username="loudongzhang")).exists()
        )
        self.assertLessEqual(Selection.objects.filter(status="public_notice").count(), 1)
        before = Appointment.objects.count()
        build_roster({"subdistrict": self.subdistrict, "A": self.community_a}, seed=1, stdout=out)
        self.assertEqual(Appointment.objects.count(), before)
