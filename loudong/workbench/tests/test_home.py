"""The workbench: each role's real to-dos with counts, each count opening its rows."""

import datetime as dt
import re

import time_machine

from loudong.accounts.models import PasswordLink
from loudong.roster.models import Objection, SelectionStep
from loudong.roster.tests.helpers import (
    RosterTestCase,
    make_appointment,
    make_person,
    make_post,
    make_selection,
)
from loudong.territory.models import ImportJob

TODAY = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def counts(response) -> dict[str, int]:
    html = response.content.decode()
    return {
        key: int(n)
        for key, n in re.findall(r'data-todo="([^"]+)">\s*<span class="todo-count">(\d+)', html)
    }


@time_machine.travel(TODAY, tick=False)
class WorkbenchTestCase(RosterTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # 社区推荐 waits for a 社区工作者; 党组织审查 for the party member; approval for 街道.
        cls.recommend = make_selection(cls.post_a1, cls.person_a, "community_recommendation")
        cls.review = make_selection(
            cls.post_a2, make_person(cls.community_a, "王芳"), "party_review"
        )
        cls.approve = make_selection(cls.post_b1, cls.person_b, "subdistrict_approval")
        # 公示 over (ends 02-27) with an open objection on another in 公示 until 03-04.
        cls.over = make_selection(
            cls.post_a1,
            make_person(cls.community_a, "赵敏"),
            "public_notice",
            notice_start=dt.date(2026, 2, 23),
            notice_end=dt.date(2026, 2, 27),
        )
        cls.objected = make_selection(
            cls.post_a2,
            make_person(cls.community_a, "孙丽"),
            "public_notice",
            notice_start=dt.date(2026, 2, 26),
            notice_end=dt.date(2026, 3, 4),
        )
        Objection.objects.create(selection=cls.objected, text="候选人不住本楼", raised_by="居民")
        # Terms: one ends in 10 days (overdue-soon), one in 50, one in 90 (not listed).
        leader = make_person(cls.community_b, "周强")
        cls.ending = make_appointment(leader, cls.post_b1, term_end=dt.date(2026, 3, 12))
        make_appointment(
            make_person(cls.community_a, "吴刚"), cls.post_a1, term_end=dt.date(2026, 4, 21)
        )
        make_appointment(
            make_person(cls.community_a, "郑爽"), cls.post_a2, term_end=dt.date(2026, 6, 1)
        )

    def test_the_community_worker_sees_her_communitys_steps_and_dates(self):
        self.login(self.shequ_a)
        r = self.client.get("/")
        self.assertEqual(r.status_code, 200)
        got = counts(r)
        # 社区推荐 only: the party review is the 党组织's, the approval the 街道's.
        self.assertEqual(got["selection-steps"], 1)
        self.assertEqual(got["notice-ending"], 1)  # the objected one is under 异议
        self.assertEqual(got["objections"], 1)
        self.assertEqual(got["terms-ending"], 1)  # 04-21; 06-01 is beyond 60 days
        self.assertEqual(got["agreements-unsigned"], 2)
        # One row: the tile opens the row's own page directly.
        self.assertContains(r, f'href="/roster/selections/{self.recommend.pk}/"')
        self.assertContains(r, f'href="/roster/selections/{self.objected.pk}/"')

    def test_party_member_adds_the_review_and_the_subdistrict_only_approvals(self):
        self.login(self.dangwei_a)
        self.assertEqual(counts(self.client.get("/"))["selection-steps"], 2)
        self.login(self.jiedao)
        got = counts(self.client.get("/"))
        self.assertEqual(got, {"selection-steps": 1})

    def test_nobody_does_two_body_steps_so_the_step_leaves_their_list(self):
        SelectionStep.objects.create(
            selection=self.review,
            from_status="community_recommendation",
            to_status="party_review",
            actor=self.dangwei_a,
        )
        self.login(self.dangwei_a)
        self.assertEqual(counts(self.client.get("/"))["selection-steps"], 1)

    def test_the_list_behind_a_count_puts_overdue_first_and_links_each_row(self):
        self.login(self.shequ_b)
        got = counts(self.client.get("/"))
        self.assertEqual(got["terms-ending"], 1)
        make_appointment(
            make_person(self.community_b, "钱多"),
            make_post(self.community_b, f"{self.code_b1[:-2]}09"),
            term_end=dt.date(2026, 4, 30),
        )
        r = self.client.get("/")
        self.assertContains(r, "其中 1 项逾期或紧急")
        r = self.client.get("/workbench/terms-ending/")
        self.assertEqual(r.status_code, 200)
        rows = re.findall(r'<li( class="late")?><a href="([^"]+)">', r.content.decode())
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[0], (' class="late"', f"/roster/appointments/{self.ending.pk}/"))

    def test_another_community_sees_none_of_it(self):
        self.login(self.shequ_b)
        got = counts(self.client.get("/"))
        self.assertNotIn("objections", got)
        self.assertNotIn("notice-ending", got)
        r = self.client.get("/workbench/objections/")
        self.assertContains(r, "已全部办结")
        self.assertNotContains(r, "孙丽")

    def test_an_unknown_list_is_404_and_login_is_required(self):
        self.login(self.shequ_a)
        self.assertEqual(self.client.get("/workbench/nothing-here/").status_code, 404)
        self.client.logout()
        r = self.client.get("/workbench/objections/")
        self.assertEqual(r.status_code, 302)
        self.assertIn("/accounts/login/", r["Location"])

    def test_imports_this_week_are_the_uploaders_own(self):
        job = ImportJob.objects.create(
            created_by=self.shequ_a,
            filename="台账.xlsx",
            status=ImportJob.Status.FAILED,
            finished=TODAY - dt.timedelta(days=1),
        )
        ImportJob.objects.create(
            created_by=self.shequ_a,
            filename="旧.xlsx",
            status=ImportJob.Status.DONE,
            finished=TODAY - dt.timedelta(days=9),
        )
        self.login(self.shequ_a)
        r = self.client.get("/")
        self.assertEqual(counts(r)["imports"], 1)
        self.assertContains(r, f'href="/territory/import/{job.pk}/"')
        self.login(self.shequ_b)
        self.assertNotIn("imports", counts(self.client.get("/")))

    def test_the_security_admin_sees_links_to_issue_and_nothing_of_the_business(self):
        PasswordLink.objects.create(user=self.shequ_b, kind="reset", requested_by=self.xitong)
        self.login_admin(self.anquan)
        got = counts(self.client.get("/"))
        self.assertEqual(got, {"password-links": 1})
        self.login_admin(self.xitong)
        got = counts(self.client.get("/"))
        self.assertNotIn("password-links", got)
        self.assertEqual(got["users-without-role"], 1)  # the outsider
        self.assertNotIn("selection-steps", got)

    def test_the_audit_admin_is_told_when_the_chain_was_not_checked(self):
        self.login_admin(self.shenji)
        r = self.client.get("/")
        self.assertEqual(counts(r), {"audit-chain": 1})
        self.assertContains(r, "loudong worker")

    def test_the_counts_are_computed_on_get_without_writing(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.login(self.shequ_a)
        with CaptureQueriesContext(connection) as q:
            self.client.get("/")
        writes = [x["sql"] for x in q if x["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
        self.assertEqual([w for w in writes if "django_session" not in w], [])
