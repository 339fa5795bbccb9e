"""Rounds: opening a year's evaluation, adding a leader to it, closing it with grades.

Seed 000 §三.5: the 社区居委会 "负责推选、日常管理、业务培训和工作评议"; §三.6 "每年评议结果与楼栋长
的工作补贴相挂钩". A round pins the profile version in force when it opens and copies its
questionnaire; closing writes every evaluation's score, grade, factor and explanation at once
(all or nothing) and, when the profile asks (``evaluation.publish_grades``), schedules the 公示.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from loudong.accounts.audit import AuditAction, record
from loudong.evaluation import results
from loudong.evaluation.actions.common import Refused, require_edit
from loudong.evaluation.models import Evaluation, Question, Round
from loudong.evaluation.rules import round_rule
from loudong.lib.dates import floor
from loudong.policy.profile import profile_for
from loudong.policy.workdays import notice_end
from loudong.roster.models import Appointment

MAX_LISTED = 10


def held_in_year(community, year: int, kinds):
    """Appointments of ``kinds`` in ``community`` in force on some day of ``year`` (a leader kept
    on from before the integration included)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return (
        Appointment.objects.filter(community=community, post__kind__in=list(kinds), start__lte=last)
        .filter(Q(end__isnull=True) | Q(end__gte=first))
        .select_related("person", "post")
    )


def _evaluation(round_, appointment) -> Evaluation:
    return Evaluation(
        round=round_,
        community=appointment.community,
        compound=appointment.compound,
        appointment=appointment,
        person=appointment.person,
        post=appointment.post,
    )


def open_round(*, community, year: int, acting_user, today=None, request=None) -> Round:
    """Open ``year``'s round for ``community``: one evaluation per appointment held that year.

    Refused: a year in the future or before the records begin; a round already opened.
    """
    require_edit(acting_user, community, "开始年度评议", request)
    today = today or timezone.localdate()
    if not floor().year <= year <= today.year:
        raise Refused(f"评议年度须在 {floor().year} 年至 {today.year} 年之间")
    profile = profile_for(community, on=today)
    rule = profile.evaluation
    try:
        with transaction.atomic():
            round_ = Round.objects.create(
                community=community,
                year=year,
                profile_name=profile.name,
                profile_version=profile.version,
                opened_by=acting_user,
                opened_on=today,
            )
            Question.objects.bulk_create(
                Question(
                    round=round_,
                    position=i,
                    code=q.code,
                    text=q.text,
                    weight=q.weight,
                    options=[
                        {"code": o.code, "label": o.label, "score": o.score} for o in q.options
                    ],
                )
                for i, q in enumerate(rule.questionnaire, 1)
            )
            evaluations = Evaluation.objects.bulk_create(
                _evaluation(round_, a)
                for a in held_in_year(community, year, rule.post_kinds).order_by("post_id", "id")
            )
            record(
                actor=acting_user,
                action=AuditAction.EVALUATION_ROUND_OPEN,
                target=round_,
                new={
                    "year": year,
                    "evaluations": len(evaluations),
                    "profile": f"{profile.name} v{profile.version}",
                },
                request=request,
            )
    except IntegrityError:
        raise Refused(f"{community.name} {year} 年度评议已经开始，不能重复开始") from None
    return round_


def add_evaluation(*, round, person, post, acting_user, request=None) -> Evaluation:
    """Add one leader to a round (e.g. appointed back-dated after the round opened).

    Refused: the person did not hold that post in the round's year; the post's kind is not
    evaluated under the round's profile; the appointment is already in the round.
    """
    round_ = round
    require_edit(acting_user, round_, "补充评议对象", request)
    kinds = round_.profile().evaluation.post_kinds
    if post.kind not in kinds:
        raise Refused(f"{post.get_kind_display()}不在本方案的评议范围内")
    appointment = (
        held_in_year(round_.community, round_.year, kinds)
        .filter(person=person, post=post)
        .order_by("start")
        .first()
    )
    if appointment is None:
        raise Refused(f"{person.name}在 {round_.year} 年没有担任{post.title}，不能对其评议")
    with transaction.atomic():
        if Evaluation.objects.filter(round=round_, appointment=appointment).exists():
            raise Refused(f"{person.name}（{post.title}）已在 {round_.year} 年度评议名单中")
        evaluation = _evaluation(round_, appointment)
        evaluation.save()
        record(
            actor=acting_user,
            action=AuditAction.EVALUATION_ADD,
            target=evaluation,
            new={"person": person.pk, "post": post.pk, "year": round_.year},
            request=request,
        )
    return evaluation


def _refuse_unscored(problems: list[str]) -> None:
    listed = "；".join(problems[:MAX_LISTED])
    more = f"等 {len(problems)} 项" if len(problems) > MAX_LISTED else ""
    raise Refused(f"以下评议尚不能评定：{listed}{more}。请补齐后再结束评议。")


def _close(evaluations, rule, today, acting_user) -> list[Evaluation]:
    """Score every evaluation (locked by the caller); refuse all if any cannot be scored."""
    residents = results.residents_for(e.pk for e in evaluations)
    figures_of = (
        results.figures_for_many(evaluations, evaluations[0].round.year) if evaluations else {}
    )
    problems, done = [], []
    for evaluation in evaluations:
        figures = figures_of[evaluation.pk]
        out = results.outcome(evaluation, rule, figures, residents[evaluation.pk])
        if out.result is None:
            problems.append(f"{evaluation.person.name}（{evaluation.post.title}）{out.missing}")
            continue
        results.write_result(evaluation, out, today)
        done.append(evaluation)
    if problems:
        _refuse_unscored(problems)
    # One UPDATE per row: bulk_update's CASE per field per row costs more than it saves here.
    for evaluation in done:
        Evaluation.objects.filter(pk=evaluation.pk).update(
            **{name: getattr(evaluation, name) for name in results.RESULT_FIELDS}
        )
    return done


def close_round(*, round, acting_user, today=None, request=None) -> Round:
    """End the round: every evaluation gets its score, grade, year-end factor and explanation.

    All or nothing: if any evaluation lacks a part the 评议细则 weighs (no 工作态度 score, no
    records and no manual 工作内容 score, no residents' answers and no meeting), nothing is
    written and the refusal lists them. With ``evaluation.publish_grades`` the grades go on
    公示 from today for the profile's working days.
    """
    round_ = round
    require_edit(acting_user, round_, "结束年度评议", request)
    today = today or timezone.localdate()
    profile = round_.profile()
    rule = round_rule(round_)
    with transaction.atomic():
        round_ = Round.objects.select_for_update().get(pk=round_.pk)
        if not round_.is_open:
            raise Refused(f"{round_.year} 年度评议已经结束")
        evaluations = list(
            Evaluation.objects.select_for_update()
            .filter(round=round_, status=Evaluation.Status.OPEN)
            .select_related("appointment", "person", "post", "round")
            .order_by("id")
        )
        done = _close(evaluations, rule, today, acting_user)
        round_.status = Round.Status.CLOSED
        round_.closed_by = acting_user
        round_.closed_on = today
        fields = ["status", "closed_by", "closed_on"]
        if profile.evaluation.publish_grades:
            end, warnings = notice_end(today, profile.evaluation.notice_working_days)
            round_.notice_start, round_.notice_end, round_.notice_warnings = today, end, warnings
            fields += ["notice_start", "notice_end", "notice_warnings"]
        round_.save(update_fields=fields)
        grades = {}
        for evaluation in done:
            grades[evaluation.grade_label] = grades.get(evaluation.grade_label, 0) + 1
        record(
            actor=acting_user,
            action=AuditAction.EVALUATION_ROUND_CLOSE,
            target=round_,
            new={"year": round_.year, "evaluations": len(done), "grade": grades},
            request=request,
        )
    return round_


def close_evaluation(*, evaluation, acting_user, today=None, request=None) -> Evaluation:
    """Grade one evaluation added to a round after it closed (补充评议)."""
    require_edit(acting_user, evaluation, "评定评议结果", request)
    today = today or timezone.localdate()
    rule = round_rule(evaluation.round)
    with transaction.atomic():
        evaluation = (
            Evaluation.objects.select_for_update()
            .select_related("appointment", "person", "post", "round")
            .get(pk=evaluation.pk)
        )
        if not evaluation.is_open:
            raise Refused("该评议已经评定，结果不再改动")
        if evaluation.round.is_open:
            raise Refused("年度评议进行中：结束年度评议时统一评定")
        (done,) = _close([evaluation], rule, today, acting_user)
        record(
            actor=acting_user,
            action=AuditAction.EVALUATION_CLOSE,
            target=done,
            new={"score": done.score, "grade": done.grade_label},
            request=request,
        )
    return done
