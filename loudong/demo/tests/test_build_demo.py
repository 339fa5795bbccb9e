from io import StringIO

from django.core.management import call_command
from django.test import TestCase

from loudong.demo.accounts import DEFAULT_PASSWORD
from loudong.documents.models import Agreement
from loudong.grids.models import Division
from loudong.roster.models import Appointment, Selection
from loudong.territory.models import Household, Region


class BuildDemoTestCase(TestCase):
    def test_it_builds_a_demo_in_mid_life_once(self):
        out = StringIO()
        call_command("build_demo", households=6000, seed=7, stdout=out)
        text = out.getvalue()
        self.assertIn("TOTP 密钥", text)
        self.assertGreaterEqual(Region.objects.filter(level="community").count(), 1)
        self.assertGreater(Household.objects.filter(occupied=True).count(), 5000)
        self.assertTrue(Division.objects.filter(status=Division.Status.FROZEN).exists())
        self.assertTrue(Appointment.objects.filter(status="active").exists())
        self.assertTrue(Agreement.objects.filter(status=Agreement.Status.SIGNED).exists())
        self.assertEqual(Selection.objects.filter(status="public_notice").count(), 1)
        for username in ("jiedao", "shequ_a", "shequ_b", "loudongzhang", "minzheng"):
            response = self.client.post(
                "/accounts/login/", {"username": username, "password": DEFAULT_PASSWORD}
            )
            self.assertEqual(response.status_code, 302, username)
            self.assertEqual(self.client.get(response["Location"]).status_code, 200, username)
            self.client.logout()
        # The database is no longer empty: a second run builds nothing.
        households = Household.objects.count()
        out = StringIO()
        call_command("build_demo", households=6000, seed=7, stdout=out)
        self.assertIn("跳过构建", out.getvalue())
        self.assertEqual(Household.objects.count(), households)
