"""The community app's to-dos on the workbench (section 三长机制), one function per source:
grids whose consultation meeting of the period is not yet held, meeting decisions past their
due date, decisions a leader owns, rating rounds waiting for the user's answers; handovers
awaiting the incoming 单元长, rotas without next month, leaders untrained this year, outsider
records nearing their purge.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse

from loudong.community import outsiders, rotation
from loudong.community.access import person_of
from loudong.community.meetings import due_grids
from loudong.community.models import Decision, OutsiderRecord, RatingAnswer, RatingRound
from loudong.community.training import untrained
from loudong.policy.profile import profile_for
from loudong.territory.models import Region
from loudong.workbench.registry import Row, community_ids, todo


@dataclass(frozen=True)
class DueGrid:
    community: object
    code: str
    start: object
    end: object


def _due_row(d: DueGrid, today) -> Row:
    return Row(
        title=f"{d.community.name} 网格 {d.code[-2:]} 协商会议",
        url=reverse("community:meeting_new")
        + "?"
        + urlencode({"community": d.community.pk, "grid": d.code}),
        detail=f"本期 {d.start:%m-%d} 至 {d.end:%m-%d} 尚未召开",
        due=d.end,
        overdue=(d.end - today).days <= 7,
    )


@todo(
    key="community-meetings-due",
    label="本期应召开的协商会议",
    section="community",
    row=_due_row,
    order=10,
    hint="定期协商：由网格长牵头，定期组织楼栋长、单元长共同商议小区事务",
    list_url=lambda user: reverse("community:meetings"),
)
def meetings_due(user, today):
    rows = []
    for community in Region.objects.filter(pk__in=community_ids(user)).order_by("code"):
        rows += [
            DueGrid(community, code, *period) for code, _, period in due_grids(community, today)
        ]
    return rows


def _decision_row(d: Decision, today) -> Row:
    return Row(
        title=d.text,
        url=d.meeting.get_absolute_url() + f"#decision-{d.pk}",
        detail=f"责任人 {d.owner.name}，{d.due:%m-%d} 前完成，进度 {d.progress}%",
        due=d.due,
        overdue=d.is_overdue(today),
    )


@todo(
    key="community-decisions-overdue",
    label="超期未完成的会议决定事项",
    section="community",
    row=_decision_row,
    order=20,
    overdue=lambda today: Q(due__lt=today),
    hint="协商会议的决定事项逾期未完成：督促责任人",
    list_url=lambda user: reverse("community:meetings"),
)
def decisions_overdue(user, today):
    return (
        Decision.objects.filter(community_id__in=community_ids(user), due__lt=today)
        .exclude(status=Decision.Status.DONE)
        .select_related("owner", "meeting")
        .order_by("due", "pk")
    )


@todo(
    key="community-decisions-mine",
    label="我负责的会议决定事项",
    section="community",
    row=_decision_row,
    order=30,
    overdue=lambda today: Q(due__lt=today),
    hint="报告进展，直到完成",
)
def decisions_mine(user, today):
    person = person_of(user)
    if person is None:
        return Decision.objects.none()
    return (
        Decision.objects.filter(owner=person)
        .exclude(status=Decision.Status.DONE)
        .select_related("owner", "meeting")
        .order_by("due", "pk")
    )


def _round_row(r: RatingRound, today) -> Row:
    return Row(title=r.title, url=r.get_absolute_url(), detail="请“三长”填写测评")


@todo(
    key="community-ratings-to-answer",
    label="待填写的“三长”测评",
    section="community",
    row=_round_row,
    order=40,
    hint="评价物业服务质量、测评服务活动成效",
)
def ratings_to_answer(user, today):
    person = person_of(user)
    if person is None:
        return RatingRound.objects.none()
    communities = {a.post.community_id for a in person.active_appointments().select_related("post")}
    answered = RatingAnswer.objects.filter(person=person, compound__isnull=True).values("round")
    return (
        RatingRound.objects.filter(community_id__in=communities, status=RatingRound.Status.OPEN)
        .exclude(kind=RatingRound.Kind.ACTIVITY, pk__in=answered)
        .exclude(
            kind=RatingRound.Kind.PROPERTY,
            pk__in=RatingAnswer.objects.filter(person=person).values("round"),
        )
        .order_by("-opened")
    )


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
    order=60,
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
    order=61,
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
    order=70,
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
    order=80,
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
