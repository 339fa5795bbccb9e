"""The 三长's voice (seed 004 §四.13): "街道社区党组织在征集服务群众项目、测评服务活动成效、评价
物业服务质量时，要充分听取“三长”意见，并作为重要依据".

- A *property round* (``ratings.property_period``: e.g. quarterly) asks every 三长 of each compound
  the profile's ``ratings.property_questions``; results per compound and period, exported .xlsx
  for the community's 物业服务质量评价.
- An *activity round* asks the ``ratings.activity_questions`` about one service activity.
- Service projects are proposed to the community; the 三长 say whether they support each, and why.

Questions are data: copied from the profile into the round when it opens. Who answers:
the posts of ``ratings.rater_kinds``. One answer per person (and compound) per round, written
with the round row locked.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from loudong.accounts.audit import AuditAction, record
from loudong.community.access import leader_compound_ids, leader_posts, person_of, require_edit
from loudong.community.models import (
    ProjectInput,
    RatingAnswer,
    RatingRound,
    ServiceActivity,
    ServiceProject,
    period_label,
)
from loudong.fieldwork.actions.common import Refused
from loudong.policy.profile import profile_for


def _text(value, label, limit, required=True):
    value = (value or "").strip()
    if "\x00" in value:
        raise Refused(f"{label}：不能包含空字符")
    if required and not value:
        raise Refused(f"{label}：不能为空")
    if len(value) > limit:
        raise Refused(f"{label}：不能超过 {limit} 个字")
    return value


def _questions(questions) -> list[dict]:
    return [
        {
            "code": q.code,
            "text": q.text,
            "options": [{"code": o.code, "label": o.label, "score": o.score} for o in q.options],
        }
        for q in questions
    ]


def open_round(
    *,
    community,
    kind: str,
    today: dt.date,
    activity=None,
    title: str = "",
    acting_user,
    request=None,
) -> RatingRound:
    require_edit(acting_user, community)
    profile = profile_for(community, on=today)
    if kind == RatingRound.Kind.PROPERTY:
        frequency = profile.ratings.property_period
        if frequency == "none":
            raise Refused("本方案未设物业服务质量评价周期，不能发起定期评价")
        period = period_label(frequency, today)
        if RatingRound.objects.filter(community=community, kind=kind, period=period).exists():
            raise Refused(f"{period} 的物业服务质量评价已发起")
        questions = profile.ratings.property_questions
        title = title or f"{community.name}{period}物业服务质量评价"
    elif kind == RatingRound.Kind.ACTIVITY:
        if activity is None or activity.community_id != community.pk:
            raise Refused("服务活动：请选择本社区的活动")
        period = f"{activity.date:%Y-%m-%d}"
        questions = profile.ratings.activity_questions
        title = title or f"“{activity.title}”成效测评"
    else:
        raise Refused("类别：只能是物业服务质量评价或服务活动成效测评")
    with transaction.atomic():
        row = RatingRound.objects.create(
            community=community,
            kind=kind,
            title=_text(title, "名称", 100),
            period=period,
            activity=activity,
            questions=_questions(questions),
            opened_by=acting_user,
            profile_name=profile.name,
            profile_version=profile.version,
        )
        record(
            actor=acting_user,
            action=AuditAction.RATING_OPEN,
            target=row,
            region=community,
            new={"kind": kind, "period": period, "questions": len(questions)},
            request=request,
        )
    return row


def rater_post(user, round_: RatingRound):
    """The user's post that may rate in this round (profile ``ratings.rater_kinds``), or None."""
    profile = profile_for(round_.community, on=timezone.localdate(round_.opened))
    posts = [
        p
        for p in leader_posts(user, profile.ratings.rater_kinds)
        if p.community_id == round_.community_id
    ]
    return posts[0] if posts else None


def answer_round(
    *,
    round_: RatingRound,
    answers: dict,
    compound=None,
    comment: str = "",
    acting_user,
    request=None,
) -> RatingAnswer:
    post = rater_post(acting_user, round_)
    if post is None:
        raise PermissionDenied("只有本社区的“三长”可以参加测评")
    comment = _text(comment, "意见建议", 300, required=False)
    if round_.kind == RatingRound.Kind.PROPERTY:
        if compound is None or compound.parent_id != round_.community_id:
            raise Refused("小区：请选择评价的小区")
        if compound.pk not in leader_compound_ids(acting_user):
            raise PermissionDenied("只能评价自己所在小区的物业服务")
    else:
        compound = None
    clean = {}
    for q in round_.questions:
        value = answers.get(q["code"], "")
        if value not in {o["code"] for o in q["options"]}:
            raise Refused(f"“{q['text']}”：请选择一项")
        clean[q["code"]] = value
    with transaction.atomic():
        row = RatingRound.objects.select_for_update().get(pk=round_.pk)
        if row.status != RatingRound.Status.OPEN:
            raise Refused("该测评已结束")
        person = person_of(acting_user)
        if RatingAnswer.objects.filter(round=row, person=person, compound=compound).exists():
            raise Refused("您已提交过本次测评")
        try:
            with transaction.atomic():
                answer = RatingAnswer.objects.create(
                    round=row,
                    compound=compound,
                    person=person,
                    post_kind=post.kind,
                    answers=clean,
                    comment=comment,
                )
        except IntegrityError:
            raise Refused("您已提交过本次测评") from None
        record(
            actor=acting_user,
            action=AuditAction.RATING_ANSWER,
            target=row,
            region=row.community,
            new={"compound": compound.pk if compound else None},
            request=request,
        )
    return answer


def close_round(*, round_: RatingRound, acting_user, request=None) -> RatingRound:
    require_edit(acting_user, round_.community)
    with transaction.atomic():
        row = RatingRound.objects.select_for_update().get(pk=round_.pk)
        if row.status != RatingRound.Status.OPEN:
            raise Refused("该测评已结束")
        row.status = RatingRound.Status.CLOSED
        row.save(update_fields=["status"])
        record(
            actor=acting_user,
            action=AuditAction.RATING_CLOSE,
            target=row,
            region=row.community,
            request=request,
        )
    return row


def results(round_: RatingRound) -> list[dict]:
    """Per compound (property) or for the activity: answers, each question's mean score and the
    counts of each option, and the overall mean (unanswered or unscored options not counted)."""
    groups: dict = {}
    for a in round_.answers.select_related("compound").order_by("compound__name", "pk"):
        key = a.compound_id
        groups.setdefault(key, {"compound": a.compound, "answers": []})["answers"].append(a)
    out = []
    for group in groups.values():
        questions = []
        scores_all = []
        for q in round_.questions:
            scores = {o["code"]: o["score"] for o in q["options"]}
            counts = {o["code"]: 0 for o in q["options"]}
            values = []
            for a in group["answers"]:
                code = a.answers.get(q["code"])
                if code in counts:
                    counts[code] += 1
                    if scores[code] is not None:
                        values.append(scores[code])
            mean = round(sum(values) / len(values), 1) if values else None
            if mean is not None:
                scores_all.append(mean)
            questions.append(
                {
                    "code": q["code"],
                    "text": q["text"],
                    "mean": mean,
                    "counts": [(o["label"], counts[o["code"]]) for o in q["options"]],
                }
            )
        out.append(
            {
                "compound": group["compound"],
                "answers": len(group["answers"]),
                "questions": questions,
                "mean": round(sum(scores_all) / len(scores_all), 1) if scores_all else None,
                "comments": [a.comment for a in group["answers"] if a.comment],
            }
        )
    return out


def export_rows(round_: RatingRound) -> tuple[list[str], list[list]]:
    headers = ["小区", "答卷数", *[q["text"] for q in round_.questions], "综合得分"]
    rows = []
    for r in results(round_):
        rows.append(
            [
                r["compound"].name if r["compound"] else round_.title,
                r["answers"],
                *[q["mean"] if q["mean"] is not None else "" for q in r["questions"]],
                r["mean"] if r["mean"] is not None else "",
            ]
        )
    return headers, rows


# -- service projects and activities ---------------------------------------------------------------


def propose_project(
    *, community, title: str, description: str, acting_user, request=None
) -> ServiceProject:
    """A worker, or a 三长 of the community, proposes a project (征集服务群众项目)."""
    if person_of(acting_user) is None or community.pk not in {
        p.community_id for p in leader_posts(acting_user)
    }:
        require_edit(acting_user, community, "只有本社区的“三长”或社区工作者可以提出服务项目")
    with transaction.atomic():
        project = ServiceProject.objects.create(
            community=community,
            title=_text(title, "项目名称", 100),
            description=_text(description, "项目内容", 2000),
            created_by=acting_user,
        )
        record(
            actor=acting_user,
            action=AuditAction.PROJECT_PROPOSE,
            target=project,
            region=community,
            new={"title": project.title},
            request=request,
        )
    return project


def give_input(
    *, project: ServiceProject, supports: bool, comment: str = "", acting_user, request=None
) -> ProjectInput:
    person = person_of(acting_user)
    if person is None or project.community_id not in {
        p.community_id for p in leader_posts(acting_user)
    }:
        raise PermissionDenied("只有本社区的“三长”可以对服务项目提出意见")
    comment = _text(comment, "意见", 300, required=False)
    with transaction.atomic():
        row = ServiceProject.objects.select_for_update().get(pk=project.pk)
        if row.status != ServiceProject.Status.PROPOSED:
            raise Refused("该项目已作出采纳决定，不再征求意见")
        value, created = ProjectInput.objects.update_or_create(
            project=row, person=person, defaults={"supports": supports, "comment": comment}
        )
        record(
            actor=acting_user,
            action=AuditAction.PROJECT_INPUT,
            target=row,
            region=row.community,
            new={"supports": supports, "changed": not created},
            request=request,
        )
    return value


def decide_project(
    *, project: ServiceProject, adopt: bool, note: str, acting_user, request=None
) -> ServiceProject:
    require_edit(acting_user, project.community)
    note = _text(note, "采纳说明", 200)
    with transaction.atomic():
        row = ServiceProject.objects.select_for_update().get(pk=project.pk)
        if row.status != ServiceProject.Status.PROPOSED:
            raise Refused("该项目已作出采纳决定")
        row.status = ServiceProject.Status.ADOPTED if adopt else ServiceProject.Status.DECLINED
        row.decision_note = note
        row.save(update_fields=["status", "decision_note"])
        record(
            actor=acting_user,
            action=AuditAction.PROJECT_DECIDE,
            target=row,
            region=row.community,
            new={"status": row.status},
            reason=note,
            request=request,
        )
    return row


def save_activity(
    *, community, title: str, date: dt.date, project=None, acting_user, request=None
) -> ServiceActivity:
    require_edit(acting_user, community)
    if project is not None and project.community_id != community.pk:
        raise Refused("服务项目：不是本社区的项目")
    with transaction.atomic():
        activity = ServiceActivity.objects.create(
            community=community, title=_text(title, "活动名称", 100), date=date, project=project
        )
        record(
            actor=acting_user,
            action=AuditAction.ACTIVITY_SAVE,
            target=activity,
            region=community,
            new={"title": activity.title, "date": date.isoformat()},
            request=request,
        )
    return activity
