"""Community (三长机制) to-dos, issue 14 community branch: grids whose consultation meeting of
the period is not yet held, meeting decisions past their due date, decisions a leader owns,
rating rounds waiting for the user's answers.

(The rotation, training, supplies and outsider to-dos live in their own functions below.)
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse

from loudong.community.access import person_of
from loudong.community.meetings import due_grids
from loudong.community.models import Decision, RatingAnswer, RatingRound
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
