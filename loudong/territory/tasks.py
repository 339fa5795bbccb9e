"""Background jobs (django-tasks; the worker is ``loudong db_worker``)."""

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from loudong.territory.models import ImportJob


@task()
def run_import_job(job_id: int) -> None:
    from loudong.territory.importer import Importer

    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.finished_running:
        return
    ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.RUNNING, stage="读取文件")

    def progress(stage, done, total):
        ImportJob.objects.filter(pk=job_id).update(stage=stage[:40], done=done, total=total)

    importer = Importer(
        dry_run=job.dry_run,
        partial=job.partial,
        create_regions=job.create_regions,
        user=job.created_by,
        progress=progress,
        max_bytes=settings.LOUDONG_MAX_UPLOAD_BYTES,
    )
    try:
        report = importer.run(job.unseal(), job.filename).as_json()
    except Exception:  # a bug must not leave the job "running" forever, nor leak the file
        import logging

        logging.getLogger(__name__).exception("import job %s crashed", job_id)
        report = {
            "ok": False,
            "errors": [[0, "", "导入时系统出错，未写入任何数据。请联系系统管理员。"]],
            "error_count": 1,
            "summary": [],
            "notices": [],
            "created": {},
            "counts": {},
        }
    job.report = report
    job.status = ImportJob.Status.DONE if report.get("ok") else ImportJob.Status.FAILED
    job.stage = "完成"
    job.sealed_file = ""
    job.finished = timezone.now()
    job.save(update_fields=["report", "status", "stage", "sealed_file", "finished"])
