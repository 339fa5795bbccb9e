"""Every switch of the profile that the roster reads changes what it does (issue: switches
read by nothing). One flip per test, through the pages; the profile edit makes version 2."""

import datetime as dt

import time_machine
from django.utils import timezone

from loudong.policy.actions import create_profile_version
from loudong.policy.schema import read_builtin
from loudong.roster.models import Appointment, Selection
from loudong.roster.tests.helpers import RosterTestCase, make_appointment, make_person, make_post

NOW = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def flip(user, **changes):
    data = read_builtin("chiyang")
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        data[section][key] = value
    create_profile_version(name="chiyang", data=data, note="测试", acting_user=user)


@time_machine.travel(NOW, tick=False)
class SwitchTestCase(RosterTestCase):
    def finished(self, person, post=None):
        today = timezone.localdate()
        return Selection.objects.create(
            post=post or self.post_a1,
            candidate=person,
            community=self.community_a,
            channel="self",
            status="public_notice",
            notice_start=today - dt.timedelta(days=14),
            notice_end=today - dt.timedelta(days=7),
        )

    def appoint(self, selection, **data):
        self.login(self.shequ_a)
        data.setdefault("start", timezone.localdate().isoformat())
        return self.client.post(f"/roster/selections/{selection.pk}/appoint/", data)

    def test_max_age_is_soft_false_makes_the_age_a_hard_rule(self):
        old = make_person(self.community_a, "赵老伯", born=dt.date(1958, 1, 1))
        flip(self.jiedao, eligibility__max_age_is_soft=False)
        r = self.appoint(self.finished(old), override_reason="居民一致推选")
        self.assertContains(r, "不得超过 65 周岁", status_code=400)
        self.assertFalse(Appointment.objects.exists())

    def test_max_grids_is_hard_false_lets_a_written_reason_pass_the_limit(self):
        for i in range(5):
            make_appointment(self.person_a, make_post(self.community_a, f"9{i:019d}"))
        flip(self.jiedao, concurrency__max_grids_is_hard=False)
        selection = self.finished(self.person_a)
        r = self.appoint(selection, concurrent_reason="配备难", concurrent_consent="on")
        self.assertContains(r, "需由审批人书面说明理由", status_code=400)
        r = self.appoint(
            selection,
            concurrent_reason="配备难",
            concurrent_consent="on",
            override_reason="街道党工委同意临时兼任第 6 个网格",
        )
        self.assertEqual(r.status_code, 302)
        self.assertEqual(self.person_a.active_appointments().count(), 6)

    def test_must_live_in_building_refuses_a_leader_from_elsewhere(self):
        from loudong.test import make_resident

        household = self.post_a2.households().first()
        resident = make_resident(household, "钱进")
        outsider = make_person(self.community_a, "钱进", resident=resident)
        flip(self.jiedao, eligibility__must_live_in_building=True)
        r = self.appoint(self.finished(outsider))  # lives in grid 02, post is grid 01
        self.assertContains(r, "须为本楼栋（网格）居民", status_code=400)
        Selection.objects.all().delete()
        local = self.post_a1.households().first()
        resident = make_resident(local, "孙丽")
        insider = make_person(self.community_a, "孙丽", resident=resident)
        self.assertEqual(self.appoint(self.finished(insider)).status_code, 302)

    def test_conditions_empty_drops_the_education_and_health_checks(self):
        person = make_person(self.community_a, "吴强", education="", health_note="腿脚不便")
        self.assertContains(self.appoint(self.finished(person)), "有一定文化程度", status_code=400)
        flip(self.jiedao, eligibility__conditions=[])
        Selection.objects.all().delete()
        self.assertEqual(self.appoint(self.finished(person)).status_code, 302)

    def test_preferred_pools_are_shown_not_a_gate(self):
        person = make_person(self.community_a, "郑红", pool="other")
        selection = self.finished(person)
        self.assertEqual(self.appoint(selection).status_code, 302)
        page = self.client.get(f"/roster/selections/{selection.pk}/")
        self.assertContains(page, "供参考：不属于本方案注重推选的人员（党员、")

    def test_channels_come_from_the_profile(self):
        flip(self.jiedao, selection__channels=["self"])
        self.login(self.shequ_a)
        r = self.client.post(
            f"/roster/posts/{self.post_a1.pk}/select/",
            {"candidate": self.person_a.pk, "channel": "organization"},
        )
        self.assertEqual(r.status_code, 400)
        self.assertFalse(Selection.objects.exists())
        page = self.client.get(f"/roster/posts/{self.post_a1.pk}/")
        self.assertNotContains(page, 'value="organization"')

    def test_multi_staff_false_refuses_attaching_staff_to_a_grid(self):
        self.login(self.shequ_a)
        data = {
            "category": "police",
            "organisation": "秋浦派出所",
            "name": "李警官",
            "phone": "13800001111",
            "start": "2026-03-02",
        }
        r = self.client.post(f"/roster/grids/{self.code_a1}/attach/", data)
        self.assertContains(r, "未设“一格多员”", status_code=400)
        flip(self.jiedao, posts__multi_staff=True)
        r = self.client.post(f"/roster/grids/{self.code_a1}/attach/", data)
        self.assertEqual(r.status_code, 302)
        staff = Appointment.objects.get(post__kind="attachment")
        self.assertEqual((staff.person.name, staff.post.grid_code), ("李警官", self.code_a1))
        self.assertIsNone(staff.selection)
