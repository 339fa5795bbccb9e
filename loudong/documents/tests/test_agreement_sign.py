import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from loudong.accounts.models import AuditEvent
from loudong.documents.models import Agreement, subsidy_start
from loudong.documents.tests.helpers import DocumentsTestCase

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


class AgreementSignTestCase(DocumentsTestCase):
    def url(self):
        return f"/documents/appointments/{self.appointment.pk}/agreement/sign/"

    def sign(self, content=PDF, name="协议.pdf", content_type="application/pdf", **data):
        payload = {
            "signed_by_a_on": "2026-02-03",
            "signed_by_b_on": "2026-02-05",
            "consents_to_publish_phone": "on",
            "scan": SimpleUploadedFile(name, content, content_type=content_type),
        }
        payload.update(data)
        return self.client.post(self.url(), payload)

    def test_it_accepts_a_pdf_and_takes_effect_on_the_later_signature(self):
        self.login(self.shequ_a)
        r = self.sign()
        self.assertEqual(r.status_code, 302)
        agreement = Agreement.objects.get(appointment=self.appointment)
        self.assertEqual(agreement.status, Agreement.Status.SIGNED)
        self.assertEqual(agreement.signed_by_a_on, dt.date(2026, 2, 3))
        self.assertEqual(agreement.effective_on, dt.date(2026, 2, 5))
        self.assertEqual(agreement.signed_scan_type, "application/pdf")
        self.assertEqual(agreement.signed_scan_ext, "pdf")
        self.assertNotIn("协议", agreement.signed_scan)
        from django.core.files.storage import default_storage

        from loudong.documents.actions import read_scan

        with default_storage.open(agreement.signed_scan, "rb") as f:
            self.assertNotIn(PDF[:8], f.read())  # sealed at rest
        self.assertEqual(read_scan(agreement), PDF)
        self.assertEqual(subsidy_start(self.appointment), dt.date(2026, 2, 5))
        self.assertTrue(agreement.consents_to_publish_phone)
        self.person.refresh_from_db()
        self.assertTrue(self.person.consents_to_publish_phone)
        sign = AuditEvent.objects.get(action="documents.agreement.sign")
        self.assertEqual(sign.new["effective_on"], "2026-02-05")
        self.assertTrue(
            AuditEvent.objects.filter(action="documents.agreement.phone_consent").exists()
        )
        self.assertEqual(
            list(agreement.events.values_list("to_status", flat=True)),
            ["draft", "signed", "signed"],
        )

    def test_it_serves_the_scan_to_revealers_only_and_audits_it(self):
        self.login(self.shequ_a)
        self.sign()
        r = self.client.get(f"/documents/appointments/{self.appointment.pk}/agreement/scan/")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.content, PDF)
        self.assertEqual(r["Cache-Control"], "no-store")
        self.assertTrue(
            AuditEvent.objects.filter(action="documents.agreement.scan_download").exists()
        )
        self.login(self.minzheng)
        r = self.client.get(f"/documents/appointments/{self.appointment.pk}/agreement/scan/")
        self.assertIn(r.status_code, (403, 404))

    def test_it_refuses_an_exe_renamed_pdf(self):
        self.login(self.shequ_a)
        r = self.sign(EXE, "scan.pdf")
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "文件内容不是 PDF、JPG 或 PNG", status_code=400)
        agreement = Agreement.objects.get(appointment=self.appointment)
        self.assertEqual(agreement.status, Agreement.Status.DRAFT)
        self.assertFalse(agreement.signed_scan)
        self.assertTrue(
            AuditEvent.objects.filter(action="documents.agreement.upload_refused").exists()
        )

    def test_it_refuses_a_png_named_pdf(self):
        self.login(self.shequ_a)
        r = self.sign(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "scan.pdf")
        self.assertContains(r, "文件扩展名与内容不符", status_code=400)

    @override_settings(LOUDONG_MAX_UPLOAD_BYTES=1000)
    def test_it_refuses_an_oversize_file(self):
        self.login(self.shequ_a)
        r = self.sign(PDF + b"0" * 2000)
        self.assertContains(r, "文件太大", status_code=400)
        self.assertEqual(Agreement.objects.get().status, Agreement.Status.DRAFT)

    def test_it_refuses_a_future_signature_date(self):
        self.login(self.shequ_a)
        r = self.sign(signed_by_b_on="2999-01-01")
        self.assertContains(r, "签字日期不能晚于", status_code=400)

    def test_it_refuses_signing_twice(self):
        self.login(self.shequ_a)
        self.sign()
        r = self.sign()
        self.assertEqual(r.status_code, 400)
        self.assertEqual(AuditEvent.objects.filter(action="documents.agreement.sign").count(), 1)

    def test_it_refuses_the_building_leader_and_other_community(self):
        self.login(self.leader)
        self.assertEqual(self.sign().status_code, 403)
        self.login(self.shequ_b)
        self.assertEqual(self.sign().status_code, 404)
        self.assertFalse(Agreement.objects.exists())

    def test_it_rejects_get(self):
        self.login(self.shequ_a)
        self.assertEqual(self.client.get(self.url()).status_code, 405)

    def test_it_withdraws_consent_and_terminates(self):
        self.login(self.shequ_a)
        self.sign()
        base = f"/documents/appointments/{self.appointment.pk}/agreement/"
        self.client.post(base + "withdraw-consent/")
        self.person.refresh_from_db()
        self.assertFalse(self.person.consents_to_publish_phone)
        self.assertFalse(Agreement.objects.get().consents_to_publish_phone)
        r = self.client.post(base + "terminate/", {"on": "2026-06-30", "reason": "本人辞任"})
        self.assertEqual(r.status_code, 302)
        agreement = Agreement.objects.get()
        self.assertEqual(agreement.status, Agreement.Status.TERMINATED)
        self.assertEqual(agreement.terminated_on, dt.date(2026, 6, 30))
        self.assertTrue(AuditEvent.objects.filter(action="documents.agreement.terminate").exists())

    def test_it_shows_the_agreement_page(self):
        self.login(self.shequ_a)
        r = self.client.get(f"/documents/appointments/{self.appointment.pk}/agreement/")
        self.assertContains(r, "起草协议书")
        self.client.post(f"/documents/appointments/{self.appointment.pk}/agreement/draw-up/")
        r = self.client.get(f"/documents/appointments/{self.appointment.pk}/agreement/")
        self.assertContains(r, "翠微小区3号楼楼栋长")
        self.assertContains(r, "下载协议书")
        self.assertNotContains(r, self.person.id_number.reveal())
