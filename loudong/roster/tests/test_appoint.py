import datetime as dt

import time_machine

from loudong.accounts.models import AuditEvent
from loudong.roster.models import Appointment, Objection, Selection
from loudong.roster.tests.helpers import (
    RosterTestCase,
    make_appointment,
    make_person,
    make_post,
    make_selection,
)

# The clock stands still: a run that crosses midnight must not file on one day and
# appoint on the next.
NOW = dt.datetime(2026, 6, 15, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
TODAY = NOW.date()


def finished(post, person, **fields):
    return make_selection(
        post,
        person,
        status="public_notice",
        notice_start=TODAY - dt.timedelta(days=14),
        notice_end=TODAY - dt.timedelta(days=7),
        **fields,
    )


@time_machine.travel(NOW, tick=False)
class AppointTestCase(RosterTestCase):
    def appoint(self, selection, **data):
        data.setdefault("start", TODAY.isoformat())
        return self.client.post(f"/roster/selections/{selection.pk}/appoint/", data)

    def test_it_appoints_after_the_notice(self):
        selection = finished(self.post_a1, self.person_a)
        self.login(self.shequ_a)
        r = self.appoint(selection, term_end="2029-12-31")
        self.assertEqual(r.status_code, 302)
        appointment = Appointment.objects.get()
        self.assertEqual((appointment.person, appointment.post), (self.person_a, self.post_a1))
        self.assertFalse(appointment.is_concurrent)
        selection.refresh_from_db()
        self.assertEqual(selection.status, "appointed")
        self.assertEqual(selection.steps.get().to_status, "appointed")
        self.assertTrue(AuditEvent.objects.filter(action="roster.appoint").exists())

    def test_it_refuses_before_the_notice_ends(self):
        selection = make_selection(
            self.post_a1,
            self.person_a,
            status="public_notice",
            notice_start=TODAY,
            notice_end=TODAY + dt.timedelta(days=6),
        )
        self.login(self.shequ_a)
        r = self.appoint(selection)
        self.assertContains(r, "公示期满后方可任命", status_code=400)
        self.assertFalse(Appointment.objects.exists())
        # On the last day of 公示 it is still too early.
        Selection.objects.filter(pk=selection.pk).update(notice_end=TODAY)
        self.assertEqual(self.appoint(selection).status_code, 400)
        self.assertFalse(Appointment.objects.exists())

    def test_it_refuses_with_an_open_objection(self):
        selection = finished(self.post_a1, self.person_a)
        Objection.objects.create(selection=selection, text="不住本小区")
        self.login(self.shequ_a)
        self.assertContains(self.appoint(selection), "异议", status_code=400)
        self.assertFalse(Appointment.objects.exists())

    def test_it_refuses_before_the_notice_step(self):
        selection = make_selection(self.post_a1, self.person_a, status="subdistrict_approval")
        self.login(self.shequ_a)
        self.assertContains(self.appoint(selection), "尚不能任命", status_code=400)

    def test_it_refuses_a_post_already_held(self):
        make_appointment(make_person(self.community_a, "王强"), self.post_a1)
        selection = finished(self.post_a1, self.person_a)
        self.login(self.shequ_a)
        self.assertContains(self.appoint(selection), "已有在任人员", status_code=400)
        self.assertEqual(Appointment.objects.count(), 1)

    def test_it_refuses_a_sixth_concurrent_grid(self):
        for i in range(5):
            make_appointment(
                self.person_a, make_post(self.community_a, f"9{i:019d}"), is_concurrent=i > 0
            )
        selection = finished(self.post_a1, self.person_a)
        self.login(self.shequ_a)
        r = self.appoint(selection, concurrent_reason="无人愿任", concurrent_consent="on")
        self.assertContains(r, "超过兼任上限 5 个", status_code=400)
        self.assertEqual(Appointment.objects.count(), 5)
        self.assertEqual(Selection.objects.get().status, "public_notice")

    def test_it_needs_reason_and_consent_for_a_concurrent_post(self):
        make_appointment(self.person_a, self.post_a2)
        selection = finished(self.post_a1, self.person_a)
        self.login(self.shequ_a)
        self.assertContains(
            self.appoint(selection, concurrent_reason="无人愿任"),
            "兼任须填写本人自愿兼任的确认",
            status_code=400,
        )
        r = self.appoint(selection, concurrent_reason="无人愿任", concurrent_consent="on")
        self.assertEqual(r.status_code, 302)
        appointment = Appointment.objects.get(post=self.post_a1)
        self.assertTrue(appointment.is_concurrent and appointment.concurrent_consent)

    def test_it_needs_an_override_reason_over_65(self):
        old = make_person(self.community_a, "赵老伯", born=TODAY.replace(year=TODAY.year - 67))
        selection = finished(self.post_a1, old)
        self.login(self.shequ_a)
        self.assertContains(self.appoint(selection), "原则上不超过 65 周岁", status_code=400)
        r = self.appoint(selection, override_reason="威望高，居民一致推选")
        self.assertEqual(r.status_code, 302)
        self.assertEqual(Appointment.objects.get().override_reason, "威望高，居民一致推选")

    def test_it_takes_the_approvers_override_reason(self):
        old = make_person(self.community_a, "赵老伯", born=TODAY.replace(year=TODAY.year - 66))
        selection = finished(self.post_a1, old, override_reason="街道党工委同意：身体健康")
        self.login(self.shequ_a)
        self.assertEqual(self.appoint(selection).status_code, 302)

    def test_it_answers_403_to_read_only_roles_and_404_elsewhere(self):
        selection = finished(self.post_a1, self.person_a)
        for user in (self.minzheng, self.leader):
            self.login(user)
            self.assertEqual(self.appoint(selection).status_code, 403)
        for user in (self.shequ_b, self.outsider, self.xitong):
            self.login(user)
            self.assertEqual(self.appoint(selection).status_code, 404)
        self.assertFalse(Appointment.objects.exists())

    def test_it_refuses_a_start_before_the_notice_ends_or_far_away(self):
        selection = finished(self.post_a1, self.person_a)
        self.login(self.shequ_a)
        for start in (
            "2019-01-01",
            (selection.notice_end).isoformat(),
            "0001-01-01",
            (TODAY + dt.timedelta(days=400)).isoformat(),
        ):
            r = self.appoint(selection, start=start)
            self.assertEqual(r.status_code, 400, start)
        self.assertContains(
            self.appoint(selection, start=selection.notice_end.isoformat()),
            "任职日期不能早于",
            status_code=400,
        )
        self.assertFalse(Appointment.objects.exists())
        r = self.appoint(selection, start=TODAY.isoformat(), term_end="9999-12-31")
        self.assertEqual(r.status_code, 400)
        self.assertFalse(Appointment.objects.exists())

    def test_it_pins_the_profile_version_the_appointment_started_under(self):
        selection = finished(self.post_a1, self.person_a)
        self.login(self.shequ_a)
        self.appoint(selection)
        appointment = Appointment.objects.get()
        self.assertEqual((appointment.profile_name, appointment.profile_version), ("chiyang", 1))


@time_machine.travel(NOW, tick=False)
class ProfileEditMidSelectionTestCase(RosterTestCase):
    def test_an_open_case_keeps_the_steps_it_started_under(self):
        from loudong.policy.actions import create_profile_version
        from loudong.policy.schema import read_builtin

        selection = make_selection(self.post_a1, self.person_a, status="community_recommendation")
        data = read_builtin("chiyang")
        # The 街道 drops 居民推选 and 社区党组织审查 from new cases.
        data["selection"]["steps"] = [
            "self_nomination",
            "community_recommendation",
            "subdistrict_approval",
            "public_notice",
        ]
        create_profile_version(name="chiyang", data=data, note="简化程序", acting_user=self.jiedao)
        self.login(self.shequ_a)
        r = self.client.post(
            f"/roster/selections/{selection.pk}/move/", {"to_status": "subdistrict_approval"}
        )
        self.assertContains(r, "不能直接转到", status_code=400)
        r = self.client.post(
            f"/roster/selections/{selection.pk}/move/", {"to_status": "party_review"}
        )
        self.assertEqual(r.status_code, 302)
        selection.refresh_from_db()
        self.assertEqual((selection.status, selection.profile_version), ("party_review", 1))
        # A new case starts under version 2 and skips the dropped steps.
        self.client.post(
            f"/roster/posts/{self.post_a2.pk}/select/",
            {"candidate": self.person_a.pk, "channel": "self"},
        )
        new = Selection.objects.get(post=self.post_a2)
        self.assertEqual(new.profile_version, 2)
        self.assertEqual(new.next_step(), "community_recommendation")
