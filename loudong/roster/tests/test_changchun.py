"""长春 (seed 004 §一.2): "按照组织推荐、居民推选或个人自荐的方式确定…并报社区党组织备案".

No six steps and no 公示: each channel's case is filed (备案) with the 社区党组织, then
appointed; 网格长 are "一般由两委成员兼任" (a non-两委 网格长 is flagged, not refused); one post
of a kind per person (profile ``concurrency.max_grids`` = 1).
"""

import datetime as dt

import time_machine
from django.test import override_settings

from loudong.accounts.models import AuditEvent
from loudong.roster.actions.posts import sync_grid_posts
from loudong.roster.models import Appointment, Post, Selection
from loudong.roster.tests.helpers import RosterTestCase, make_person

# The clock stands still: a run that crosses midnight must not file on one day and
# appoint on the next.
NOW = dt.datetime(2026, 6, 15, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
TODAY = NOW.date()


@time_machine.travel(NOW, tick=False)
@override_settings(LOUDONG_POLICY="changchun")
class ChangchunTestCase(RosterTestCase):
    def setUp(self):
        sync_grid_posts(community=self.community_a, acting_user=self.shequ_a)
        self.heads = list(
            Post.objects.filter(community=self.community_a, kind="grid_head").order_by("grid_code")
        )
        self.login(self.shequ_a)

    def person(self, name, **fields):
        fields.setdefault("pool", "volunteer")
        return make_person(self.community_a, name, **fields)

    def start(self, post, person, channel):
        r = self.client.post(
            f"/roster/posts/{post.pk}/select/", {"candidate": person.pk, "channel": channel}
        )
        self.assertEqual(r.status_code, 302, r.content.decode()[:500])
        return Selection.objects.get(post=post, candidate=person)

    def move(self, selection, to_status, **data):
        return self.client.post(
            f"/roster/selections/{selection.pk}/move/", {"to_status": to_status, **data}
        )

    def appoint(self, selection, **data):
        data.setdefault("start", TODAY.isoformat())
        return self.client.post(f"/roster/selections/{selection.pk}/appoint/", data)

    def test_it_makes_grid_head_building_and_unit_posts(self):
        self.assertEqual(len(self.heads), 2)
        self.assertEqual(
            Post.objects.filter(community=self.community_a, kind="unit_leader").count(), 2
        )
        self.assertTrue(
            Post.objects.filter(
                community=self.community_a, kind="building_leader", building__isnull=False
            ).exists()
        )

    def test_it_files_and_appoints_through_each_channel(self):
        building_posts = list(
            Post.objects.filter(
                community=self.community_a, kind="building_leader", building__isnull=False
            ).order_by("id")
        )
        cases = [
            (self.heads[0], self.person("周敏", is_committee=True), "organization"),
            (building_posts[0], self.person("吴强"), "residents"),
            (building_posts[1], self.person("郑红"), "self"),
        ]
        starts = {
            "organization": "community_recommendation",
            "residents": "resident_nomination",
            "self": "self_nomination",
        }
        for post, person, channel in cases:
            selection = self.start(post, person, channel)
            self.assertEqual(selection.status, starts[channel])
            self.assertEqual(selection.profile_name, "changchun")
            # Not filed yet: no appointment.
            self.assertContains(self.appoint(selection), "尚不能任命", status_code=400)
            if channel == "residents":
                # 居民推选 needs the residents' recorded result before filing.
                self.assertContains(
                    self.move(selection, "filed"), "居民推选尚无结果", status_code=400
                )
                self.client.post(
                    f"/roster/selections/{selection.pk}/meeting/",
                    {
                        "date": TODAY.isoformat(),
                        "households": 20,
                        "attendance": 15,
                        "votes_for": 12,
                        "votes_against": 1,
                        "abstentions": 2,
                    },
                )
            r = self.client.get(f"/roster/selections/{selection.pk}/")
            self.assertContains(r, "转入“报社区党组织备案”")
            self.assertEqual(
                self.move(selection, "filed", notes="已报社区党组织备案").status_code, 302
            )
            selection.refresh_from_db()
            self.assertEqual(selection.status, "filed")
            self.assertEqual(self.appoint(selection).status_code, 302)
            selection.refresh_from_db()
            self.assertEqual(selection.status, "appointed")
            self.assertEqual(
                [s.to_status for s in selection.steps.all()],
                [starts[channel], "filed", "appointed"],
            )
            appointment = Appointment.objects.get(post=post, status="active")
            self.assertEqual(appointment.person, person)
        self.assertEqual(AuditEvent.objects.filter(action="roster.appoint").count(), 3)

    def test_it_has_no_chiyang_steps_or_public_notice(self):
        selection = self.start(self.heads[0], self.person("周敏", is_committee=True), "self")
        for to_status in ("resident_nomination", "party_review", "public_notice"):
            r = self.move(selection, to_status)
            self.assertContains(r, "不能直接转到", status_code=400)
        selection.refresh_from_db()
        self.assertEqual(selection.status, "self_nomination")
        self.assertEqual(selection.steps.count(), 1)

    def test_it_takes_grid_heads_from_the_committee_or_other_workers_with_a_reason(self):
        # 004 §一.2: "一般由“两委”成员兼任，“两委”成员不足的可由其他社区工作者担任".
        volunteer = self.person("钱进")
        worker = self.person("孙洁", is_community_worker=True)
        member = self.person("周敏", is_committee=True)
        refused = self.start(self.heads[0], volunteer, "organization")
        self.move(refused, "filed", notes="备案")
        self.assertContains(
            self.appoint(refused), "须由“两委”成员或其他社区工作者担任", status_code=400
        )
        self.move(refused, "withdrawn", notes="改选")
        selection = self.start(self.heads[0], worker, "organization")
        self.move(selection, "filed", notes="备案")
        self.assertContains(self.appoint(selection), "两委”成员不足", status_code=400)
        r = self.appoint(selection, override_reason="本社区两委成员仅 5 人，不足")
        self.assertEqual(r.status_code, 302)
        selection = self.start(self.heads[1], member, "organization")
        self.move(selection, "filed", notes="备案")
        self.assertEqual(self.appoint(selection).status_code, 302)
        r = self.client.get("/roster/compliance/")
        self.assertContains(r, "网格长非两委成员 1")
        flagged = r.context["not_committee"]
        self.assertEqual([a.person for a in flagged], [worker])

    def test_it_sets_no_education_or_health_condition(self):
        # 004 sets no conditions beyond 有热情、有意愿、有能力: nothing to override.
        person = self.person("吴强", education="", health_note="高血压")
        post = Post.objects.filter(community=self.community_a, kind="unit_leader").first()
        selection = self.start(post, person, "self")
        self.assertEqual([f for f in selection.eligibility if f["level"] != "info"], [])
        self.move(selection, "filed", notes="备案")
        self.assertEqual(self.appoint(selection).status_code, 302)

    def test_it_allows_one_grid_per_person(self):
        head = self.person("周敏", is_committee=True)
        first = self.start(self.heads[0], head, "organization")
        self.move(first, "filed", notes="备案")
        self.assertEqual(self.appoint(first).status_code, 302)
        second = self.start(self.heads[1], head, "organization")
        self.move(second, "filed", notes="备案")
        r = self.appoint(second, concurrent_reason="无人愿任", concurrent_consent="on")
        self.assertContains(r, "超过兼任上限 1 个", status_code=400)
        self.assertFalse(Appointment.objects.filter(post=self.heads[1]).exists())
        second.refresh_from_db()
        self.assertEqual(second.status, "filed")
        # Taking the second grid over is refused the same way.
        r = self.client.post(
            f"/roster/posts/{self.heads[1].pk}/take-over/",
            {"person": head.pk, "start": TODAY.isoformat(), "reason": "配备困难", "consent": "on"},
        )
        self.assertContains(r, "超过兼任上限 1 个", status_code=400)
        self.assertEqual(head.active_appointments().count(), 1)
