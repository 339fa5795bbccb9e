"""The selection and appointment pages lead on to the documents they produce."""

import datetime as dt

import time_machine

from loudong.roster.models import SelectionStep
from loudong.roster.tests.helpers import (
    RosterTestCase,
    make_appointment,
    make_selection,
)

# The clock stands still: a run that crosses midnight must not file on one day and
# appoint on the next.
NOW = dt.datetime(2026, 6, 15, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
TODAY = NOW.date()


@time_machine.travel(NOW, tick=False)
class LinksTestCase(RosterTestCase):
    def test_it_names_steps_in_chinese_and_links_the_notice(self):
        selection = make_selection(
            self.post_a1,
            self.person_a,
            status="public_notice",
            notice_start=TODAY,
            notice_end=TODAY + dt.timedelta(days=6),
        )
        SelectionStep.objects.create(
            selection=selection, from_status="subdistrict_approval", to_status="public_notice"
        )
        self.login(self.shequ_a)
        r = self.client.get(f"/roster/selections/{selection.pk}/")
        self.assertContains(r, "街道党工委审批 → 楼栋公示")
        self.assertNotContains(r, "subdistrict_approval →")
        self.assertContains(r, f'href="/documents/selections/{selection.pk}/notice/"')
        self.assertContains(r, f'href="/roster/posts/{self.post_a1.pk}/"')

    def test_it_links_agreement_and_badge_for_editors_only(self):
        appointment = make_appointment(self.person_a, self.post_a1)
        docx = f"/documents/appointments/{appointment.pk}/agreement.docx"
        badge = f"/documents/appointments/{appointment.pk}/badge/"
        self.login(self.shequ_a)
        r = self.client.get(f"/roster/appointments/{appointment.pk}/")
        self.assertContains(r, docx)
        self.assertContains(r, badge)
        self.login(self.minzheng)  # read-only, masked: neither link
        r = self.client.get(f"/roster/appointments/{appointment.pk}/")
        self.assertNotContains(r, docx)
        self.assertNotContains(r, badge)

    def test_it_offers_no_badge_for_an_ended_appointment(self):
        appointment = make_appointment(
            self.person_a, self.post_a1, status="ended", end=TODAY, end_reason="resignation"
        )
        self.login(self.shequ_a)
        r = self.client.get(f"/roster/appointments/{appointment.pk}/")
        self.assertNotContains(r, f"/documents/appointments/{appointment.pk}/badge/")
