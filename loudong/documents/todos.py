"""The documents' to-dos: agreements not yet signed by both parties."""

import datetime as dt

from django.db.models import Q
from django.urls import reverse

from loudong.roster.models import Appointment
from loudong.workbench.registry import Row, community_ids, todo

# An agreement still unsigned this many days after the appointment is shown as overdue.
UNSIGNED_LATE_DAYS = 30


def _row(a, today) -> Row:
    waited = (today - a.start).days
    drawn = getattr(a, "agreement", None) is not None
    return Row(
        title=f"{a.post.title} · {a.person.name}",
        url=reverse("documents:agreement", args=[a.pk]),
        detail=("协议书已拟好，待双方签字" if drawn else "尚未拟协议书") + f"（任职 {waited} 天）",
        due=a.start,
        overdue=waited > UNSIGNED_LATE_DAYS,
    )


@todo(
    key="agreements-unsigned",
    label="未签订的志愿服务协议",
    section="documents",
    row=_row,
    order=10,
    overdue=lambda today: Q(start__lt=today - dt.timedelta(days=UNSIGNED_LATE_DAYS)),
    hint="在任的楼栋长都应签订协议书；扫描件上传后即为已签订",
)
def agreements_unsigned(user, today):
    return (
        Appointment.objects.filter(
            Q(community_id__in=community_ids(user)), status=Appointment.Status.ACTIVE
        )
        .filter(Q(agreement__isnull=True) | Q(agreement__status="draft"))
        .select_related("post", "person", "agreement")
        .order_by("start", "pk")
    )
