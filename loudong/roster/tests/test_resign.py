import datetime as dt

import time_machine

from loudong.accounts.models import AuditEvent
from loudong.roster.models import Appointment
from loudong.roster.tests.helpers import RosterTestCase, make_appointment, make_person


class ResignTestCase(RosterTestCase):
    def test_it_resigns_with_notice_and_leaves_the_post_vacant(self):
        appointment = make_appointment(self.person_a, self.post_a1)
        self.login(self.shequ_a)
        r = self.client.post(
            f"/roster/appointments/{appointment.pk}/resign/",
            {"notice_date": "2026-03-01", "end": "2026-03-31", "note": "搬家"},
        )
        self.assertRedirects(r, f"/roster/posts/{self.post_a1.pk}/")
        appointment.refresh_from_db()
        self.assertEqual((appointment.status, appointment.end_reason), ("ended", "resignation"))
        self.assertIsNone(self.post_a1.current_appointment())
        self.assertTrue(AuditEvent.objects.filter(action="roster.resign").exists())
        r = self.client.get(f"/roster/posts/{self.post_a1.pk}/")
        self.assertContains(r, "发起选配")

    def test_it_refuses_notice_after_the_end(self):
        appointment = make_appointment(self.person_a, self.post_a1)
        self.login(self.shequ_a)
        r = self.client.post(
            f"/roster/appointments/{appointment.pk}/resign/",
            {"notice_date": "2026-04-02", "end": "2026-03-31"},
        )
        self.assertContains(r, "提前告知", status_code=400)
        appointment.refresh_from_db()
        self.assertTrue(appointment.is_active)

    def test_it_adjusts_after_evaluation(self):
        appointment = make_appointment(self.person_a, self.post_a1)
        self.login(self.shequ_a)
        r = self.client.post(
            f"/roster/appointments/{appointment.pk}/adjust/",
            {"end": "2026-12-31", "reason": "年度评议不满意", "after_evaluation": "on"},
        )
        # 附件1 §五 "应提前告知对方": the community records when it told the leader.
        self.assertContains(r, "告知本人日期", status_code=400)
        r = self.client.post(
            f"/roster/appointments/{appointment.pk}/adjust/",
            {
                "end": "2026-12-31",
                "notice_date": "2026-12-01",
                "reason": "年度评议不满意",
                "after_evaluation": "on",
            },
        )
        self.assertEqual(r.status_code, 302)
        appointment.refresh_from_db()
        self.assertEqual(appointment.end_reason, "evaluation")
        self.assertEqual(appointment.notice_date, dt.date(2026, 12, 1))

    def test_it_refuses_an_end_date_out_of_range(self):
        appointment = make_appointment(self.person_a, self.post_a1)
        self.login(self.shequ_a)
        for end in ("9999-12-31", "2021-12-31"):
            r = self.client.post(
                f"/roster/appointments/{appointment.pk}/resign/",
                {"notice_date": "2021-12-01", "end": end},
            )
            self.assertEqual(r.status_code, 400, end)
        appointment.refresh_from_db()
        self.assertTrue(appointment.is_active)

    def test_it_refuses_read_only_and_other_roles(self):
        appointment = make_appointment(self.person_a, self.post_a1)
        data = {"notice_date": "2026-03-01", "end": "2026-03-31"}
        self.login(self.leader)
        self.assertEqual(
            self.client.post(f"/roster/appointments/{appointment.pk}/resign/", data).status_code,
            403,
        )
        self.login(self.shequ_b)
        self.assertEqual(
            self.client.post(f"/roster/appointments/{appointment.pk}/resign/", data).status_code,
            404,
        )
        appointment.refresh_from_db()
        self.assertTrue(appointment.is_active)


@time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False)
class TakeOverTestCase(RosterTestCase):
    def take_over(self, person, **data):
        self.login(self.shequ_a)
        return self.client.post(
            f"/roster/posts/{self.post_a2.pk}/take-over/",
            {"person": person.pk, "start": "2026-03-01", "reason": "该网格无人愿任", **data},
        )

    def test_it_lets_an_existing_leader_take_over(self):
        make_appointment(self.person_a, self.post_a1)
        r = self.take_over(self.person_a, consent="on")
        self.assertEqual(r.status_code, 302)
        appointment = Appointment.objects.get(post=self.post_a2)
        self.assertTrue(appointment.is_concurrent)
        self.assertEqual(appointment.concurrent_reason, "该网格无人愿任")

    def test_it_needs_consent(self):
        make_appointment(self.person_a, self.post_a1)
        self.assertContains(self.take_over(self.person_a), "本人同意", status_code=400)
        self.assertFalse(Appointment.objects.filter(post=self.post_a2).exists())

    def test_it_refuses_someone_not_a_leader(self):
        other = make_person(self.community_a, "周平")
        self.assertEqual(self.take_over(other, consent="on").status_code, 400)
        self.assertFalse(Appointment.objects.filter(post=self.post_a2).exists())

    def test_it_refuses_a_start_far_in_the_past_or_future(self):
        make_appointment(self.person_a, self.post_a1)
        for start in ("0001-01-01", "2025-12-01", "2030-01-01"):
            r = self.take_over(self.person_a, consent="on", start=start)
            self.assertEqual(r.status_code, 400, start)
        self.assertFalse(Appointment.objects.filter(post=self.post_a2).exists())

    def test_it_follows_the_profiles_takeover_requirements(self):
        from loudong.policy.actions import create_profile_version
        from loudong.policy.schema import read_builtin

        make_appointment(self.person_a, self.post_a1)
        data = read_builtin("chiyang")
        data["concurrency"]["takeover_requires"] = ["existing_leader"]
        create_profile_version(name="chiyang", data=data, note="不要求", acting_user=self.jiedao)
        # Consent no longer required by this profile version.
        r = self.take_over(self.person_a, reason="", start="2026-03-02")
        self.assertEqual(r.status_code, 302)
        self.assertTrue(Appointment.objects.filter(post=self.post_a2).exists())
