"""Seed limits under concurrency (issue: five simultaneous take-overs took a person from 4 to 8).

Real threads, each with its own database connection, hit the API at the same moment. The
check and the write run in one transaction with the post and the person locked, so exactly
one request wins and the others get the ordinary Chinese refusal — never a 500. On
PostgreSQL the rows are locked with SELECT … FOR UPDATE; on SQLite every write transaction
is BEGIN IMMEDIATE.
"""

import datetime as dt
import threading

from django.db import connection
from django.test import Client, TransactionTestCase

from loudong.accounts.models import RoleAssignment, User
from loudong.accounts.roles import Role
from loudong.roster.models import Appointment, Person, Post
from loudong.territory.models import Region

THREADS = 5


def _race(requests) -> list:
    """Run each callable in its own thread, released together; return their results."""
    barrier = threading.Barrier(len(requests))
    results = [None] * len(requests)

    def run(i, request):
        try:
            barrier.wait()
            results[i] = request()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


class TakeOverRaceTestCase(TransactionTestCase):
    def setUp(self):
        # A TransactionTestCase starts from a flushed database: load the built-in profiles.
        from django.core.management import call_command

        call_command("load_profiles", verbosity=0)
        district = Region.objects.create(level="district", name="贵池区", code="341702")
        sub = Region.objects.create(level="subdistrict", name="池阳街道", parent=district)
        self.community = Region.objects.create(
            level="community", name="秀山门社区", parent=sub, code="341702001001"
        )
        self.user = User.objects.create_user("shequ_a", password="Cast-pass-2026")
        RoleAssignment.objects.create(
            user=self.user, role=Role.COMMUNITY_WORKER, region=self.community
        )
        self.posts = [
            Post.objects.create(
                community=self.community,
                kind="building_leader",
                grid_code=f"000000341702001001{i:02d}",
                title=f"网格{i:02d}楼栋长",
            )
            for i in range(1, 11)
        ]

    def person(self, name):
        return Person.objects.create(
            community=self.community,
            name=name,
            pool="retired",
            education="senior",
            birth_date=dt.date(1962, 3, 1),
        )

    def take_over(self, post, person):
        def request():
            client = Client()
            client.force_login(self.user)
            r = client.post(
                f"/api/v1/posts/{post.pk}/take-over",
                {"person": person.pk, "start": "2026-12-01", "reason": "配备难", "consent": True},
                content_type="application/json",
            )
            return r.status_code, r.json()

        return request

    def test_five_concurrent_take_overs_stop_at_the_limit_of_five(self):
        leader = self.person("陈德明")
        for post in self.posts[:4]:
            Appointment.objects.create(
                person=leader, post=post, community=self.community, start="2026-01-01"
            )
        results = _race([self.take_over(post, leader) for post in self.posts[4:9]])
        codes = sorted(code for code, _ in results)
        self.assertEqual(codes, [201, 400, 400, 400, 400], results)
        refusals = [body["detail"] for code, body in results if code == 400]
        self.assertTrue(all("超过兼任上限 5 个" in text for text in refusals), refusals)
        self.assertEqual(leader.active_appointments().count(), 5)

    def test_two_take_overs_of_one_post_leave_one_holder(self):
        first, second = self.person("陈德明"), self.person("王秀兰")
        for person, post in ((first, self.posts[0]), (second, self.posts[1])):
            Appointment.objects.create(
                person=person, post=post, community=self.community, start="2026-01-01"
            )
        target = self.posts[9]
        results = _race([self.take_over(target, first), self.take_over(target, second)])
        codes = sorted(code for code, _ in results)
        self.assertEqual(codes, [201, 400], results)
        loser = next(body for code, body in results if code == 400)
        self.assertIn("已有在任人员", loser["detail"])
        self.assertEqual(target.appointments.filter(status="active").count(), 1)
