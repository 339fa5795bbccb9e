import datetime as dt

from django.utils import timezone

from loudong.accounts.models import AuditEvent
from loudong.documents.models import Badge
from loudong.documents.tests.helpers import (
    DocumentsTestCase,
    make_appointment,
    make_person,
    make_post,
)


class BadgeTestCase(DocumentsTestCase):
    def issue(self):
        return self.client.post(f"/documents/appointments/{self.appointment.pk}/badge/issue/")

    def test_it_issues_a_badge_with_a_qr_code_once(self):
        self.login(self.shequ_a)
        r = self.client.get(f"/documents/appointments/{self.appointment.pk}/badge/")
        self.assertContains(r, "制作胸牌")
        self.assertFalse(Badge.objects.exists())  # a GET makes nothing
        self.assertRedirects(self.issue(), f"/documents/appointments/{self.appointment.pk}/badge/")
        r = self.client.get(f"/documents/appointments/{self.appointment.pk}/badge/")
        badge = Badge.objects.get(appointment=self.appointment)
        self.assertEqual(badge.number, "341702001001-0001")
        self.assertContains(r, "王建国")
        self.assertContains(r, "翠微小区3号楼楼栋长")
        self.assertContains(r, "data:image/svg+xml")
        self.assertContains(r, "badge-photo-empty")
        self.issue()
        self.assertEqual(Badge.objects.count(), 1)
        self.assertEqual(AuditEvent.objects.filter(action="documents.badge.issue").count(), 1)

    def test_it_verifies_a_valid_badge_without_login(self):
        self.login(self.shequ_a)
        self.issue()
        self.client.logout()
        badge = Badge.objects.get()
        r = self.client.get(f"/documents/verify/{badge.token}/")
        self.assertContains(r, "有效")
        self.assertNotContains(r, "已失效")
        self.assertContains(r, "王建国")
        self.assertContains(r, "秀山门社区")
        self.assertContains(r, "139****5678")
        self.assertNotContains(r, "13912345678")

    def test_it_says_void_for_an_ended_appointment(self):
        badge = Badge.objects.create(
            appointment=self.appointment, community=self.community_a, number="X-1"
        )
        self.appointment.status = "ended"
        self.appointment.end = timezone.localdate() - dt.timedelta(days=1)
        self.appointment.end_reason = "resignation"
        self.appointment.save()
        r = self.client.get(f"/documents/verify/{badge.token}/")
        self.assertContains(r, "已失效")
        self.assertContains(r, "verify-state void")
        # The printed badge of an ended appointment is stamped too, and no new one is issued.
        self.login(self.shequ_a)
        r = self.client.get(f"/documents/appointments/{self.appointment.pk}/badge/")
        self.assertContains(r, "badge-void")
        self.assertEqual(Badge.objects.count(), 1)
        self.assertContains(r, "该任职已结束，不能制作新的工作胸牌")
        self.assertNotContains(r, "作废此胸牌")

    def test_it_refuses_a_first_badge_for_an_ended_appointment(self):
        self.appointment.status = "ended"
        self.appointment.end = timezone.localdate()
        self.appointment.end_reason = "resignation"
        self.appointment.save()
        self.login(self.shequ_a)
        r = self.client.get(f"/documents/appointments/{self.appointment.pk}/badge/")
        self.assertContains(r, "该任职已结束，不能制作新的工作胸牌", status_code=409)
        self.assertFalse(Badge.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(action="documents.badge.issue").exists())

    def test_it_refuses_issuing_for_an_ended_appointment_in_the_action(self):
        from django.core.exceptions import ValidationError

        from loudong.documents.actions import issue_badge

        self.appointment.status = "ended"
        self.appointment.save()
        with self.assertRaisesMessage(ValidationError, "该任职已结束"):
            issue_badge(appointment=self.appointment, acting_user=self.shequ_a)
        self.assertFalse(Badge.objects.exists())

    def test_it_says_void_for_a_revoked_badge_and_issues_a_new_one(self):
        self.login(self.shequ_a)
        self.issue()
        old = Badge.objects.get()
        r = self.client.post(f"/documents/badges/{old.pk}/revoke/")
        self.assertEqual(r.status_code, 302)
        self.client.get(r["Location"])
        self.assertEqual(Badge.objects.count(), 1)  # viewing makes none
        self.issue()
        self.assertEqual(Badge.objects.count(), 2)
        self.assertContains(self.client.get(f"/documents/verify/{old.token}/"), "已失效")

    def test_it_404s_an_unknown_token(self):
        self.assertEqual(self.client.get("/documents/verify/nope-not-a-token/").status_code, 404)

    def test_it_prints_a_community_sheet(self):
        other = make_person(self.community_a, "赵丽")
        post = make_post(self.community_a, self.compound_a, "翠微小区4号楼楼栋长")
        make_appointment(other, post)
        self.login(self.shequ_a)
        url = f"/documents/badges/community/{self.community_a.pk}/"
        r = self.client.get(url)
        self.assertContains(r, "为其余 2 名在任人员制作胸牌")
        self.assertFalse(Badge.objects.exists())
        self.assertRedirects(self.client.post(url), url)
        r = self.client.get(url)
        self.assertContains(r, "badge-card", count=2)
        self.assertEqual(Badge.objects.filter(community=self.community_a).count(), 2)

    def test_it_refuses_badges_out_of_scope(self):
        self.login(self.shequ_b)
        url = f"/documents/appointments/{self.appointment.pk}/badge/"
        self.assertEqual(self.client.get(url).status_code, 404)
        r = self.client.get(f"/documents/badges/community/{self.community_a.pk}/")
        self.assertEqual(r.status_code, 404)
        self.login(self.minzheng)
        self.assertEqual(self.client.get(url).status_code, 403)
        r = self.client.get(f"/documents/badges/community/{self.community_a.pk}/")
        self.assertEqual(r.status_code, 403)
        self.assertFalse(Badge.objects.exists())


def photo_bytes(fmt="JPEG", size=(900, 600)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 120, 80))
    exif = Image.Exif()
    exif[0x010F] = "某品牌手机"  # Make
    image.save(out, fmt, exif=exif) if fmt == "JPEG" else image.save(out, fmt)
    return out.getvalue()


class BadgePhotoTestCase(DocumentsTestCase):
    def upload(self, data, name="me.jpg", user=None):
        from django.core.files.uploadedfile import SimpleUploadedFile

        self.login(user or self.shequ_a)
        return self.client.post(
            f"/roster/persons/{self.person.pk}/photo/",
            {"photo": SimpleUploadedFile(name, data, content_type="image/jpeg")},
        )

    def test_it_crops_seals_and_prints_the_photo_on_the_badge(self):
        import io

        from PIL import Image

        from loudong.lib.sealed_files import MAGIC

        r = self.upload(photo_bytes())
        self.assertEqual(r.status_code, 302)
        self.person.refresh_from_db()
        self.assertTrue(self.person.photo)
        from django.core.files.storage import default_storage

        with default_storage.open(self.person.photo, "rb") as f:
            stored = f.read()
        self.assertTrue(stored.startswith(MAGIC))  # sealed at rest, not a JPEG on disk
        self.assertNotIn(b"\xff\xd8\xff", stored[:20])
        image = Image.open(
            io.BytesIO(self.client.get(f"/roster/persons/{self.person.pk}/photo.jpg").content)
        )
        self.assertAlmostEqual(image.width / image.height, 0.75, places=2)
        self.assertNotIn(0x010F, image.getexif())  # EXIF dropped
        self.client.post(f"/documents/appointments/{self.appointment.pk}/badge/issue/")
        r = self.client.get(f"/documents/appointments/{self.appointment.pk}/badge/")
        self.assertContains(r, "data:image/jpeg;base64,")
        self.assertNotContains(r, "badge-photo-empty")
        self.assertTrue(AuditEvent.objects.filter(action="roster.person_photo").exists())

    def test_it_refuses_a_file_that_is_not_an_image(self):
        r = self.upload(b"MZ\x90\x00 not a photo", name="photo.jpg")
        self.assertEqual(r.status_code, 302)
        self.person.refresh_from_db()
        self.assertEqual(self.person.photo, "")
        messages = [m.message for m in r.wsgi_request._messages]
        self.assertIn("无法识别的图片", next(iter(messages)))

    def test_it_refuses_an_oversized_photo(self):
        with self.settings(LOUDONG_MAX_PHOTO_BYTES=1000):
            r = self.upload(photo_bytes())
        self.person.refresh_from_db()
        self.assertEqual(self.person.photo, "")
        self.assertIn("照片不能超过", next(m.message for m in r.wsgi_request._messages))

    def test_it_refuses_other_communities_and_read_only_roles(self):
        self.assertEqual(self.upload(photo_bytes(), user=self.shequ_b).status_code, 404)
        self.assertEqual(self.upload(photo_bytes(), user=self.minzheng).status_code, 403)
        self.person.refresh_from_db()
        self.assertEqual(self.person.photo, "")
        self.login(self.shequ_b)
        self.assertEqual(
            self.client.get(f"/roster/persons/{self.person.pk}/photo.jpg").status_code, 404
        )
