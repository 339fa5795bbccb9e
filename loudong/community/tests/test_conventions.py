"""文明公约 (004 §二.5): drafts, adoption by a residents' meeting, revisions, print, the board."""

import datetime as dt

from loudong.community.models import Convention, ConventionRevision
from loudong.community.tests.life import LifeTestCase
from loudong.territory.models import ResidentsMeeting


class ConventionTestCase(LifeTestCase):
    def draft(self, text="爱护公共设施，不高空抛物。", user=None, **extra):
        self.login(user or self.shequ_a)
        data = {"compound": self.compound_a.pk, "title": "翠微小区文明公约", "text": text, **extra}
        return self.client.post(
            f"/community/conventions/draft/?community={self.community_a.pk}", data
        )

    def meeting(self):
        return ResidentsMeeting.objects.create(
            community=self.community_a,
            compound=self.compound_a,
            date=dt.date(2026, 10, 20),
            title="翠微小区居民会议",
            households=60,
            attendance=41,
            recorded_by=self.shequ_a,
        )

    def adopt(self, revision, meeting):
        return self.client.post(
            f"/community/convention-revisions/{revision.pk}/adopt/", {"meeting": meeting.pk}
        )

    def test_a_draft_is_adopted_by_a_residents_meeting_and_shown_on_the_board(self):
        self.assertEqual(self.draft().status_code, 302)
        revision = ConventionRevision.objects.get()
        meeting = self.meeting()
        self.assertEqual(self.adopt(revision, meeting).status_code, 302)
        revision.refresh_from_db()
        self.assertEqual((revision.adopted_on, revision.meeting), (meeting.date, meeting))
        convention = Convention.objects.get()
        self.assertEqual(convention.in_force(), revision)
        printed = self.client.get(f"/community/conventions/{convention.pk}/print/")
        self.assertContains(printed, "不高空抛物")
        board = self.client.get(f"/documents/boards/compound/{self.compound_a.pk}/")
        self.assertContains(board, "翠微小区文明公约")

    def test_a_revision_keeps_the_adopted_text(self):
        self.draft()
        first = ConventionRevision.objects.get()
        self.adopt(first, self.meeting())
        self.draft("爱护公共设施，不高空抛物，电动车不进楼道。")
        self.assertEqual(ConventionRevision.objects.count(), 2)
        first.refresh_from_db()
        self.assertEqual(first.text, "爱护公共设施，不高空抛物。")
        convention = Convention.objects.get()
        self.assertEqual(convention.in_force(), first)  # the draft is not in force yet

    def test_adopting_twice_is_refused(self):
        self.draft()
        revision = ConventionRevision.objects.get()
        meeting = self.meeting()
        self.adopt(revision, meeting)
        r = self.client.post(
            f"/community/convention-revisions/{revision.pk}/adopt/",
            {"meeting": meeting.pk},
            follow=True,
        )
        self.assertContains(r, "已于")

    def test_refusals(self):
        self.assertEqual(self.draft(user=self.leader).status_code, 403)
        self.assertEqual(self.draft(user=self.shequ_b).status_code, 404)
        self.assertEqual(self.draft(user=self.minzheng).status_code, 404)
        self.assertFalse(Convention.objects.exists())
        self.draft()
        revision = ConventionRevision.objects.get()
        self.login(self.shequ_b)
        self.assertEqual(self.adopt(revision, self.meeting()).status_code, 404)
        revision.refresh_from_db()
        self.assertIsNone(revision.adopted_on)
