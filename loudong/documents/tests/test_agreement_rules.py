"""The agreement as the seeds and the profile say it (issue: seed rules that were wrong).

池阳: Attachment 1's title 「X小区X号楼楼栋长」 with the grid on its own line; 家庭住址 from the
registry; a concurrent leader's clause kept verbatim with one added line (000 §三.1: 300×楼栋
网格数); an ended appointment's agreement 已解除 with the date. 长春: the “三长” text with
004's duties and the profile's allowances, never 池阳's 300 yuan; a profile may have none.
"""

import datetime as dt

import time_machine

from loudong.documents.agreement_docx import agreement_paragraphs
from loudong.documents.models import Agreement
from loudong.documents.tests.helpers import DocumentsTestCase, make_appointment, make_person
from loudong.policy.actions import create_profile_version
from loudong.policy.schema import read_builtin
from loudong.roster.models import Post
from loudong.roster.tests.helpers import OBJECT_CODE, make_division
from loudong.test import make_resident


def fresh_post(test, title="翠微小区3号楼楼栋长"):
    return Post.objects.create(
        community=test.community_a,
        compound=test.compound_a,
        building=test.building,
        kind="building_leader",
        title=title,
    )


def text(agreement) -> str:
    return "\n".join(t for _, t in agreement_paragraphs(agreement))


class AgreementRulesTestCase(DocumentsTestCase):
    def draw_up(self, appointment=None):
        self.login(self.shequ_a)
        appointment = appointment or self.appointment
        r = self.client.post(f"/documents/appointments/{appointment.pk}/agreement/draw-up/")
        self.assertEqual(r.status_code, 302)
        return Agreement.objects.filter(appointment=appointment).first()

    def test_it_titles_a_grid_post_as_attachment_1_with_the_grid_on_its_own_line(self):
        make_division(self.community_a, self.compound_a, self.jiedao, n=2)
        code = f"{OBJECT_CODE}{self.community_a.code}01"
        post = Post.objects.create(
            community=self.community_a, kind="building_leader", grid_code=code, title="x"
        )
        agreement = self.draw_up(make_appointment(make_person(self.community_a, "孙丽"), post))
        self.assertEqual(agreement.title, "翠微小区1号楼楼栋长")
        self.assertEqual(agreement.grid_note, f"网格 01（编码 {code}）")
        body = text(agreement)
        self.assertIn("翠微小区1号楼楼栋长。\n网格 01", body)

    def test_it_fills_the_address_from_the_linked_registry_household(self):
        household = self.post.households(occupied_only=False).first()
        resident = make_resident(household, "赵丽")
        person = make_person(self.community_a, "赵丽", resident=resident, address="")
        agreement = self.draw_up(make_appointment(person, fresh_post(self)))
        self.assertEqual(
            agreement.party_b_address.reveal(),
            f"翠微小区3号楼2单元{household.room}室",
        )

    def test_it_keeps_the_clause_and_adds_one_line_for_a_concurrent_leader(self):
        for title in ("翠微小区4号楼楼栋长", "翠微小区5号楼楼栋长"):
            post = Post.objects.create(
                community=self.community_a, kind="building_leader", title=title
            )
            make_appointment(self.person, post, is_concurrent=True)
        body = text(self.draw_up())
        self.assertIn(
            "2、甲方给予乙方每月总额 300 元工作补贴。其中 200 元按月发放，"
            "另 100 元根据对乙方工作的评议情况年终一次性发放。",
            body,
        )
        self.assertIn("兼任 3 个楼栋网格，合计每月 300×3 = 900 元。", body)

    def test_per_concurrent_grid_false_drops_the_line(self):
        data = read_builtin("chiyang")
        data["subsidy"]["per_concurrent_grid"] = False
        post = Post.objects.create(
            community=self.community_a, kind="building_leader", title="4号楼"
        )
        make_appointment(self.person, post, is_concurrent=True)
        create_profile_version(
            name="chiyang", data=data, note="不按网格数", acting_user=self.jiedao
        )
        appointment = make_appointment(
            self.person,
            Post.objects.create(community=self.community_a, kind="building_leader", title="5号楼"),
            start=dt.date.today(),
        )
        self.assertNotIn("兼任", text(self.draw_up(appointment)))

    @time_machine.travel(dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC), tick=False)
    def test_an_ended_appointment_marks_its_agreement_ended_with_the_date(self):
        agreement = self.draw_up()
        r = self.client.post(
            f"/roster/appointments/{self.appointment.pk}/adjust/",
            {"notice_date": "2026-05-20", "end": "2026-06-30", "reason": "作用发挥不好"},
        )
        self.assertEqual(r.status_code, 302)
        agreement.refresh_from_db()
        self.assertEqual(agreement.status, Agreement.Status.TERMINATED)
        self.assertEqual(agreement.terminated_on, dt.date(2026, 6, 30))
        self.assertIn("社区调整（2026-05-20 告知）", agreement.termination_reason)
        r = self.client.get(f"/documents/appointments/{self.appointment.pk}/agreement/")
        self.assertContains(r, "已解除")

    def test_a_renewal_extends_the_agreements_term(self):
        agreement = self.draw_up()
        r = self.client.post(
            f"/roster/appointments/{self.appointment.pk}/renew/", {"term_end": "2031-12-31"}
        )
        self.assertEqual(r.status_code, 302)
        agreement.refresh_from_db()
        self.assertEqual(agreement.term_end, dt.date(2031, 12, 31))
        self.assertTrue(agreement.events.filter(what__startswith="续期至").exists())


class ChangchunAgreementTestCase(DocumentsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.subdistrict.policy_name = "changchun"
        cls.subdistrict.save()

    def test_it_writes_the_three_leaders_text_without_chiyang_money(self):
        appointment = make_appointment(self.person, fresh_post(self))  # pinned to changchun
        self.login(self.shequ_a)
        self.client.post(f"/documents/appointments/{appointment.pk}/agreement/draw-up/")
        agreement = Agreement.objects.get(appointment=appointment)
        body = text(agreement)
        self.assertIn("“三长”志愿服务协议书", body)
        self.assertIn("收集民情信息", body)
        self.assertIn("实施有效监督", body)
        self.assertIn("甲方按街道有关规定给予乙方通讯、误餐等工作补贴", body)
        self.assertIn("以奖代补", body)
        self.assertNotIn("300", body)
        self.assertNotIn("0 元", body)
        self.assertNotIn("社区楼栋长志愿服务协议书", body)

    def test_it_names_the_profiles_allowances_when_set(self):
        data = read_builtin("changchun")
        data["subsidy"]["allowances"] = {"communication": "50.00", "meal": "30.00"}
        create_profile_version(name="changchun", data=data, note="设补贴", acting_user=self.jiedao)
        appointment = make_appointment(self.person, fresh_post(self), start=dt.date.today())
        self.login(self.shequ_a)
        self.client.post(f"/documents/appointments/{appointment.pk}/agreement/draw-up/")
        body = text(Agreement.objects.get(appointment=appointment))
        self.assertIn("通讯补贴每月 50 元、误餐补贴每月 30 元", body)

    def test_a_profile_without_an_agreement_refuses_to_draw_one_up(self):
        data = read_builtin("changchun")
        data["documents"]["agreement"] = "none"
        create_profile_version(name="changchun", data=data, note="不签", acting_user=self.jiedao)
        appointment = make_appointment(self.person, fresh_post(self), start=dt.date.today())
        self.login(self.shequ_a)
        r = self.client.post(f"/documents/appointments/{appointment.pk}/agreement/draw-up/")
        self.assertEqual(r.status_code, 302)
        self.assertFalse(Agreement.objects.exists())
        self.assertEqual(
            self.client.get(f"/documents/appointments/{appointment.pk}/agreement.docx").status_code,
            404,
        )
