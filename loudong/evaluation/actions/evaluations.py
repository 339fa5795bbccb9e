"""The community's part of an evaluation: 工作态度, 工作内容, and the 楼栋居民会议's tally.

Seed 000 §三.6: "评议等次根据楼栋长的工作态度、工作内容、居民的满意度等方面进行综合评议。评议
采取召开楼栋居民会议或问卷调查等方式结合进行。" Every manual score is audited; changing a score
already given, or scoring 工作内容 differently from what the records propose, needs a reason.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from loudong.accounts.audit import AuditAction, record
from loudong.evaluation import results, scoring
from loudong.evaluation.actions.common import Refused, require_edit
from loudong.evaluation.models import Evaluation, MeetingLink
from loudong.evaluation.rules import round_rule


def _lock_open(evaluation) -> Evaluation:
    evaluation = (
        Evaluation.objects.select_for_update().select_related("round").get(pk=evaluation.pk)
    )
    if not evaluation.is_open:
        raise Refused("该评议已经评定，结果不再改动")
    return evaluation


def _check_score(value, label: str):
    if value is None or not 0 <= value <= 100:
        raise Refused(f"{label}须在 0 到 100 分之间")


def set_attitude(*, evaluation, score: int, note: str, acting_user, request=None) -> Evaluation:
    """工作态度, scored by the community (0–100); a changed score needs a reason."""
    require_edit(acting_user, evaluation, "评定工作态度", request)
    _check_score(score, "工作态度得分")
    note = (note or "").strip()
    with transaction.atomic():
        evaluation = _lock_open(evaluation)
        old = evaluation.attitude_score
        if old == score:
            return evaluation
        if old is not None and not note:
            raise Refused(f"工作态度已评定为 {old} 分，修改须填写理由")
        evaluation.attitude_score = score
        evaluation.attitude_note = note[:300]
        evaluation.save(update_fields=["attitude_score", "attitude_note"])
        record(
            actor=acting_user,
            action=AuditAction.EVALUATION_ATTITUDE,
            target=evaluation,
            old={"attitude_score": old},
            new={"attitude_score": score},
            reason=note,
            request=request,
        )
    return evaluation


def set_attitudes(*, round, scores: dict[int, int], note: str, acting_user, request=None) -> int:
    """Several 工作态度 scores from the round's table at once (one transaction). Returns how
    many changed; any refusal (a bad score, a change without a reason) writes nothing."""
    changed = 0
    evaluations = {e.pk: e for e in Evaluation.objects.filter(round=round, pk__in=list(scores))}
    with transaction.atomic():
        for pk, score in sorted(scores.items()):
            evaluation = evaluations.get(pk)
            if evaluation is None or evaluation.attitude_score == score:
                continue
            try:
                set_attitude(
                    evaluation=evaluation,
                    score=score,
                    note=note,
                    acting_user=acting_user,
                    request=request,
                )
            except Refused as exc:
                raise Refused(f"{evaluation.person.name}：{exc.message}") from None
            changed += 1
    return changed


def proposed_work(evaluation, today=None) -> scoring.Proposal:
    """What the records propose for 工作内容 today (``fieldwork.figures``)."""
    figures = results.figures_for(evaluation, today or timezone.localdate())
    return scoring.propose_work(figures, round_rule(evaluation.round))


def set_work(
    *, evaluation, score: Decimal | None, reason: str, acting_user, today=None, request=None
) -> Evaluation:
    """Score 工作内容 differently from the records' proposal (with a reason), or clear the
    community's score (``None``) so that the proposal counts again."""
    require_edit(acting_user, evaluation, "评定工作内容", request)
    reason = (reason or "").strip()
    if score is not None:
        _check_score(score, "工作内容得分")
        score = scoring.round1(score)
        proposal = proposed_work(evaluation, today).score
        if score != proposal and not reason:
            raise Refused(
                f"工作记录建议 {scoring.fmt(proposal)} 分；评定为 {scoring.fmt(score)} 分须填写理由"
            )
    with transaction.atomic():
        evaluation = _lock_open(evaluation)
        old = evaluation.work_score
        evaluation.work_score = score
        evaluation.work_reason = reason[:300] if score is not None else ""
        evaluation.save(update_fields=["work_score", "work_reason"])
        record(
            actor=acting_user,
            action=AuditAction.EVALUATION_WORK,
            target=evaluation,
            old={"work_score": old},
            new={"work_score": score},
            reason=reason,
            request=request,
        )
    return evaluation


def meeting_question_text(evaluation) -> str:
    return f"对{evaluation.person.name}（{evaluation.post.title}）{evaluation.round.year} 年度的工作是否满意"


def record_meeting(
    *,
    evaluation,
    date,
    households: int,
    attendance: int,
    votes_for: int,
    votes_against: int,
    abstentions: int,
    notes: str = "",
    acting_user,
    today=None,
    request=None,
) -> MeetingLink:
    """A 楼栋居民会议 on the leader's work, recorded with ``territory``'s residents' meeting and
    counted for this evaluation (赞成 = 满意, 反对 = 不满意, 弃权 as the profile says).

    Refused (nothing written): the profile's methods have no meeting; a closed evaluation; the
    meeting's own checks (a future date, more votes than attended…).
    """
    from loudong.territory.actions import record_residents_meeting

    require_edit(acting_user, evaluation, "登记居民会议", request)
    if not evaluation.round.profile().evaluation.uses_meeting:
        raise Refused("本方案的评议方式不含楼栋居民会议")
    post = evaluation.post
    with transaction.atomic():
        evaluation = _lock_open(evaluation)
        meeting = record_residents_meeting(
            community=evaluation.community,
            compound=post.compound,
            building=post.building,
            date=date,
            title=f"{evaluation.round.year} 年度楼栋长评议居民会议（{post.title}）",
            households=households,
            attendance=attendance,
            questions=[(meeting_question_text(evaluation), votes_for, votes_against, abstentions)],
            notes=notes,
            acting_user=acting_user,
            today=today,
            request=request,
        )
        link = MeetingLink.objects.create(evaluation=evaluation, question=meeting.questions.get())
        record(
            actor=acting_user,
            action=AuditAction.EVALUATION_MEETING,
            target=evaluation,
            new={
                "date": date,
                "attendance": attendance,
                "for": votes_for,
                "against": votes_against,
                "abstain": abstentions,
            },
            request=request,
        )
    return link


def link_meeting(*, evaluation, question, acting_user, request=None) -> MeetingLink:
    """Count a question of a meeting recorded elsewhere (e.g. a compound's meeting)."""
    require_edit(acting_user, evaluation, "计入居民会议表决", request)
    if not evaluation.round.profile().evaluation.uses_meeting:
        raise Refused("本方案的评议方式不含楼栋居民会议")
    if question.meeting.community_id != evaluation.community_id:
        raise Refused("该居民会议不属于本社区")
    if question.meeting.date.year != evaluation.round.year:
        raise Refused(f"该居民会议不是 {evaluation.round.year} 年召开的")
    with transaction.atomic():
        evaluation = _lock_open(evaluation)
        if MeetingLink.objects.filter(question=question).exists():
            raise Refused("该表决事项已计入一项评议")
        link = MeetingLink.objects.create(evaluation=evaluation, question=question)
        record(
            actor=acting_user,
            action=AuditAction.EVALUATION_MEETING,
            target=evaluation,
            new={"question": question.pk},
            request=request,
        )
    return link
