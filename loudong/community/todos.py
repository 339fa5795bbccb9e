"""The community app's to-dos on the workbench (section 三长机制), one function per source.

Rotating 单元长, training and outsider registration (issue 14); the meetings' to-dos of the
other half of the issue sit beside these.
"""

from django.db.models import Q
from django.urls import reverse

from loudong.community import outsiders, rotation
from loudong.community.models import OutsiderRecord
from loudong.community.training import untrained
from loudong.policy.profile import profile_for
from loudong.territory.models import Region
from loudong.workbench.registry import Row, community_ids, todo

# -- 自愿轮值 ------------------------------------------------------------------------------------


def _handover_row(t, today) -> Row:
    written = hasattr(t, "handover")
    return Row(
        title=f"{t.rotation.unit} · {t.month:%Y年%m月} {t.label}",
        url=t.rotation.get_absolute_url(),
        detail="交接已填写，待下任确认" if written else "本月工作情况尚未填写",
        overdue=t.month_end < today,
    )


@todo(
    key="rotation-handovers",
    label="轮值交接待确认",
    section="community",
    row=_handover_row,
    order=30,
    overdue=lambda today: Q(month__lt=rotation.month_of(today)),
    hint="上月轮值单元长的交接还未由下任确认：该月不能结束",
)
def rotation_handovers(user, today):
    return (
        rotation.awaiting_confirmation()
        .filter(
            rotation__community_id__in=community_ids(user),
            month__lt=rotation.month_of(today),
        )
        .select_related("rotation__unit__building__compound", "household", "handover")
        .order_by("month", "pk")
    )


def _unplanned_row(r, today) -> Row:
    return Row(
        title=f"{r.unit} · 下月尚未排定轮值",
        url=r.get_absolute_url(),
        detail="请排定后续月份（每月轮换一次）",
        overdue=False,
    )


@todo(
    key="rotation-unplanned",
    label="下月未排定轮值的单元",
    section="community",
    row=_unplanned_row,
    order=31,
    hint="轮值中的单元下个月还没有轮值户",
)
def rotation_unplanned(user, today):
    from loudong.community.models import Rotation

    next_month = rotation.add_months(rotation.month_of(today), 1)
    return (
        Rotation.objects.filter(community_id__in=community_ids(user), active=True)
        .exclude(turns__month=next_month)
        .select_related("unit__building__compound")
        .order_by("unit_id")
    )


# -- 业务培训 ------------------------------------------------------------------------------------


def _untrained_row(row, today) -> Row:
    return Row(
        title=f"{row.person.name}（{row.posts}）",
        url=row.person.get_absolute_url(),
        detail=f"{today.year}年已参加 {row.attended} 次，须 {row.required} 次",
        overdue=today.month >= 10,  # the last quarter: time is running out
    )


@todo(
    key="training-untrained",
    label="本年未参加业务培训的“三长”",
    section="community",
    row=_untrained_row,
    order=40,
    hint="在岗人员本年参加培训次数不足政策方案的要求",
    list_url=lambda user: reverse("community:trainings_untrained"),
)
def training_untrained(user, today):
    rows = []
    for community in Region.objects.filter(pk__in=community_ids(user)):
        rows += untrained(community, year=today.year, today=today)
    return rows


# -- 外来人员登记 --------------------------------------------------------------------------------


def _purge_row(r, today) -> Row:
    return Row(
        title=f"{r.name} · {r.household.unit}{r.household.room}室",
        url=reverse("community:outsiders") + f"?community={r.community_id}",
        detail=f"{r.purge_on:%m月%d日}到期自动删除",
        due=r.purge_on,
        overdue=r.purge_on <= today,
    )


@todo(
    key="outsiders-nearing-purge",
    label="即将到期删除的外来人员登记",
    section="community",
    row=_purge_row,
    order=50,
    overdue=lambda today: Q(purge_on__lte=today),
    hint="到期后系统自动删除；如需保留作为证据，请在此之前按规定处理",
)
def outsiders_nearing_purge(user, today):
    ids = community_ids(user)
    if not ids:
        return OutsiderRecord.objects.none()
    days = max(
        profile_for(c, on=today).outsiders.purge_warning_days
        for c in Region.objects.filter(pk__in=ids)
    )
    return (
        outsiders.nearing_purge(OutsiderRecord.objects.filter(community_id__in=ids), today, days)
        .select_related("household__unit__building__compound")
        .order_by("purge_on", "pk")
    )
