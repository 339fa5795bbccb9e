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
        self._money_in_mid_life()
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

    def _money_in_mid_life(self):
        """Issue 13's demo: last year's round closed and paid in December, this year's open with
        answers, last month locked with one correction, this month prepared, one insurance gap."""
        import datetime as dt

        from django.utils import timezone

        from loudong.evaluation.models import Answer, Round
        from loudong.payroll import coverage
        from loudong.payroll.models import Line, Period

        today = timezone.localdate()
        a = Region.objects.filter(level="community").order_by("code").first()
        last = Round.objects.get(community=a, year=today.year - 1)
        self.assertEqual(last.status, "closed")
        self.assertTrue(
            last.evaluations.filter(grade="unsatisfied", adjusted_on__isnull=False).exists()
        )
        current = Round.objects.get(community=a, year=today.year)
        self.assertEqual(current.status, "open")
        self.assertTrue(Answer.objects.filter(evaluation__round=current).exists())
        december = Period.objects.get(community=a, month=dt.date(today.year - 1, 12, 1))
        self.assertTrue(december.is_locked)
        self.assertTrue(december.lines.filter(kind="year_end").exists())
        this_month = today.replace(day=1)
        previous = (this_month - dt.timedelta(days=1)).replace(day=1)
        self.assertTrue(Period.objects.get(community=a, month=previous).is_locked)
        self.assertEqual(
            Line.objects.filter(community=a, period__month=previous, kind="correction").count(), 1
        )
        self.assertEqual(Period.objects.get(community=a, month=this_month).status, "draft")
        gaps = coverage.gaps(a, today, today)
        self.assertEqual(len({g.appointment.person_id for g in gaps}), 1)
        leader = Appointment.objects.filter(person__user__username="loudongzhang", status="active")
        self.assertTrue(leader.exists())  # the demo 楼栋长 stays in post
