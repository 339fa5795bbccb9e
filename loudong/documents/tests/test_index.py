from loudong.documents.tests.helpers import DocumentsTestCase


class IndexTestCase(DocumentsTestCase):
    def test_it_lists_what_a_community_worker_may_produce(self):
        self.login(self.shequ_a)
        r = self.client.get("/documents/")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "打印全部工作胸牌")
        self.assertContains(r, "调整和兼任楼栋长备案名单")
        self.assertContains(r, f"/documents/appointments/{self.appointment.pk}/agreement/")
        self.assertContains(r, "翠微小区")
        self.assertNotContains(r, "杏林苑")

    def test_it_lists_filings_but_no_agreements_for_civil_affairs(self):
        self.login(self.minzheng)
        r = self.client.get("/documents/")
        self.assertContains(r, "调整和兼任楼栋长备案名单")
        self.assertNotContains(r, "打印全部工作胸牌")
        self.assertNotContains(r, "/agreement/")

    def test_it_hides_the_page_from_users_without_a_role(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get("/documents/").status_code, 404)
