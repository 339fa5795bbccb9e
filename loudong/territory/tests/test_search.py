from loudong.test import BaseTestCase, make_household, make_resident


class SearchTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.home_a = make_household(cls.compound_a, "301")
        cls.home_b = make_household(cls.compound_b, "101")
        cls.person_a = make_resident(cls.home_a, "王秀兰", phone="13912345678")
        cls.person_b = make_resident(cls.home_b, "王建军", phone="13800001111")

    def found(self, q):
        response = self.client.get("/territory/search/", {"q": q})
        self.assertEqual(response.status_code, 200)
        page = response.context["page"]
        return [r.pk for r in page.object_list] if page is not None else []

    def test_it_finds_by_exact_id_number(self):
        self.login(self.jiedao)
        self.assertEqual(self.found(self.person_a.id_number.reveal()), [self.person_a.pk])

    def test_it_finds_by_phone_in_any_spelling(self):
        self.login(self.jiedao)
        self.assertEqual(self.found("139 1234 5678"), [self.person_a.pk])
        self.assertEqual(self.found("+8613800001111"), [self.person_b.pk])

    def test_it_finds_by_last_four_digits(self):
        self.login(self.jiedao)
        self.assertEqual(self.found("5678"), [self.person_a.pk])
        last4 = self.person_b.id_number.reveal()[-4:]
        self.assertIn(self.person_b.pk, self.found(last4))

    def test_it_finds_by_masked_id_number(self):
        self.login(self.jiedao)
        self.assertEqual(self.found(self.person_a.id_number.masked), [self.person_a.pk])

    def test_it_finds_names_by_prefix_within_scope(self):
        self.login(self.shequ_a)
        self.assertEqual(self.found("王"), [self.person_a.pk])
        self.assertEqual(self.found("王秀"), [self.person_a.pk])
        self.assertEqual(self.found("秀兰"), [])
        self.login(self.jiedao)
        self.assertEqual(sorted(self.found("王")), sorted([self.person_a.pk, self.person_b.pk]))

    def test_it_does_not_find_out_of_scope_residents(self):
        self.login(self.shequ_a)
        self.assertEqual(self.found(self.person_b.id_number.reveal()), [])
        self.assertEqual(self.found("13800001111"), [])

    def test_it_finds_compounds_by_name(self):
        self.login(self.shequ_a)
        response = self.client.get("/territory/search/", {"q": "翠微"})
        self.assertEqual(list(response.context["compounds"]), [self.compound_a])

    def test_it_masks_results(self):
        self.login(self.jiedao)
        response = self.client.get("/territory/search/", {"q": "王秀兰"})
        self.assertContains(response, "139****5678")
        self.assertNotContains(response, "13912345678")
