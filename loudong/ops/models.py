"""What the background worker shares between app nodes: periodic job claims and heartbeats."""

from django.db import models


class ScheduledJob(models.Model):
    """One periodic job's last run. Claimed with a conditional update, so that with several
    workers on several nodes each due run is enqueued exactly once."""

    name = models.CharField("任务", max_length=64, primary_key=True)
    last_enqueued = models.DateTimeField("上次派发", null=True, blank=True)

    class Meta:
        verbose_name = "定时任务"
        verbose_name_plural = "定时任务"

    def __str__(self):
        return self.name


class WorkerHeartbeat(models.Model):
    """The worker writes its beat every loop; ``/healthz`` says ``stale`` when none is recent."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=200, blank=True)
    beat = models.DateTimeField()

    class Meta:
        verbose_name = "后台任务进程"
        verbose_name_plural = "后台任务进程"

    def __str__(self):
        return f"{self.worker_id}@{self.host}"
