import io

from docx import Document

from loudong.accounts.models import AuditEvent
from loudong.documents.models import Agreement
from loudong.documents.tests.helpers import ADDRESS, ID_NUMBER, PHONE, DocumentsTestCase


def docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return "\n".join(lines)


class AgreementDocxTestCase(DocumentsTestCase):
    def url(self, appointment=None):
        return f"/documents/appointments/{(appointment or self.appointment).pk}/agreement.docx"

    def test_it_fills_attachment_1_from_the_record(self):
        self.login(self.shequ_a)
        r = self.client.get(self.url())
        self.assertEqual(r.status_code, 200)
        self.assertIn("wordprocessingml", r["Content-Type"])
        self.assertEqual(r["Cache-Control"], "no-store")
        text = docx_text(r.content)
        for expected in [
            "社区楼栋长志愿服务协议书",
            "甲方：秀山门社区",
            "负责人：李主任",
            "联系电话：0566-2021234",
            "乙方：王建国",
            f"身份证号码：{ID_NUMBER}",
            f"家庭住址：{ADDRESS}",
            f"联系电话：{PHONE}",
            "一、乙方工作期限",
            "2026年1月1日至2028年12月31日。",
            "二、乙方工作称号",
            "翠微小区3号楼楼栋长。",
            "三、乙方工作内容",
            "1、宣传党的路线、方针、政策和国家法律、法规；",
            "6、根据需要，完成社区居委会交办的其他工作。",
            "四、工作补贴",
            "2、甲方给予乙方每月总额 300 元工作补贴。其中 200 元按月发放，"
            "另 100 元根据对乙方工作的评议情况年终一次性发放。",
            "3、甲方为乙方购买意外伤害商业保险",
            "五、协议解除",
            "双方均可以随时解除本协议，但应提前告知对方。",
            "六、附则",
            "本协议一式贰份，双方各执壹份，经双方签字（盖章）确认后生效。",
            "甲方：",
            "乙方：",
            "年  月  日",
        ]:
            self.assertIn(expected, text)
        self.assertNotIn("兼任", text)
        # A GET writes nothing; drawing it up is a POST.
        self.assertFalse(Agreement.objects.exists())
        r = self.client.post(f"/documents/appointments/{self.appointment.pk}/agreement/draw-up/")
        self.assertEqual(r.status_code, 302)
        agreement = Agreement.objects.get(appointment=self.appointment)
        self.assertEqual(agreement.status, Agreement.Status.DRAFT)
        self.assertEqual(agreement.party_b_id_number.reveal(), ID_NUMBER)
        self.assertEqual(str(agreement.subsidy_monthly), "300.00")

    def test_it_audits_each_download_as_an_export(self):
        self.login(self.shequ_a)
        self.client.get(self.url())
        self.client.get(self.url())
        exports = AuditEvent.objects.filter(action="documents.agreement.export")
        self.assertEqual(exports.count(), 2)
        self.assertEqual(exports.first().actor, self.shequ_a)
        self.assertEqual(
            exports.first().new, {"format": "docx", "revealed": True, "drawn_up": False}
        )
        # A download draws nothing up; the ID number never lands in the audit log.
        self.assertEqual(AuditEvent.objects.filter(action="documents.agreement.create").count(), 0)
        for event in AuditEvent.objects.all():
            self.assertNotIn(ID_NUMBER, str(event.new) + str(event.old) + event.target_repr)

    def test_it_lets_the_subdistrict_admin_download(self):
        self.login(self.jiedao)
        self.assertEqual(self.client.get(self.url()).status_code, 200)

    def test_it_refuses_civil_affairs(self):
        self.login(self.minzheng)
        self.assertIn(self.client.get(self.url()).status_code, (403, 404))
        self.assertFalse(Agreement.objects.exists())

    def test_it_refuses_the_building_leader(self):
        self.login(self.leader)
        self.assertIn(self.client.get(self.url()).status_code, (403, 404))
        self.assertFalse(Agreement.objects.exists())

    def test_it_hides_another_communitys_agreement(self):
        self.login(self.shequ_b)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.assertTrue(AuditEvent.objects.filter(action="access.out_of_scope").exists())

    def test_it_requires_login(self):
        r = self.client.get(self.url())
        self.assertEqual(r.status_code, 302)

    def test_it_keeps_the_snapshot_after_the_person_changes(self):
        self.login(self.shequ_a)
        self.client.post(f"/documents/appointments/{self.appointment.pk}/agreement/draw-up/")
        self.person.phone = "13700009999"
        self.person.save()
        text = docx_text(self.client.get(self.url()).content)
        self.assertIn(PHONE, text)
        # Refresh (a draft only) re-reads the record.
        self.client.post(f"/documents/appointments/{self.appointment.pk}/agreement/refresh/")
        text = docx_text(self.client.get(self.url()).content)
        self.assertIn("13700009999", text)
