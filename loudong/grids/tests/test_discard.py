from loudong.grids.models import Division
from loudong.grids.tests.helpers import GridTestCase


class DiscardTestCase(GridTestCase):
    def test_it_discards_a_draft(self):
        division = self.propose()
        r = self.client.post(f"/grids/divisions/{division.pk}/discard/")
        self.assertRedirects(r, f"/grids/community/{self.community_a.pk}/")
        division.refresh_from_db()
        self.assertEqual(division.status, Division.Status.DISCARDED)

    def test_it_refuses_read_only_roles_with_403(self):
        division = self.propose()
        self.login(self.minzheng)
        r = self.client.post(f"/grids/divisions/{division.pk}/discard/")
        self.assertEqual(r.status_code, 403)
        division.refresh_from_db()
        self.assertEqual(division.status, Division.Status.DRAFT)
