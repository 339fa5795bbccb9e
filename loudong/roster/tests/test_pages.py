from loudong.accounts.models import AuditEvent
from loudong.roster.models import Person
from loudong.roster.tests.helpers import (
    RosterTestCase,
    make_appointment,
    make_person,
    make_post,
)
from loudong.test import make_id


class PagesTestCase(RosterTestCase):
    def test_it_lists_posts_with_holder_or_vacancy_in_constant_queries(self):
        make_appointment(self.person_a, self.post_a1)
        self.login(self.shequ_a)
        self.client.get("/roster/")
        with self.assertNumQueries(10):
            r = self.client.get("/roster/")
        self.assertContains(r, "陈德明")
        self.assertContains(r, "空缺")
        for i in range(10):
            make_appointment(
                make_person(self.community_a, f"人{i}"), make_post(self.community_a, f"8{i:019d}")
            )
        with self.assertNumQueries(10):
            self.client.get("/roster/")
        r = self.client.get("/roster/?vacant=on")
        self.assertNotContains(r, "陈德明")

    def test_it_lists_persons_in_constant_queries_and_masks(self):
        self.login(self.shequ_a)
        self.client.get("/roster/persons/")
        with self.assertNumQueries(8):  # + the community filter's choices
            r = self.client.get("/roster/persons/")
        self.assertContains(r, "139****5678")
        self.assertNotContains(r, "13912345678")
        self.assertNotContains(r, "李海")

    def test_it_creates_a_person_with_a_valid_id(self):
        self.login(self.shequ_a)
        number = make_id()
        r = self.client.post(
            "/roster/persons/new/",
            {
                "community": self.community_a.pk,
                "name": "吴芳",
                "id_number": "123",
                "phone": "139 1234 0000",
            },
        )
        self.assertContains(r, "身份证号应为 18 位", status_code=400)
        r = self.client.post(
            "/roster/persons/new/",
            {
                "community": self.community_a.pk,
                "name": "吴芳",
                "id_number": number,
                "phone": "+86 139 1234 0000",
                "education": "college",
            },
        )
        self.assertEqual(r.status_code, 302)
        person = Person.objects.get(name="吴芳")
        self.assertEqual(person.phone.reveal(), "13912340000")
        self.assertEqual(person.id_number.reveal(), number)
        self.assertTrue(AuditEvent.objects.filter(action="roster.person_create").exists())

    def test_it_refuses_creating_in_another_community(self):
        self.login(self.shequ_a)
        r = self.client.post(
            "/roster/persons/new/",
            {"community": self.community_b.pk, "name": "吴芳", "id_number": make_id()},
        )
        self.assertEqual(r.status_code, 400)
        self.assertFalse(Person.objects.filter(name="吴芳").exists())

    def test_it_reveals_with_a_reason_and_audits(self):
        self.login(self.shequ_a)
        r = self.client.post(f"/roster/persons/{self.person_a.pk}/reveal/", {"reason": "签协议"})
        self.assertContains(r, "13912345678")
        self.assertTrue(AuditEvent.objects.filter(action="personal_data.reveal").exists())
        self.login(self.minzheng)
        r = self.client.post(f"/roster/persons/{self.person_a.pk}/reveal/", {"reason": "x"})
        self.assertEqual(r.status_code, 403)

    def test_it_shows_pages_in_scope_and_404_outside(self):
        appointment = make_appointment(self.person_a, self.post_a1)
        urls = [
            f"/roster/posts/{self.post_a1.pk}/",
            f"/roster/persons/{self.person_a.pk}/",
            f"/roster/appointments/{appointment.pk}/",
            f"/roster/grids/{self.code_a1}/",
        ]
        self.login(self.shequ_a)
        for url in [*urls, "/roster/compliance/"]:
            self.assertEqual(self.client.get(url).status_code, 200, url)
        self.login(self.shequ_b)
        for url in urls:
            self.assertEqual(self.client.get(url).status_code, 404, url)
        for user in (self.outsider, self.xitong, self.anquan, self.shenji):
            self.login(user)
            for url in [*urls, "/roster/"]:
                self.assertEqual(self.client.get(url).status_code, 404, (user, url))

    def test_it_lists_party_group_leaders_not_leading(self):
        make_person(self.community_a, "钱党", is_party_group_leader=True)
        self.login(self.shequ_a)
        self.assertContains(self.client.get("/roster/compliance/"), "钱党")
