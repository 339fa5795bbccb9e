"""The registry's to-dos: the user's own imports that finished or failed this week."""

import datetime as dt

from django.db.models import Q

from loudong.territory.models import ImportJob
from loudong.workbench.registry import Row, todo

RECENT_DAYS = 7


def _row(job, today) -> Row:
    failed = job.status == ImportJob.Status.FAILED
    return Row(
        title=job.filename,
        url=job.get_absolute_url(),
        detail=("有错误，请查看错误清单" if failed else "已完成")
        + ("（仅校验）" if job.dry_run else "")
        + f" · {job.finished:%m-%d %H:%M}",
        due=job.finished,
        overdue=failed,
    )


@todo(
    key="imports",
    label="近 7 天完成或出错的导入",
    section="registry",
    row=_row,
    order=10,
    overdue=lambda today: Q(status=ImportJob.Status.FAILED),
    hint="您上传的台账导入任务",
)
def imports(user, today):
    since = today - dt.timedelta(days=RECENT_DAYS)
    return ImportJob.objects.filter(
        created_by=user,
        status__in=[ImportJob.Status.DONE, ImportJob.Status.FAILED],
        finished__date__gte=since,
    ).order_by("-finished")
