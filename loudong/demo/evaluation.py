"""Demo step: last year's evaluation closed with grades, this year's open with answers arriving.

Every community's round for last year is filled the way a community does it before field work
is recorded in the system: residents' paper questionnaires entered as tallies (their slips
spent), 工作态度 scored, 工作内容 scored from the paper 服务记录表 with that reason, a few
楼栋居民会议; then closed, so the grades exist for December's year-end lines. In 社区 A one
leader is graded 不满意 and adjusted in January (the post went to a new selection), and the demo
楼栋长 ``loudongzhang`` — graded 满意, still in post — has online answers, so their page shows
results. This year's rounds are open; in 社区 A slips are out and answers are coming in.
Deterministic for ``seed``; bulk inserts for the tallies (a few seconds).
"""

import datetime as dt
import random
import secrets

from django.db import transaction
from django.utils import timezone

from loudong.accounts.models import User
from loudong.evaluation.actions import adjustments, evaluations, rounds, surveys
from loudong.evaluation.models import Answer, Evaluation, PaperBatch, Round, SurveyToken
from loudong.territory.models import Region

GOOD = {
    "visits": [0.75, 0.2, 0.05],
    "help": [0.55, 0.1, 0.0, 0.35],
    "publicity": [0.8, 0.17, 0.03],
    "overall": [0.85, 0.13, 0.02],
}
FAIR = {
    "visits": [0.35, 0.45, 0.2],
    "help": [0.3, 0.3, 0.1, 0.3],
    "publicity": [0.4, 0.45, 0.15],
    "overall": [0.35, 0.5, 0.15],
}
POOR = {
    "visits": [0.05, 0.25, 0.7],
    "help": [0.05, 0.25, 0.4, 0.3],
    "publicity": [0.1, 0.3, 0.6],
    "overall": [0.05, 0.25, 0.7],
}
WORK_REASON = "系统上线前的走访和服务记录在纸质服务记录表上，按记录表评定"


def build_evaluation(regions: dict, *, seed: int, stdout) -> None:
    rng = random.Random(seed + 13)
    actor = User.objects.filter(username="jiedao").first()
    if actor is None:
        stdout.write("  年度评议：缺少演示账号 jiedao，跳过")
        return
    today = timezone.localdate()
    last = today.year - 1
    leader = User.objects.filter(username="loudongzhang").first()
    demo_person = getattr(leader, "person", None) if leader else None
    communities = list(
        Region.objects.filter(parent=regions["subdistrict"], level=Region.Level.COMMUNITY).order_by(
            "code"
        )
    )
    for community in communities:
        if Round.objects.filter(community=community).exists():
            continue  # built already: idempotent
        is_a = community == regions.get("A")
        round_ = rounds.open_round(
            community=community, year=last, acting_user=actor, today=dt.date(last, 11, 20)
        )
        poor = _fill_last_year(round_, rng, demo_person if is_a else None, is_a, actor)
        round_ = rounds.close_round(round=round_, acting_user=actor, today=dt.date(last, 12, 15))
        grades = {}
        for label in round_.evaluations.values_list("grade_label", flat=True):
            grades[label] = grades.get(label, 0) + 1
        if poor is not None:
            poor.refresh_from_db()
            if poor.needs_adjustment and poor.appointment.is_active:
                adjustments.adjust_after_evaluation(
                    evaluation=poor,
                    end=dt.date(today.year, 1, 15),
                    notice_date=dt.date(today.year, 1, 5),
                    acting_user=actor,
                    today=dt.date(today.year, 1, 5),
                )
        summary = "，".join(f"{k} {v}" for k, v in sorted(grades.items()))
        stdout.write(f"  {community.name}：{last} 年度评议已结束（{summary}）")
        opened = min(today, dt.date(today.year, 11, 20))
        current = rounds.open_round(
            community=community, year=today.year, acting_user=actor, today=opened
        )
        if is_a:
            answered = _answers_arriving(current, rng, demo_person, actor, today)
            stdout.write(
                f"  {community.name}：{today.year} 年度评议进行中，已收到 {answered} 户答卷"
            )


def _pick(rng, shares, options):
    return rng.choices(options, weights=shares)[0]


def _fill_last_year(round_, rng, demo_person, is_a, actor):
    """Tallies, scores and meetings for every evaluation of last year's round; returns the one
    graded poorly in 社区 A (or None)."""
    questions = list(round_.questions.all())
    rows = list(round_.evaluations.select_related("post", "person").order_by("id"))
    poor = None
    if is_a:
        candidates = [e for e in rows if demo_person is None or e.person_id != demo_person.pk]
        poor = candidates[len(candidates) // 2] if candidates else None
    tokens, batches, answers = [], [], []
    for evaluation in rows:
        households = list(evaluation.post.households().values_list("pk", flat=True))
        if evaluation == poor:
            quality, attitude, work = POOR, 50, 42
        elif rng.random() < 0.15:
            quality, attitude, work = FAIR, rng.randint(70, 82), rng.randint(62, 75)
        else:
            quality, attitude, work = GOOD, rng.randint(86, 98), rng.randint(82, 96)
        evaluation.attitude_score = attitude
        evaluation.work_score = work
        evaluation.work_reason = WORK_REASON
        answered = [h for h in households if rng.random() < 0.7] or households[:1]
        online = answered[:8] if demo_person and evaluation.person_id == demo_person.pk else []
        paper = answered[len(online) :]
        for i, household in enumerate(households, 1):
            tokens.append(
                SurveyToken(
                    evaluation=evaluation,
                    household_id=household,
                    slip_no=i,
                    key_hash=secrets.token_hex(32),
                    expires=timezone.make_aware(dt.datetime(round_.year, 12, 31)),
                    used=household in answered,
                )
            )
        for _ in online:
            answers.append(
                Answer(
                    evaluation=evaluation,
                    day=dt.date(round_.year, 12, rng.randint(1, 10)),
                    choices={
                        q.code: _pick(rng, quality[q.code], q.option_codes()) for q in questions
                    },
                )
            )
        if paper:
            counts = {}
            for q in questions:
                row = {}
                for _ in paper:
                    code = _pick(rng, quality[q.code], q.option_codes())
                    row[code] = row.get(code, 0) + 1
                counts[q.code] = row
            batches.append(
                PaperBatch(
                    evaluation=evaluation,
                    forms=len(paper),
                    counts=counts,
                    entered_by=actor,
                    entered_on=dt.date(round_.year, 12, 12),
                )
            )
    with transaction.atomic():
        Evaluation.objects.bulk_update(rows, ["attitude_score", "work_score", "work_reason"], 500)
        SurveyToken.objects.bulk_create(tokens, 2000)
        PaperBatch.objects.bulk_create(batches, 500)
        Answer.objects.bulk_create(answers, 500)
    # A 楼栋居民会议 for a few posts (seed 000 §三.6 "召开楼栋居民会议或问卷调查等方式结合进行").
    for evaluation in rows[:: max(1, len(rows) // 4)][:4]:
        n = evaluation.post.households().count()
        if n < 2:
            continue
        attendance = max(1, round(n * 0.6))
        bad = evaluation == poor
        votes_for = round(attendance * (0.2 if bad else 0.85))
        against = round(attendance * (0.6 if bad else 0.05))
        evaluations.record_meeting(
            evaluation=evaluation,
            date=dt.date(round_.year, 12, 6),
            households=n,
            attendance=attendance,
            votes_for=votes_for,
            votes_against=against,
            abstentions=max(0, attendance - votes_for - against),
            acting_user=actor,
            today=dt.date(round_.year, 12, 14),
        )
    return poor


def _answers_arriving(round_, rng, demo_person, actor, today) -> int:
    """Slips out for 社区 A's evaluations; some households have answered online already."""
    questions = list(round_.questions.all())
    answered = 0
    rows = list(round_.evaluations.select_related("post").order_by("id"))
    for i, evaluation in enumerate(rows):
        if i % 2 and not (demo_person and evaluation.person_id == demo_person.pk):
            continue  # the other half's slips are still being delivered
        slips = surveys.issue_slips(evaluation=evaluation, acting_user=actor)
        share = 0.5 if demo_person and evaluation.person_id == demo_person.pk else 0.25
        for slip in slips:
            if rng.random() < share:
                surveys.answer(
                    key=slip.key,
                    choices={q.code: _pick(rng, GOOD[q.code], q.option_codes()) for q in questions},
                    today=today,
                )
                answered += 1
        if i % 3 == 0:
            evaluations.set_attitude(
                evaluation=evaluation, score=rng.randint(85, 96), note="", acting_user=actor
            )
    return answered
