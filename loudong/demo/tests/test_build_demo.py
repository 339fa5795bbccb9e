from io import StringIO

from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from loudong.accounts.models import User
from loudong.demo.accounts import DEFAULT_PASSWORD
from loudong.documents.models import Agreement
from loudong.grids.models import Division
from loudong.roster.models import Appointment, Person, Post, Selection
from loudong.territory.models import Household, Region


def login_works(test, username):
    response = test.client.post(
        "/accounts/login/", {"username": username, "password": DEFAULT_PASSWORD}
    )
    test.assertEqual(response.status_code, 302, username)
    test.assertEqual(test.client.get(response["Location"], follow=True).status_code, 200, username)
    test.client.logout()


class BuildDemoTestCase(TestCase):
    def test_it_builds_a_demo_in_mid_life_once(self):
        out = StringIO()
        call_command("build_demo", households=6000, seed=7, stdout=out)
        text = out.getvalue()
        self.assertIn("TOTP 密钥", text)
        self.assertGreaterEqual(Region.objects.filter(level="community").count(), 2)
        self.assertGreater(Household.objects.filter(occupied=True).count(), 5000)
        self.assertTrue(Division.objects.filter(status=Division.Status.FROZEN).exists())
        self.assertTrue(Agreement.objects.filter(status=Agreement.Status.SIGNED).exists())
        self.assertEqual(Selection.objects.filter(status="public_notice").count(), 1)
        self._money_in_mid_life()
        self.assertTrue(Selection.objects.filter(objections__isnull=False).exists())
        for username in ("jiedao", "shequ_a", "dangwei_a", "shequ_b", "loudongzhang", "minzheng"):
            login_works(self, username)
        # The leader's account and its roster person agree.
        leader = User.objects.get(username="loudongzhang")
        self.assertEqual(leader.full_name, Person.objects.get(user=leader).name)
        self.assertIn(f"loudongzhang   楼栋长（{leader.full_name}）", text)
        # Terms run past today; only a few end soon or have ended (still serving).
        today = timezone.localdate()
        active = Appointment.objects.filter(status="active", term_end__isnull=False)
        expired = active.filter(term_end__lt=today).count()
        self.assertGreater(active.filter(term_end__gt=today).count(), 10 * max(expired, 1))
        # 宁缺毋滥: vacant posts stay listed, at least six with no open case.
        vacant = Post.objects.filter(active=True, kind="building_leader").exclude(
            appointments__status="active"
        )
        no_case = vacant.exclude(
            selections__status__in=[
                "self_nomination",
                "resident_nomination",
                "community_recommendation",
                "party_review",
                "subdistrict_approval",
                "public_notice",
                "filed",
            ]
        )
        self.assertGreaterEqual(no_case.count(), 2)  # 24k households (make demo): dozens
        # Each body does its own step: no user did two of 推荐/审查/审批 on one case.
        for selection in Selection.objects.all():
            done = selection.completed_by()
            bodies = [done[s] for s in Selection.BODY_STEPS if s in done]
            self.assertEqual(len(bodies), len(set(bodies)), selection)
        # Leaders replaced by the integration itself, and some kept on.
        self.assertTrue(Appointment.objects.filter(is_legacy=True, end_note="优化整合").exists())
        # The database is no longer empty: a second run builds nothing.
        households = Household.objects.count()
        out = StringIO()
        call_command("build_demo", households=6000, seed=7, stdout=out)
        self.assertIn("跳过构建", out.getvalue())
        self.assertEqual(Household.objects.count(), households)

    def test_it_builds_a_changchun_subdistrict_with_the_three_leaders(self):
        out = StringIO()
        call_command("build_demo", households=6000, seed=7, profile="changchun", stdout=out)
        subdistrict = Region.objects.get(level="subdistrict")
        self.assertEqual(subdistrict.policy_name, "changchun")
        kinds = set(Post.objects.values_list("kind", flat=True))
        self.assertEqual(kinds, {"grid_head", "building_leader", "unit_leader", "attachment"})
        for username in ("wanggezhang", "danyuanzhang", "loudongzhang"):
            login_works(self, username)
            user = User.objects.get(username=username)
            self.assertEqual(user.full_name, Person.objects.get(user=user).name)
        heads = Appointment.objects.filter(post__kind="grid_head", status="active")
        self.assertTrue(heads.filter(person__is_committee=True).exists())
        agreement = Agreement.objects.filter(status="signed").first()
        self.assertEqual(agreement.form, "three_leaders")
        self.assertFalse(Selection.objects.filter(status="public_notice").exists())

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
        b = Region.objects.filter(level="community").order_by("code")[1]
        self.assertEqual(Period.objects.get(community=b, month=this_month).status, "submitted")
        gaps = coverage.gaps(a, today, today)
        self.assertEqual(len({g.appointment.person_id for g in gaps}), 1)
        leader = Appointment.objects.filter(person__user__username="loudongzhang", status="active")
        self.assertTrue(leader.exists())  # the demo 楼栋长 stays in post
