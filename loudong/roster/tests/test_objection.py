import datetime as dt

import time_machine

from loudong.roster.models import Objection, Selection
from loudong.roster.tests.helpers import RosterTestCase, make_selection

# The clock stands still: a run that crosses midnight must not file on one day and
# appoint on the next.
NOW = dt.datetime(2026, 6, 15, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
TODAY = NOW.date()


@time_machine.travel(NOW, tick=False)
class ObjectionTestCase(RosterTestCase):
    def in_notice(self):
        return make_selection(
            self.post_a1,
            self.person_a,
            status="public_notice",
            notice_start=TODAY - dt.timedelta(days=1),
            notice_end=TODAY + dt.timedelta(days=5),
        )

    def test_it_sends_the_case_back_to_party_review(self):
        selection = self.in_notice()
        self.login(self.shequ_a)
        r = self.client.post(
            f"/roster/selections/{selection.pk}/objection/",
            {"text": "候选人长期不在本小区居住", "raised_by": "3号楼居民"},
        )
        self.assertEqual(r.status_code, 302)
        selection.refresh_from_db()
        self.assertEqual(selection.status, "party_review")
        objection = Objection.objects.get()
        self.assertIsNone(objection.resolved)
        step = selection.steps.get()
        self.assertEqual((step.from_status, step.to_status), ("public_notice", "party_review"))
        # The review's opinion resolves the objection when the case moves on.
        self.login(self.dangwei_a)
        r = self.client.post(
            f"/roster/selections/{selection.pk}/move/",
            {"to_status": "subdistrict_approval", "notes": "经核实，实际居住"},
        )
        self.assertEqual(r.status_code, 302)
        objection.refresh_from_db()
        self.assertEqual(objection.resolution, "经核实，实际居住")

    def test_it_refuses_outside_the_notice(self):
        selection = make_selection(self.post_a1, self.person_a, status="party_review")
        self.login(self.shequ_a)
        r = self.client.post(f"/roster/selections/{selection.pk}/objection/", {"text": "x"})
        self.assertContains(r, "只有公示期间", status_code=400)
        self.assertFalse(Objection.objects.exists())

    def test_it_refuses_read_only_roles(self):
        selection = self.in_notice()
        self.login(self.minzheng)
        r = self.client.post(f"/roster/selections/{selection.pk}/objection/", {"text": "x"})
        self.assertEqual(r.status_code, 403)
        self.assertEqual(Selection.objects.get().status, "public_notice")
