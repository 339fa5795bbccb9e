import datetime as dt

from loudong.accounts.models import AuditEvent
from loudong.lib.idnumber import make_id_number
from loudong.territory.models import Resident
from loudong.test import BaseTestCase, make_household, make_resident, serve


class EditResidentTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.home_a = make_household(cls.compound_a, "301")
        cls.person = make_resident(cls.home_a, "王大妈", phone="13912345678")

    def url(self):
        return f"/territory/residents/{self.person.pk}/edit/"

    def test_it_edits_and_audits_masked(self):
        self.login(self.shequ_a)
        response = self.client.post(
            self.url(),
            {"name": "王大妈", "relation": "本人", "phone": "13700000000", "notes": "独居老人"},
        )
        self.assertRedirects(response, f"/territory/residents/{self.person.pk}/")
        self.person.refresh_from_db()
        self.assertEqual(self.person.phone.reveal(), "13700000000")
        self.assertEqual(Resident.objects.with_phone("13700000000").get(), self.person)
        event = AuditEvent.objects.get(action="resident.update")
        self.assertEqual(event.new["phone"], "137****0000")
        self.assertNotIn("13912345678", str(event.old))

    def test_it_keeps_the_id_number_when_left_blank(self):
        self.login(self.shequ_a)
        before = self.person.id_number.reveal()
        self.client.post(self.url(), {"name": "王大妈", "phone": ""})
        self.person.refresh_from_db()
        self.assertEqual(self.person.id_number.reveal(), before)
        self.assertEqual(self.person.phone.reveal(), "13912345678")

    def test_it_validates_the_id_number(self):
        self.login(self.shequ_a)
        response = self.client.post(
            self.url(), {"name": "王大妈", "id_number": "341702196005041234"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "校验码错误", status_code=400)

    def test_it_rejects_a_sex_that_contradicts_the_id(self):
        self.login(self.shequ_a)
        number = make_id_number("341702", dt.date(1950, 1, 1), 11)  # odd: male
        response = self.client.post(self.url(), {"name": "王大妈", "id_number": number, "sex": "F"})
        self.assertContains(response, "性别与身份证号不符", status_code=400)

    def test_it_creates_a_resident(self):
        self.login(self.shequ_a)
        number = make_id_number("341702", dt.date(1990, 2, 3), 20)
        response = self.client.post(
            f"/territory/households/{self.home_a.pk}/residents/new/",
            {"name": "王小妹", "relation": "女", "id_number": number},
        )
        self.assertRedirects(response, f"/territory/households/{self.home_a.pk}/")
        created = Resident.objects.with_id_number(number).get()
        self.assertEqual(created.sex, "F")
        self.assertEqual(created.birth_date, dt.date(1990, 2, 3))
        self.assertTrue(AuditEvent.objects.filter(action="resident.create").exists())

    def test_it_refuses_a_duplicate_id_number(self):
        self.login(self.shequ_a)
        response = self.client.post(
            f"/territory/households/{self.home_a.pk}/residents/new/",
            {"name": "重复", "id_number": self.person.id_number.reveal()},
        )
        self.assertContains(response, "已登记在册", status_code=400)

    def test_it_refuses_read_only_roles_with_403(self):
        self.login(self.minzheng)  # no resident rows for the 区民政局: 404
        self.assertEqual(
            self.client.post(self.url(), {"name": "改名", "on": "2026-01-15"}).status_code, 404
        )
        serve(self.leader, self.home_a)  # a 楼栋长 of this household: may see, never edit
        for user in (self.leader,):
            self.login(user)
            self.assertEqual(self.client.get(self.url()).status_code, 403, user.username)
            response = self.client.post(self.url(), {"name": "改名"})
            self.assertEqual(response.status_code, 403)
        self.person.refresh_from_db()
        self.assertEqual(self.person.name, "王大妈")

    def test_it_answers_404_to_the_other_community(self):
        self.login(self.shequ_b)
        self.assertEqual(self.client.post(self.url(), {"name": "改名"}).status_code, 404)
