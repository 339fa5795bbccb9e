"""The selection workflow (STYLE.md item 5): who may do which step, and each move.

池阳 (seed 000 §三.3): "按照个人自荐、居民推选、社区推荐、社区党组织审查、街道党工委审批、楼栋公示的
程序进行" — one procedure for every candidate, whatever channel brought them; the 居委会
recommends, the 社区党组织 reviews, the 街道党工委 approves: three bodies, so three different
people on one case. 长春 (seed 004 §一.2): "按照组织推荐、居民推选或个人自荐的方式确定…并报社区
党组织备案" — a channel, then the filing.
"""

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from loudong.accounts.access import scope_for
from loudong.accounts.audit import AuditAction, record
from loudong.accounts.roles import Cap, Role
from loudong.lib.dates import DateOutOfRange, check_window
from loudong.policy.profile import profile_for
from loudong.policy.schema import enum_labels
from loudong.policy.workdays import notice_end
from loudong.roster import eligibility
from loudong.roster.actions.common import Refused, can_edit, deny, require_edit
from loudong.roster.models import (
    CHANNEL_START,
    ENDINGS,
    Appointment,
    BallotToken,
    Objection,
    Selection,
    SelectionStep,
    Vote,
    status_label,
)

# 公示 is posted on the building; it may be scheduled up to this many days after approval.
NOTICE_MAX_AHEAD_DAYS = 30


# -- who may do what ------------------------------------------------------------------------------


def _community_role(user, community_id: int):
    if not getattr(user, "is_authenticated", False):
        return None
    for a in user.active_roles():
        if a.role == Role.COMMUNITY_WORKER and a.region_id == community_id:
            return a
    return None


def is_party_org_member(user, community_id: int) -> bool:
    """A 社区工作者 of this community who belongs to its party organisation (社区党组织)."""
    role = _community_role(user, community_id)
    return bool(role and role.is_party_org)


def may_complete(user, selection: Selection, status: str | None = None) -> bool:
    """May ``user`` complete (move on from, or reject at) step ``status`` of ``selection``?

    社区推荐: a 社区工作者 of the community (the 居委会). 社区党组织审查: a member of the
    community's party organisation. 街道党工委审批: the subdistrict (Cap.APPROVE). The other
    community steps (自荐, 居民推选, 公示, 备案): whoever may edit the community. Nobody does
    two of the three bodies' steps on one case.
    """
    status = status or selection.status
    if status not in Selection.BODY_STEPS:
        return can_edit(user, selection)
    return _role_allows(user, selection, status) and not _did_another_body_step(
        user, selection, status
    )


def _role_allows(user, selection: Selection, status: str) -> bool:
    if status == Selection.Status.COMMUNITY_RECOMMENDATION:
        return _community_role(user, selection.community_id) is not None
    if status == Selection.Status.PARTY_REVIEW:
        return is_party_org_member(user, selection.community_id)
    if status == Selection.Status.SUBDISTRICT_APPROVAL:
        return scope_for(user, Cap.APPROVE).allows(selection)
    return can_edit(user, selection)


def _did_another_body_step(user, selection: Selection, status: str) -> bool:
    done = selection.completed_by()
    return any(done.get(step) == user.pk for step in Selection.BODY_STEPS if step != status)


def body_conflict(user, selection: Selection) -> str:
    """Why a user who holds the right role still may not do this step (for the page)."""
    status = selection.status
    if (
        status in Selection.BODY_STEPS
        and _role_allows(user, selection, status)
        and _did_another_body_step(user, selection, status)
    ):
        return "您已办理本案的另一环节（社区推荐、社区党组织审查、街道党工委审批须由不同人员办理）"
    return ""


def allowed_moves(user, selection: Selection) -> list[str]:
    """The moves ``user`` may make now: what the step buttons on the page show."""
    if not selection.is_open:
        return []
    moves = []
    nxt = selection.next_step()
    completes = may_complete(user, selection)
    if nxt and completes:
        moves.append(nxt)
    if completes:
        moves.append(Selection.Status.REJECTED)
    if can_edit(user, selection):
        moves.append(Selection.Status.WITHDRAWN)
    return moves


# -- eligibility ---------------------------------------------------------------------------------


def held_posts(person, kind: str) -> int:
    """Posts of ``kind`` the person holds now (legacy appointments included)."""
    return person.appointments.filter(status=Appointment.Status.ACTIVE, post__kind=kind).count()


def lives_in_area(person, post) -> bool | None:
    if person.resident_id is None:
        return None
    return post.households(occupied_only=False).filter(residents__pk=person.resident_id).exists()


def findings_for(person, post, *, on: dt.date, profile) -> list[dict]:
    found = eligibility.check(
        person,
        profile,
        held_posts=held_posts(person, post.kind),
        on=on,
        kind=post.kind,
        lives_in_area=lives_in_area(person, post)
        if profile.eligibility.must_live_in_building
        else None,
        pool_labels=enum_labels("eligibility.preferred_pools"),
    )
    return [f.as_dict() for f in found]


# -- starting and moving -------------------------------------------------------------------------


def start_selection(*, post, candidate, channel, acting_user, notes="", request=None) -> Selection:
    """Open a case for one candidate to one post.

    Under a profile with steps (池阳) every case starts at the first step, whatever the channel
    (the channel records how the candidate came forward); without steps (长春) a case starts at
    its channel's step and goes to 备案.
    """
    require_edit(acting_user, post, "发起选配", request)
    if not post.active:
        raise Refused("该岗位已撤销，不能再选配")
    if post.kind == post.Kind.ATTACHMENT:
        raise Refused("一格多员由所在单位派驻，不经选配")
    if candidate.community_id != post.community_id and not can_edit(acting_user, candidate):
        raise Refused("候选人不在您的管辖范围内")
    today = timezone.localdate()
    profile = profile_for(post.community, on=today)
    if channel not in profile.selection.channels:
        names = "、".join(Selection.Channel(c).label for c in profile.selection.channels)
        raise Refused(f"推选方式无效：本方案的推选方式为{names}")
    status = profile.selection.steps[0] if profile.selection.steps else CHANNEL_START[channel]
    with transaction.atomic():
        if (
            Selection.objects.select_for_update()
            .filter(post=post, candidate=candidate)
            .exclude(status__in=["appointed", *ENDINGS])
            .exists()
        ):
            raise Refused(f"{candidate.name}已有该岗位进行中的选配")
        selection = Selection.objects.create(
            post=post,
            candidate=candidate,
            community=post.community,
            compound=post.compound,
            channel=channel,
            status=status,
            profile_name=profile.name,
            profile_version=profile.version,
            created_by=acting_user,
            eligibility=findings_for(candidate, post, on=today, profile=profile),
        )
        SelectionStep.objects.create(
            selection=selection,
            from_status="",
            to_status=status,
            outcome="发起",
            notes=notes,
            actor=acting_user,
        )
        record(
            actor=acting_user,
            action=AuditAction.ROSTER_SELECTION_START,
            target=selection,
            new={"post": post.pk, "candidate": candidate.pk, "channel": channel, "status": status},
            request=request,
        )
    return selection


def move_selection(
    *,
    selection: Selection,
    to_status: str,
    acting_user,
    outcome: str = "",
    notes: str = "",
    notice_start: dt.date | None = None,
    override_reason: str = "",
    today: dt.date | None = None,
    request=None,
) -> Selection:
    """One step of the workflow, by the role that step belongs to; one history and audit row.

    Leaving 居民推选 needs a recorded residents' result with more for than against (ballots or a
    楼栋居民会议). Moving into 楼栋公示 needs its start date, on or after the approval (today)
    and within 30 days; its end is the profile's number of working days later. Rejections and
    withdrawals end the case and need a reason.
    """
    today = today or timezone.localdate()
    if to_status == Selection.Status.APPOINTED:
        raise Refused("任命请使用“任命”操作（需公示期满）")
    if to_status == Selection.Status.WITHDRAWN:
        if not can_edit(acting_user, selection):
            deny(acting_user, "无权撤回该选配：需要该社区的编辑权限", selection, request)
    elif not may_complete(acting_user, selection):
        label = Selection.Status(selection.status).label if selection.is_open else "该环节"
        why = body_conflict(acting_user, selection) or f"无权办理“{label}”环节"
        deny(acting_user, why, selection, request)
    if not selection.can_move_to(to_status):
        raise Refused(
            f"当前环节为“{selection.get_status_display()}”，不能直接转到“{status_label(to_status)}”"
        )
    if to_status == "party_review" and selection.status == "public_notice":
        raise Refused("公示期间退回审查须登记异议")
    if to_status in ENDINGS and not (outcome or notes):
        raise Refused("请填写结束原因")
    leaving_nomination = (
        selection.status == Selection.Status.RESIDENT_NOMINATION and to_status not in ENDINGS
    )
    if leaving_nomination:
        _check_resident_result(selection)
    profile = selection.profile()
    fields = ["status"]
    old_status = selection.status
    if to_status == Selection.Status.PUBLIC_NOTICE:
        if notice_start is None:
            raise Refused("请填写公示开始日期")
        try:
            check_window(
                notice_start,
                "公示开始日期",
                not_before=today,
                not_after=today + dt.timedelta(days=NOTICE_MAX_AHEAD_DAYS),
                today=today,
            )
        except DateOutOfRange as exc:
            raise Refused(f"{exc}（公示在街道党工委审批之后开始）") from None
        end, warnings = notice_end(notice_start, profile.notice_working_days)
        selection.notice_start, selection.notice_end = notice_start, end
        selection.notice_warnings = warnings
        selection.notice_token = selection.notice_token or secrets.token_urlsafe(18)
        fields += ["notice_start", "notice_end", "notice_warnings", "notice_token"]
    if override_reason:
        selection.override_reason = override_reason[:300]
        fields.append("override_reason")
    if to_status in ENDINGS:
        selection.end_reason = (outcome or notes)[:200]
        fields.append("end_reason")
    with transaction.atomic():
        locked = Selection.objects.select_for_update().get(pk=selection.pk)
        if locked.status != old_status:
            raise Refused("该案件刚被他人办理，请刷新页面后再看")
        selection.status = to_status
        selection.save(update_fields=fields)
        if old_status == Selection.Status.PARTY_REVIEW:
            selection.objections.filter(resolved__isnull=True).update(
                resolution=notes or outcome or "已审查", resolved=timezone.now()
            )
        if leaving_nomination:
            result = resident_result(selection)
            notes = (notes + "\n" if notes else "") + result.summary()
        if to_status == Selection.Status.PUBLIC_NOTICE and selection.notice_warnings:
            notes = (
                (notes + "\n" if notes else "")
                + "日历提示："
                + "；".join(selection.notice_warnings)
            )
        SelectionStep.objects.create(
            selection=selection,
            from_status=old_status,
            to_status=to_status,
            outcome=outcome[:200],
            notes=notes,
            actor=acting_user,
        )
        record(
            actor=acting_user,
            action=AuditAction.ROSTER_SELECTION_MOVE,
            target=selection,
            old={"status": old_status},
            new={
                "status": to_status,
                "outcome": outcome,
                "notice_start": selection.notice_start,
                "notice_end": selection.notice_end,
                "override_reason": override_reason,
            },
            request=request,
        )
    return selection


# -- the residents' result of 居民推选 ------------------------------------------------------------


@dataclass(frozen=True)
class ResidentResult:
    """The tally that closes 居民推选: ballots, or a residents' meeting's show of hands."""

    source: str  # "ballot" | "meeting"
    votes_for: int
    votes_against: int
    abstentions: int
    households: int  # 应到: households given a ballot, or counted for the meeting
    participated: int  # 实到: households that voted / attended

    @property
    def turnout_pct(self) -> float:
        return round(100 * self.participated / self.households, 1) if self.households else 0.0

    @property
    def passed(self) -> bool:
        return self.votes_for > self.votes_against

    def summary(self) -> str:
        how = "居民推选票" if self.source == "ballot" else "楼栋居民会议表决"
        return (
            f"{how}：赞成 {self.votes_for}，反对 {self.votes_against}，弃权 {self.abstentions}；"
            f"参与 {self.participated}/{self.households} 户（{self.turnout_pct}%）"
        )


def resident_result(selection: Selection) -> ResidentResult | None:
    """The recorded residents' result of this case, or None. A meeting's tally wins when both."""
    question = selection.meeting_question
    if question is not None:
        meeting = question.meeting
        return ResidentResult(
            "meeting",
            question.votes_for,
            question.votes_against,
            question.abstentions,
            meeting.households,
            meeting.attendance,
        )
    counts = dict(
        Vote.objects.filter(selection=selection)
        .values_list("choice")
        .annotate(n=Count("id"))
        .values_list("choice", "n")
    )
    rounds = Vote.objects.filter(selection=selection).values_list("selection_round", flat=True)
    tokens = BallotToken.objects.filter(selection_round__in=rounds.distinct())
    if not counts:
        return None
    return ResidentResult(
        "ballot",
        counts.get(Vote.Choice.FOR, 0),
        counts.get(Vote.Choice.AGAINST, 0),
        counts.get(Vote.Choice.ABSTAIN, 0),
        tokens.count(),
        sum(counts.values()),
    )


def _check_resident_result(selection: Selection) -> None:
    result = resident_result(selection)
    if result is None:
        raise Refused(
            "居民推选尚无结果：请发放推选票并待居民投票，或登记楼栋居民会议的表决结果后再转入下一环节"
        )
    minimum = selection.profile().selection.min_turnout_pct
    if minimum is not None and result.turnout_pct < minimum:
        raise Refused(f"{result.summary()}，低于本方案规定的最低参与率 {minimum}%")
    if not result.passed:
        raise Refused(f"{result.summary()}：赞成未多于反对，未获居民推选（可办理“不通过”）")


def record_meeting_result(
    *,
    selection: Selection,
    date: dt.date,
    households: int,
    attendance: int,
    votes_for: int,
    votes_against: int,
    abstentions: int,
    notes: str = "",
    acting_user,
    today: dt.date | None = None,
    request=None,
) -> ResidentResult:
    """居民推选 by a 楼栋居民会议: the meeting and its show of hands, linked to the case."""
    from loudong.territory.actions import record_residents_meeting

    require_edit(acting_user, selection, "登记居民推选结果", request)
    if selection.status != Selection.Status.RESIDENT_NOMINATION:
        raise Refused("只有“居民推选”环节才能登记居民会议结果")
    post = selection.post
    building = post.building
    with transaction.atomic():
        meeting = record_residents_meeting(
            community=selection.community,
            compound=selection.compound,
            building=building,
            date=date,
            title=f"{post.title}居民推选",
            agenda=f"推选{selection.candidate.name}为{post.title}",
            households=households,
            attendance=attendance,
            notes=notes,
            questions=[(f"推选{selection.candidate.name}", votes_for, votes_against, abstentions)],
            acting_user=acting_user,
            today=today,
            request=request,
        )
        selection.meeting_question = meeting.questions.get()
        selection.save(update_fields=["meeting_question"])
        result = resident_result(selection)
        record(
            actor=acting_user,
            action=AuditAction.ROSTER_RESIDENT_RESULT,
            target=selection,
            new={"meeting": meeting.pk, "summary": result.summary()},
            request=request,
        )
    return result


# -- 公示 objections -------------------------------------------------------------------------------


def record_objection(
    *,
    selection: Selection,
    text: str,
    raised_by: str = "",
    contact: str = "",
    acting_user=None,
    today: dt.date | None = None,
    request=None,
) -> Objection:
    """An objection during 公示 sends the case back to 社区党组织审查.

    ``acting_user`` None means a resident through the QR code on the printed notice.
    """
    if acting_user is not None:
        require_edit(acting_user, selection, "登记异议", request)
    today = today or timezone.localdate()
    if not text.strip():
        raise Refused("请填写异议内容")
    with transaction.atomic():
        selection = Selection.objects.select_for_update().get(pk=selection.pk)
        if selection.status != Selection.Status.PUBLIC_NOTICE:
            raise Refused("只有公示期间才能提出异议")
        if not (selection.notice_start <= today <= selection.notice_end):
            raise Refused(
                f"公示期为 {selection.notice_start:%Y-%m-%d} 至 "
                f"{selection.notice_end:%Y-%m-%d}，不在公示期内"
            )
        objection = Objection.objects.create(
            selection=selection,
            text=text.strip()[:2000],
            raised_by=raised_by[:50],
            contact=contact[:50],
            recorded_by=acting_user,
        )
        selection.status = Selection.Status.PARTY_REVIEW
        selection.save(update_fields=["status"])
        SelectionStep.objects.create(
            selection=selection,
            from_status="public_notice",
            to_status="party_review",
            outcome="公示期间有异议，退回审查",
            notes=text.strip()[:2000],
            actor=acting_user,
        )
        record(
            actor=acting_user,
            actor_username="居民（公示二维码）" if acting_user is None else "",
            action=AuditAction.ROSTER_OBJECTION,
            target=selection,
            new={"objection": objection.pk},
            request=request,
        )
    return objection


def selection_by_notice_token(token: str) -> Selection | None:
    if not token or len(token) > 40:
        return None
    return (
        Selection.objects.select_related("post", "candidate", "community")
        .filter(notice_token=token)
        .first()
    )
