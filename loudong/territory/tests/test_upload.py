from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from loudong.accounts.models import AuditEvent
from loudong.territory.models import ImportJob, Region, Resident
from loudong.territory.tests.sheets import person, xlsx_bytes
from loudong.test import BaseTestCase

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@override_settings(TASKS=IMMEDIATE)
class UploadTestCase(BaseTestCase):
    def upload(self, content, name="登记表.xlsx", **options):
        data = {"file": SimpleUploadedFile(name, content)}
        data.update({k: "on" for k, v in options.items() if v})
        return self.client.post("/territory/import/", data)

    def test_it_checks_a_file_without_writing(self):
        self.login(self.shequ_a)
        response = self.upload(
            xlsx_bytes([person(), person("李四", room="102", phone="1")]), dry_run=True
        )
        job = ImportJob.objects.get()
        self.assertRedirects(response, f"/territory/import/{job.pk}/")
        self.assertEqual(job.status, ImportJob.Status.FAILED)
        self.assertEqual(job.sealed_file, "")
        self.assertEqual(Resident.objects.count(), 0)
        response = self.client.get(f"/territory/import/{job.pk}/")
        self.assertContains(response, "第3行")
        self.assertNotContains(response, "第2行")
        self.assertContains(response, "联系电话")
        errors = self.client.get(f"/territory/import/{job.pk}/errors.xlsx")
        self.assertEqual(errors.status_code, 200)
        self.assertIn("spreadsheetml", errors["Content-Type"])

    def test_it_imports_and_reports_progress(self):
        self.login(self.shequ_a)
        self.upload(xlsx_bytes([person(), person("李四", room="102")]))
        job = ImportJob.objects.get()
        self.assertEqual(job.status, ImportJob.Status.DONE, job.report)
        self.assertEqual(Resident.objects.count(), 2)
        status = self.client.get(f"/territory/import/{job.pk}/status/").json()
        self.assertTrue(status["finished"])
        self.assertContains(self.client.get(f"/territory/import/{job.pk}/"), "导入完成")

    def test_it_keeps_to_the_uploaders_scope(self):
        self.login(self.shequ_b)
        self.upload(xlsx_bytes([person()]))
        job = ImportJob.objects.get()
        self.assertEqual(job.status, ImportJob.Status.FAILED)
        self.assertIn("不在您的管辖范围内", str(job.report["errors"]))
        self.assertEqual(Resident.objects.count(), 0)

    def test_it_lets_only_a_subdistrict_admin_create_communities(self):
        rows = [person(community="新社区")]
        self.login(self.shequ_a)
        self.upload(xlsx_bytes(rows), create_regions=True)
        self.assertFalse(Region.objects.filter(name="新社区").exists())
        self.login(self.jiedao)
        self.upload(xlsx_bytes(rows), create_regions=True)
        self.assertTrue(Region.objects.filter(name="新社区", parent=self.subdistrict).exists())

    def test_it_never_answers_500_to_a_broken_file(self):
        self.login(self.shequ_a)
        for name, content in (
            ("a.xlsx", b"PK\x03\x04garbage"),
            ("b.xls", b"\xd0\xcf\x11\xe0xx"),
            ("c.csv", b"\xff\xfe\x00\x00\x00"),
            ("d.xlsx", b""),
        ):
            response = self.upload(content, name=name)
            self.assertIn(response.status_code, (302, 400), name)
        for job in ImportJob.objects.all():
            self.assertEqual(job.status, ImportJob.Status.FAILED)
            self.assertTrue(job.report["errors"])

    def test_it_refuses_other_file_types(self):
        self.login(self.shequ_a)
        response = self.upload(b"%PDF", name="x.pdf")
        self.assertContains(response, "不支持的文件类型", status_code=400)

    def test_it_hides_jobs_of_other_users(self):
        self.login(self.shequ_a)
        self.upload(xlsx_bytes([person()]), dry_run=True)
        job = ImportJob.objects.get()
        self.login(self.jiedao)
        self.assertEqual(self.client.get(f"/territory/import/{job.pk}/").status_code, 404)

    def test_it_refuses_read_only_roles(self):
        for user in (self.minzheng, self.leader, self.outsider):
            self.login(user)
            self.assertEqual(self.client.get("/territory/import/").status_code, 404)
        self.assertEqual(AuditEvent.objects.filter(action="access.out_of_scope").count(), 3)

    def test_it_serves_the_template(self):
        self.login(self.leader)
        response = self.client.get("/territory/import/template.xlsx")
        self.assertEqual(response.status_code, 200)
        from loudong.territory.importer import Importer

        report = Importer(dry_run=True).run(response.content, "模板.xlsx")
        self.assertEqual(report.header_line, 2)


class LongFileNameTestCase(BaseTestCase):
    def test_a_long_chinese_file_name_keeps_its_extension_and_imports(self):
        """Issue 9: a long but valid name (200 Chinese characters + .xlsx) was cut to an
        unknown file type."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from loudong.territory.exports import template_workbook
        from loudong.territory.models import ImportJob

        self.login(self.shequ_a)
        name = "秀山门社区居民登记表" * 20 + ".xlsx"
        upload = SimpleUploadedFile(name, template_workbook(rows=5))
        r = self.client.post("/territory/import/", {"file": upload, "dry_run": "on"})
        self.assertEqual(r.status_code, 302)
        job = ImportJob.objects.get()
        self.assertTrue(job.filename.endswith(".xlsx"))
        self.assertLessEqual(len(job.filename), 200)
        self.assertEqual(self.client.get(f"/territory/import/{job.pk}/").status_code, 200)
