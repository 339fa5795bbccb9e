"""The evaluation's to-dos: rounds still open after the year, and 不满意 grades to act on."""

from django.db.models import Q

from loudong.evaluation.models import Evaluation, Round
from loudong.workbench.registry import Row, community_ids, todo


def _round_row(r, today) -> Row:
    late = r.year < today.year
    return Row(
        title=f"{r.community.name} {r.year} 年度评议",
        url=r.get_absolute_url(),
        detail=f"{r.opened_on} 开始，尚未结束评定" + ("（评议年度已过）" if late else ""),
        due=r.opened_on,
        overdue=late,
    )


@todo(
    key="evaluation-rounds",
    label="进行中的年度评议",
    section="money",
    row=_round_row,
    order=50,
    overdue=lambda today: Q(year__lt=today.year),
    hint="收齐答卷、居民会议和工作内容后结束评定；年终补贴按等次发放",
)
def open_rounds(user, today):
    return (
        Round.objects.filter(community_id__in=community_ids(user), status=Round.Status.OPEN)
        .select_related("community")
        .order_by("year", "community__code")
    )


def _adjust_row(e, today) -> Row:
    return Row(
        title=f"{e.post.title} · {e.person.name}",
        url=e.get_absolute_url(),
        detail=f"评议为{e.grade_label}，公示结束后予以调整",
        overdue=True,
    )


@todo(
    key="evaluation-adjustments",
    label="评议不满意待调整",
    section="money",
    row=_adjust_row,
    order=45,
    overdue=lambda today: Q(),
)
def adjustments(user, today):
    return (
        Evaluation.objects.filter(
            community_id__in=community_ids(user), adjust=True, adjusted_on__isnull=True
        )
        .select_related("post", "person")
        .order_by("closed_on", "pk")
    )
