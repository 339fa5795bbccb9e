import datetime as dt

from loudong.accounts.models import AuditEvent
from loudong.territory.models import Resident
from loudong.test import BaseTestCase, make_household, make_resident, serve


class MoveOutTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.home_a = make_household(cls.compound_a, "301")
        cls.person = make_resident(cls.home_a, "王大妈")

    def url(self):
        return f"/territory/residents/{self.person.pk}/move-out/"

    def test_it_moves_out_softly(self):
        self.login(self.shequ_a)
        response = self.client.post(self.url(), {"on": "2026-01-15", "reason": "搬至外地"})
        self.assertRedirects(response, f"/territory/residents/{self.person.pk}/")
        self.person.refresh_from_db()
        self.assertTrue(self.person.moved_out)
        self.assertEqual(self.person.moved_out_on, dt.date(2026, 1, 15))
        self.assertEqual(Resident.objects.count(), 1)
        event = AuditEvent.objects.get(action="resident.move_out")
        self.assertEqual(event.reason, "搬至外地")
        # the same person may be registered again afterwards
        make_resident(self.home_a, "王大妈", id_number=self.person.id_number.reveal())

    def test_it_rejects_get(self):
        self.login(self.shequ_a)
        self.assertEqual(self.client.get(self.url()).status_code, 405)

    def test_it_rejects_a_future_date(self):
        self.login(self.shequ_a)
        response = self.client.post(self.url(), {"on": "2999-01-01"})
        self.assertEqual(response.status_code, 400)
        self.person.refresh_from_db()
        self.assertFalse(self.person.moved_out)

    def test_it_refuses_read_only_roles_with_403(self):
        self.login(self.minzheng)  # no resident rows for the 区民政局: 404
        self.assertEqual(
            self.client.post(self.url(), {"name": "改名", "on": "2026-01-15"}).status_code, 404
        )
        serve(self.leader, self.home_a)  # a 楼栋长 of this household: may see, never edit
        for user in (self.leader,):
            self.login(user)
            self.assertEqual(self.client.post(self.url(), {"on": "2026-01-15"}).status_code, 403)

    def test_it_answers_404_to_the_other_community(self):
        self.login(self.shequ_b)
        self.assertEqual(self.client.post(self.url(), {"on": "2026-01-15"}).status_code, 404)

    def test_it_shows_the_change_in_the_history(self):
        self.login(self.shequ_a)
        self.client.post(self.url(), {"on": "2026-01-15", "reason": "搬至外地"})
        response = self.client.get(f"/territory/residents/{self.person.pk}/history/")
        self.assertContains(response, "resident.move_out")
        self.assertContains(response, "搬至外地")
        self.login(self.shequ_b)
        response = self.client.get(f"/territory/residents/{self.person.pk}/history/")
        self.assertEqual(response.status_code, 404)
