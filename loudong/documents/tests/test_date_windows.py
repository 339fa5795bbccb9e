"""Dates out of range (issue 9 item 8): each through the page that took it, with the reason."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from loudong.documents.models import Agreement
from loudong.documents.tests.helpers import DocumentsTestCase
from loudong.test import make_resident

PDF = b"%PDF-1.4\n%test\n"


class DateWindowTestCase(DocumentsTestCase):
    def sign(self, a, b):
        return self.client.post(
            f"/documents/appointments/{self.appointment.pk}/agreement/sign/",
            {
                "signed_by_a_on": a,
                "signed_by_b_on": b,
                "scan": SimpleUploadedFile("签字.pdf", PDF, content_type="application/pdf"),
            },
        )

    def test_an_agreement_signed_in_year_one_is_refused(self):
        """The subsidy starts from the signature: 0001-01-01 would have paid since year one."""
        self.login(self.shequ_a)
        r = self.sign("0001-01-01", "0001-01-01")
        self.assertContains(r, "不能早于", status_code=400)
        self.assertFalse(Agreement.objects.filter(effective_on__isnull=False).exists())

    def test_an_agreement_signed_before_the_appointment_is_refused(self):
        self.login(self.shequ_a)
        before = self.appointment.start - dt.timedelta(days=3)
        r = self.sign(before.isoformat(), before.isoformat())
        self.assertContains(r, "不能早于", status_code=400)
        self.assertFalse(Agreement.objects.filter(effective_on__isnull=False).exists())

    def test_a_move_out_in_year_one_is_refused(self):
        resident = make_resident(self.compound_a_household(), "王大妈")
        self.login(self.shequ_a)
        r = self.client.post(
            f"/territory/residents/{resident.pk}/move-out/", {"on": "0001-01-01", "reason": "x"}
        )
        self.assertContains(r, "迁出日期不能早于", status_code=400)
        resident.refresh_from_db()
        self.assertFalse(resident.moved_out)

    def test_a_birth_date_in_the_future_or_before_1900_is_refused(self):
        household = self.compound_a_household()
        self.login(self.shequ_a)
        for born in ("1850-01-01", "2999-01-01"):
            r = self.client.post(
                f"/territory/households/{household.pk}/residents/new/",
                {"name": "李四", "birth_date": born, "id_number": ""},
            )
            self.assertContains(r, "出生日期不能", status_code=400)

    def test_a_holiday_in_year_one_is_refused(self):
        self.login(self.jiedao)
        r = self.client.post(
            "/policy/holidays/add/", {"date": "0001-01-01", "kind": "holiday", "name": "x"}
        )
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "日期不能早于", status_code=400)

    def compound_a_household(self):
        from loudong.territory.models import Household

        return Household.objects.filter(compound=self.compound_a).first()
