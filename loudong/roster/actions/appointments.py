"""Appointments: appointing after the workflow, taking over a grid (兼任), renewal and ending.

Seed limits hold under concurrency: the post and the person are locked
(``select_for_update``; on SQLite every write transaction is ``BEGIN IMMEDIATE``) and the
checks — one holder per post, at most ``concurrency.max_grids`` posts per person — run inside
the transaction that writes, so of two simultaneous requests exactly one wins and the other
gets the ordinary refusal.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from loudong.accounts.audit import AuditAction, record
from loudong.lib.dates import DateOutOfRange, check_window
from loudong.policy.profile import profile_for
from loudong.roster import eligibility, hooks
from loudong.roster.actions.common import Refused, require_edit
from loudong.roster.actions.posts import end_appointment
from loudong.roster.actions.selections import findings_for, held_posts
from loudong.roster.models import Appointment, Person, Post, Selection, SelectionStep

# A take-over may be recorded up to a month after it began (the grid was covered meanwhile).
TAKEOVER_BACKDATE_DAYS = 31
# An appointment, resignation or adjustment is dated at most half a year ahead.
AHEAD_DAYS = 183


def _window(value, label, **kwargs):
    try:
        return check_window(value, label, **kwargs)
    except DateOutOfRange as exc:
        raise Refused(str(exc)) from None


def _check_findings(findings: list[dict], override_reason: str) -> None:
    hard = eligibility.hard(findings)
    if hard:
        raise Refused("不符合任职条件：" + "；".join(f["message"] for f in hard))
    soft = eligibility.soft(findings)
    if soft and not override_reason.strip():
        raise Refused(
            "以下条件需由审批人书面说明理由后方可任命：" + "；".join(f["message"] for f in soft)
        )


def _check_concurrent(held: int, requires, reason: str, consent: bool) -> bool:
    """兼任 (seed 000 §三.1): "可由其他楼栋长根据自愿和能力情况兼任" — what the profile requires."""
    if held == 0:
        return False
    missing = []
    if "reason" in requires and not reason.strip():
        missing.append("兼任原因（配备难、作用发挥不好或不能胜任）")
    if "consent" in requires and not consent:
        missing.append("本人自愿兼任的确认")
    if missing:
        raise Refused("该人员已担任其他网格岗位，兼任须填写" + "和".join(missing))
    return True


def _lock_post_and_person(post: Post, person: Person) -> tuple[Post, Person]:
    """Lock both rows (in id order across tables: post first, then person)."""
    post = Post.objects.select_for_update().get(pk=post.pk)
    person = Person.objects.select_for_update().get(pk=person.pk)
    return post, person


def _ensure_vacant(post: Post) -> None:
    if not post.active:
        raise Refused("该岗位已撤销")
    if post.appointments.filter(status=Appointment.Status.ACTIVE).exists():
        raise Refused("该岗位已有在任人员，请先办理离任或调整")


def _create(**fields) -> Appointment:
    try:
        with transaction.atomic():
            return Appointment.objects.create(**fields)
    except IntegrityError:
        # The unique "one active per post" constraint: someone else appointed meanwhile.
        raise Refused("该岗位已有在任人员，请先办理离任或调整") from None


def appoint(
    *,
    selection: Selection,
    start: dt.date,
    term_end: dt.date | None,
    acting_user,
    override_reason: str = "",
    concurrent_reason: str = "",
    concurrent_consent: bool = False,
    today: dt.date | None = None,
    request=None,
) -> Appointment:
    """Appoint the candidate of a finished selection to its post.

    Refuses: a post already held; a case not through 公示 (池阳: today after its last day, no
    open objection, and the appointment starting after it) or not filed (长春); a hard finding
    (more than ``concurrency.max_grids`` posts — 000 "兼任楼栋网格最多不能超过 5 个"); soft
    findings without a written reason; a concurrent post without what the profile requires.
    """
    require_edit(acting_user, selection, "任命", request)
    today = today or timezone.localdate()
    if not selection.can_move_to(Selection.Status.APPOINTED):
        raise Refused(f"当前环节为“{selection.get_status_display()}”，尚不能任命")
    if selection.status == Selection.Status.PUBLIC_NOTICE:
        if not selection.notice_over(today):
            if selection.objections.filter(resolved__isnull=True).exists():
                raise Refused("公示期间有未处理的异议，不能任命")
            raise Refused(f"公示至 {selection.notice_end:%Y-%m-%d} 结束，公示期满后方可任命")
        earliest = selection.notice_end + dt.timedelta(days=1)
        _window(
            start,
            "任职日期",
            not_before=earliest,
            not_after=today + dt.timedelta(days=AHEAD_DAYS),
            today=today,
        )
    else:
        filed = selection.steps.filter(to_status=Selection.Status.FILED).order_by("-at").first()
        earliest = timezone.localtime(filed.at).date() if filed else today
        _window(
            start,
            "任职日期",
            not_before=earliest,
            not_after=today + dt.timedelta(days=AHEAD_DAYS),
            today=today,
        )
    if term_end is not None:
        _window(term_end, "任期截止日期", not_before=start, today=today)
    profile = selection.profile()
    with transaction.atomic():
        post, person = _lock_post_and_person(selection.post, selection.candidate)
        _ensure_vacant(post)
        findings = findings_for(person, post, on=start, profile=profile)
        override = override_reason or selection.override_reason
        _check_findings(findings, override)
        concurrent = _check_concurrent(
            held_posts(person, post.kind),
            profile.concurrency.takeover_requires,
            concurrent_reason,
            concurrent_consent,
        )
        appointment = _create(
            person=person,
            post=post,
            community=post.community,
            compound=post.compound,
            selection=selection,
            start=start,
            term_end=term_end,
            is_concurrent=concurrent,
            concurrent_reason=concurrent_reason[:200] if concurrent else "",
            concurrent_consent=concurrent_consent if concurrent else False,
            override_reason=override[:300] if eligibility.soft(findings) else "",
            profile_name=profile.name,
            profile_version=profile.version,
            created_by=acting_user,
        )
        old = selection.status
        selection.status = Selection.Status.APPOINTED
        selection.eligibility = findings
        selection.save(update_fields=["status", "eligibility"])
        SelectionStep.objects.create(
            selection=selection,
            from_status=old,
            to_status="appointed",
            outcome="任命",
            actor=acting_user,
            notes=f"任职 {start:%Y-%m-%d}",
        )
        _clear_attention(post)
        record(
            actor=acting_user,
            action=AuditAction.ROSTER_APPOINT,
            target=appointment,
            new=_snapshot(appointment),
            reason=override[:200],
            request=request,
        )
    return appointment


def take_over(
    *,
    post,
    person,
    start: dt.date,
    term_end: dt.date | None,
    reason: str,
    consent: bool,
    acting_user,
    override_reason: str = "",
    today: dt.date | None = None,
    request=None,
) -> Appointment:
    """An existing 楼栋长 takes over a grid that is hard to staff (兼任); no 公示 of its own.

    Seed 000 §三.1: "对网格内楼栋长配备难、作用发挥不好的以及不能胜任工作的，可由其他楼栋长
    根据自愿和能力情况兼任，但兼任楼栋网格最多不能超过 5 个". What a take-over needs is the
    profile's ``concurrency.takeover_requires`` (an existing leader, a reason, consent).
    """
    require_edit(acting_user, post, "安排兼任", request)
    today = today or timezone.localdate()
    _window(
        start,
        "兼任开始日期",
        not_before=today - dt.timedelta(days=TAKEOVER_BACKDATE_DAYS),
        not_after=today + dt.timedelta(days=AHEAD_DAYS),
        today=today,
    )
    if term_end is not None:
        _window(term_end, "任期截止日期", not_before=start, today=today)
    if person.community_id != post.community_id:
        raise Refused("兼任人员须为本社区的楼栋长")
    profile = profile_for(post.community, on=start)
    requires = profile.concurrency.takeover_requires
    if "reason" in requires and not reason.strip():
        raise Refused("请填写兼任原因（配备难、作用发挥不好或不能胜任）")
    if "consent" in requires and not consent:
        raise Refused("兼任须本人自愿：请确认已征得本人同意")
    with transaction.atomic():
        post, person = _lock_post_and_person(post, person)
        _ensure_vacant(post)
        last = post.appointments.exclude(end=None).order_by("-end").first()
        if last is not None and start <= last.end:
            raise Refused(f"兼任开始日期须晚于原任离任日期 {last.end:%Y-%m-%d}")
        held = held_posts(person, post.kind)
        if "existing_leader" in requires and held == 0:
            raise Refused(f"只有现任{post.get_kind_display()}才能兼任配备困难的网格")
        findings = findings_for(person, post, on=start, profile=profile)
        _check_findings(findings, override_reason)
        appointment = _create(
            person=person,
            post=post,
            community=post.community,
            compound=post.compound,
            start=start,
            term_end=term_end,
            is_concurrent=held > 0,
            concurrent_reason=reason[:200],
            concurrent_consent=consent,
            created_by=acting_user,
            override_reason=override_reason[:300] if eligibility.soft(findings) else "",
            profile_name=profile.name,
            profile_version=profile.version,
        )
        _clear_attention(post)
        record(
            actor=acting_user,
            action=AuditAction.ROSTER_TAKE_OVER,
            target=appointment,
            new=_snapshot(appointment),
            reason=reason,
            request=request,
        )
    return appointment


def _clear_attention(post):
    if post.needs_attention:
        post.needs_attention = False
        post.save(update_fields=["needs_attention"])


def _snapshot(a: Appointment) -> dict:
    return {
        "person": a.person_id,
        "post": a.post_id,
        "start": a.start,
        "term_end": a.term_end,
        "end": a.end,
        "status": a.status,
        "end_reason": a.end_reason,
        "notice_date": a.notice_date,
        "is_concurrent": a.is_concurrent,
        "is_legacy": a.is_legacy,
        "override_reason": a.override_reason,
    }


def _check_end(appointment, end, notice_date, today):
    if not appointment.is_active:
        raise Refused("该任职已结束")
    _window(
        end,
        "离任日期",
        not_before=appointment.start,
        not_after=today + dt.timedelta(days=AHEAD_DAYS),
        today=today,
    )
    if notice_date is not None:
        _window(notice_date, "告知日期", not_after=today, today=today)
        if notice_date > end:
            raise Refused("告知日期应不晚于离任日期（须提前告知）")


def resign(
    *,
    appointment: Appointment,
    notice_date: dt.date,
    end: dt.date,
    note: str,
    acting_user,
    today: dt.date | None = None,
    request=None,
) -> Appointment:
    """The leader resigns. Attachment 1 §五: "双方均可以随时解除本协议，但应提前告知对方"."""
    require_edit(acting_user, appointment, "办理辞任", request)
    today = today or timezone.localdate()
    _check_end(appointment, end, notice_date, today)
    return _finish(
        appointment,
        end=end,
        reason=Appointment.EndReason.RESIGNATION,
        note=note,
        notice_date=notice_date,
        action=AuditAction.ROSTER_RESIGN,
        acting_user=acting_user,
        request=request,
    )


def adjust(
    *,
    appointment: Appointment,
    end: dt.date,
    reason: str,
    acting_user,
    notice_date: dt.date | None = None,
    after_evaluation: bool = False,
    today: dt.date | None = None,
    request=None,
) -> Appointment:
    """The community replaces the leader, telling them first (附件1 §五: 应提前告知对方).

    Seed 000 §三.6: "对当年评议不满意的楼栋长，由社区居委会予以调整"; also the 优化整合 of leaders
    in post before it (调查摸底). The notice given is recorded like a resignation's.
    """
    require_edit(acting_user, appointment, "办理调整", request)
    today = today or timezone.localdate()
    if not reason.strip():
        raise Refused("请填写调整原因")
    if notice_date is None:
        raise Refused("请填写告知本人的日期（协议书第五条：应提前告知对方）")
    _check_end(appointment, end, notice_date, today)
    kind = (
        Appointment.EndReason.EVALUATION if after_evaluation else Appointment.EndReason.ADJUSTMENT
    )
    return _finish(
        appointment,
        end=end,
        reason=kind,
        note=reason,
        notice_date=notice_date,
        action=AuditAction.ROSTER_ADJUST,
        acting_user=acting_user,
        request=request,
    )


def _finish(appointment, *, end, reason, note, notice_date, action, acting_user, request):
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if not appointment.is_active:
            raise Refused("该任职已结束")
        old = _snapshot(appointment)
        end_appointment(appointment, end=end, reason=reason, note=note, notice_date=notice_date)
        record(
            actor=acting_user,
            action=action,
            target=appointment,
            old=old,
            new=_snapshot(appointment),
            reason=note[:200],
            request=request,
        )
    return appointment


def renew(
    *, appointment: Appointment, term_end: dt.date, acting_user, today=None, request=None
) -> Appointment:
    """Extend a leader's term. A leader past the term serves on until renewed or ended."""
    require_edit(acting_user, appointment, "办理续任", request)
    today = today or timezone.localdate()
    if not appointment.is_active:
        raise Refused("该任职已结束，不能续任")
    floor = max(appointment.term_end or appointment.start, today)
    _window(term_end, "新任期截止日期", not_before=floor + dt.timedelta(days=1), today=today)
    with transaction.atomic():
        old_term = appointment.term_end
        appointment.term_end = term_end
        appointment.save(update_fields=["term_end"])
        hooks.appointment_renewed.send(appointment, old_term)
        record(
            actor=acting_user,
            action=AuditAction.ROSTER_RENEW,
            target=appointment,
            old={"term_end": old_term},
            new={"term_end": term_end},
            request=request,
        )
    return appointment
