"""不满意 → the community adjusts the leader, and tells them.

Seed 000 §三.6: "对当年评议不满意的楼栋长，由社区居委会予以调整"; 附件1 §五: "双方均可以随时解除本
协议，但应提前告知对方". The adjustment goes through the roster's own verb
(``roster.actions.appointments.adjust(after_evaluation=True)``), so the appointment ends with the
reason 评议不满意调整, its agreement is ended by the documents app, and the post is vacant for a
new selection. The person gets a notice (on their page, and printable as the written notice).
"""

from django.db import transaction
from django.utils import timezone

from loudong.accounts.audit import AuditAction, record
from loudong.evaluation.actions.common import Refused, require_edit
from loudong.evaluation.models import Evaluation, Notice


def adjustment_text(evaluation, end) -> str:
    return (
        f"{evaluation.person.name}：根据 {evaluation.round.year} 年度楼栋长工作评议，您担任的"
        f"{evaluation.post.title}评议结果为“{evaluation.grade_label}”（{evaluation.score} 分）。"
        f"按照“对当年评议不满意的楼栋长，由社区居委会予以调整”的规定，您自 {end.year}年{end.month}月{end.day}日起"
        f"不再担任该岗位。感谢您为居民所做的工作。如有意见，请与{evaluation.community.name}联系"
        f"{'（' + evaluation.community.office_phone + '）' if evaluation.community.office_phone else ''}。"
    )


def adjust_after_evaluation(
    *, evaluation, end, notice_date, acting_user, today=None, request=None
) -> Evaluation:
    """End the appointment of a leader graded for adjustment; notify them.

    Refused (nothing written): the grade does not call for adjustment; already adjusted; the
    grades' 公示 has not ended; the leader has left the post already; the roster's own checks
    (dates, notice given before the end).
    """
    from loudong.roster.actions.appointments import adjust

    require_edit(acting_user, evaluation, "办理评议后调整", request)
    today = today or timezone.localdate()
    if evaluation.is_open or not evaluation.adjust:
        raise Refused("只有评议结果为需调整等次（如“不满意”）的楼栋长才在这里调整")
    if evaluation.adjusted_on is not None:
        raise Refused(f"已于 {evaluation.adjusted_on:%Y-%m-%d} 办理调整")
    round_ = evaluation.round
    if not round_.notice_over(today):
        raise Refused(f"评议结果公示至 {round_.notice_end:%Y-%m-%d}，公示期满后方可调整")
    appointment = evaluation.appointment
    if not appointment.is_active:
        raise Refused(f"{evaluation.person.name}已于 {appointment.end:%Y-%m-%d} 离任，无须调整")
    reason = f"{round_.year} 年度评议“{evaluation.grade_label}”（{evaluation.score} 分）"
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if evaluation.adjusted_on is not None:
            raise Refused(f"已于 {evaluation.adjusted_on:%Y-%m-%d} 办理调整")
        adjust(
            appointment=appointment,
            end=end,
            reason=reason,
            notice_date=notice_date,
            after_evaluation=True,
            acting_user=acting_user,
            today=today,
            request=request,
        )
        evaluation.adjusted_on = today
        evaluation.save(update_fields=["adjusted_on"])
        Notice.objects.create(
            person=evaluation.person,
            community=evaluation.community,
            compound=evaluation.compound,
            evaluation=evaluation,
            kind=Notice.Kind.ADJUSTMENT,
            text=adjustment_text(evaluation, end),
        )
        record(
            actor=acting_user,
            action=AuditAction.EVALUATION_ADJUST,
            target=evaluation,
            new={"end": end, "notice_date": notice_date, "grade": evaluation.grade_label},
            reason=reason,
            request=request,
        )
    return evaluation
