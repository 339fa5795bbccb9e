from loudong.documents.models import BoardToken
from loudong.documents.tests.helpers import (
    DocumentsTestCase,
    make_appointment,
    make_person,
    make_post,
)


class BoardTestCase(DocumentsTestCase):
    def test_it_shows_the_office_phone_without_consent(self):
        self.login(self.shequ_a)
        self.client.post(f"/documents/boards/building/{self.building.pk}/")  # the QR code
        r = self.client.get(f"/documents/boards/building/{self.building.pk}/")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "王建国")
        self.assertContains(r, "管辖区域")
        self.assertContains(r, "3 户")  # the vacant household is not counted
        self.assertContains(r, "0566-2021234")
        self.assertContains(r, "（社区办公电话）")
        self.assertNotContains(r, "13912345678")
        for duty in ("政策宣传员", "信息采集员", "民事调解员", "文明创建员", "为民服务员"):
            self.assertContains(r, duty)
        self.assertContains(r, "data:image/svg+xml")

    def test_it_shows_the_leaders_phone_with_consent(self):
        self.person.consents_to_publish_phone = True
        self.person.save()
        self.login(self.shequ_a)
        r = self.client.get(f"/documents/boards/building/{self.building.pk}/")
        self.assertContains(r, "13912345678")
        self.assertNotContains(r, "（社区办公电话）")

    def test_it_lists_the_three_leaders_on_compound_and_unit_boards(self):
        unit_leader = make_person(self.community_a, "孙单元")
        post = make_post(
            self.community_a,
            self.compound_a,
            "翠微小区3号楼2单元单元长",
            kind="unit_leader",
            building=self.building,
            unit=self.unit,
        )
        make_appointment(unit_leader, post)
        head = make_person(self.community_a, "周网格", is_committee=True)
        make_appointment(
            head, make_post(self.community_a, self.compound_a, "翠微小区网格长", kind="grid_head")
        )
        self.person.user = self.leader
        self.person.save(update_fields=["user"])
        self.login(self.leader)  # a 楼栋长 may print the boards of the area they serve
        r = self.client.get(f"/documents/boards/compound/{self.compound_a.pk}/")
        self.assertEqual(r.status_code, 200)
        for name in ("王建国", "孙单元", "周网格"):
            self.assertContains(r, name)
        content = r.content.decode()
        self.assertLess(content.index("周网格"), content.index("王建国"))
        self.assertLess(content.index("王建国"), content.index("孙单元"))
        r = self.client.get(f"/documents/boards/unit/{self.unit.pk}/")
        self.assertContains(r, "孙单元")
        self.assertContains(r, "王建国")  # the building's leader serves the unit too

    def test_it_resolves_the_qr_code_to_the_resident_page(self):
        self.login(self.shequ_a)
        url = f"/documents/boards/building/{self.building.pk}/"
        r = self.client.get(url)
        self.assertContains(r, "生成二维码")
        self.assertFalse(BoardToken.objects.exists())  # a GET writes nothing
        self.assertRedirects(self.client.post(url), url)
        self.client.post(url)
        token = BoardToken.objects.get(kind="building", building=self.building)
        self.assertContains(self.client.get(url), "data:image/svg+xml")
        self.client.logout()
        r = self.client.get(token.resident_path())
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "王建国")
        self.assertContains(r, "0566-2021234")
        self.assertNotContains(r, "13912345678")
        self.assertEqual(self.client.get("/documents/r/unknown/").status_code, 404)

    def test_it_hides_another_communitys_boards(self):
        self.login(self.shequ_b)
        self.assertEqual(
            self.client.get(f"/documents/boards/building/{self.building.pk}/").status_code, 404
        )
        self.assertEqual(
            self.client.get(f"/documents/boards/compound/{self.compound_a.pk}/").status_code, 404
        )
        self.assertEqual(
            self.client.get(f"/documents/boards/unit/{self.unit.pk}/").status_code, 404
        )
        self.assertFalse(BoardToken.objects.exists())
