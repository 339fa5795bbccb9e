"""Awards (长春): 最美楼栋长, 最美单元长, 社区好人 — and their 以奖代补 rewards.

Seed 004 §四.15: "在“三长”人员中开展“社区好人”“最美楼栋长、单元长”等评选活动"; §四.14: "对工作成绩
突出、党组织和群众认可度较高的“三长”人员，可采取以奖代补形式，年底给予适当资金奖励".

Nomination (the community, or a household with its slip) → review → public vote (one per
household, the same slip) → 公示 (``evaluation.notice_working_days``) → award. A reward is
allowed only where the profile has ``subsidy.rewards_in_lieu``; it is paid as a ``reward`` line
in the first period from the award's month that is not locked.
"""

import datetime as dt
import hashlib
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from loudong.accounts.audit import AuditAction, record
from loudong.evaluation.models import new_key
from loudong.payroll import money
from loudong.payroll.actions.common import Refused, require_edit
from loudong.payroll.models import AwardToken, AwardVote, Campaign, Line, Nomination, Period
from loudong.policy.profile import profile_for
from loudong.policy.workdays import notice_end
from loudong.roster.models import Appointment

SLIP_DAYS = 60


def hash_key(key: str) -> str:
    return hashlib.sha256(("award:" + key).encode()).hexdigest()


def start_campaign(
    *, community, year: int, award: str, places: int, acting_user, today=None, request=None
):
    require_edit(acting_user, community, "发起评选表彰", request)
    today = today or timezone.localdate()
    profile = profile_for(community, on=today)
    try:
        rule = profile.evaluation.award(award)
    except KeyError:
        raise Refused("本方案没有该项评选表彰") from None
    if year not in (today.year, today.year - 1):
        raise Refused(f"评选年度只能是 {today.year - 1} 或 {today.year} 年")
    if not 1 <= (places or 0) <= 50:
        raise Refused("名额须在 1 到 50 之间")
    try:
        with transaction.atomic():
            campaign = Campaign.objects.create(
                community=community,
                year=year,
                award=award,
                title=rule.label,
                places=places,
                profile_name=profile.name,
                profile_version=profile.version,
                created_by=acting_user,
            )
            record(
                actor=acting_user,
                action=AuditAction.AWARD_CAMPAIGN,
                target=campaign,
                new={"year": year, "title": rule.label, "places": places},
                request=request,
            )
    except IntegrityError:
        raise Refused(f"{year} 年度“{rule.label}”评选已经发起") from None
    return campaign


def eligible(campaign):
    """Appointments in post in the community whose kind the award is for."""
    kinds = campaign.profile().evaluation.award(campaign.award).post_kinds
    return (
        Appointment.objects.filter(
            community=campaign.community, status="active", post__kind__in=list(kinds)
        )
        .select_related("person", "post")
        .order_by("post__title", "id")
    )


def issue_slips(*, campaign, households, acting_user, days=SLIP_DAYS, request=None):
    """A slip per household (for nominating and voting); unspent slips are replaced."""
    require_edit(acting_user, campaign, "生成评选回执", request)
    if campaign.status not in (
        Campaign.Status.NOMINATING,
        Campaign.Status.VOTING,
        Campaign.Status.REVIEW,
    ):
        raise Refused("评选已结束，不能再发放回执")
    households = [h for h in households if h.community_id == campaign.community_id and h.occupied]
    if not households:
        raise Refused("所选范围内没有实际居住的住户")
    expires = timezone.now() + dt.timedelta(days=days)
    slips = []
    with transaction.atomic():
        tokens = AwardToken.objects.filter(campaign=campaign)
        existing = {t.household_id: t for t in tokens.filter(household__in=households)}
        next_no = (max(tokens.values_list("slip_no", flat=True), default=0)) + 1
        rows = []
        for household in households:
            old = existing.get(household.pk)
            if old is not None and (old.nominated or old.voted):
                continue  # a spent slip keeps its key; its household has taken part
            key = new_key()
            if old is not None:
                old.key_hash, old.expires = hash_key(key), expires
                old.save(update_fields=["key_hash", "expires"])
                slips.append((household, old.slip_no, key))
                continue
            rows.append(
                AwardToken(
                    campaign=campaign,
                    household=household,
                    slip_no=next_no,
                    key_hash=hash_key(key),
                    expires=expires,
                )
            )
            slips.append((household, next_no, key))
            next_no += 1
        AwardToken.objects.bulk_create(rows)
        record(
            actor=acting_user,
            action=AuditAction.AWARD_TOKENS,
            target=campaign,
            new={"tokens": len(slips)},
            request=request,
        )
    return slips


def _check_eligible(campaign, appointment):
    if appointment.community_id != campaign.community_id or not appointment.is_active:
        raise Refused("只能提名本社区在岗的人员")
    kinds = campaign.profile().evaluation.award(campaign.award).post_kinds
    if appointment.post.kind not in kinds:
        raise Refused(f"“{campaign.title}”只在{'、'.join(_kind_labels(kinds))}中评选")


def _kind_labels(kinds):
    from loudong.roster.models import Post

    return [Post.Kind(k).label for k in kinds]


def nominate(*, campaign, appointment, reason: str, acting_user, request=None) -> Nomination:
    """The community nominates a leader in post."""
    require_edit(acting_user, campaign, "提名评选对象", request)
    if campaign.status != Campaign.Status.NOMINATING:
        raise Refused("提名已结束")
    _check_eligible(campaign, appointment)
    with transaction.atomic():
        nomination, _ = Nomination.objects.get_or_create(
            campaign=campaign,
            person=appointment.person,
            defaults={
                "appointment": appointment,
                "community": campaign.community,
                "compound": appointment.compound,
            },
        )
        nomination.by_community = True
        nomination.reason = (reason or "").strip()[:300] or nomination.reason
        nomination.save(update_fields=["by_community", "reason"])
        record(
            actor=acting_user,
            action=AuditAction.AWARD_NOMINATE,
            target=campaign,
            new={"person": appointment.person_id},
            reason=reason,
            request=request,
        )
    return nomination


class SlipError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def token_for(key: str) -> AwardToken:
    if not key or len(key) > 64:
        raise SlipError("链接无效，请核对回执上的二维码。", 404)
    token = (
        AwardToken.objects.select_related("campaign__community")
        .filter(key_hash=hash_key(key))
        .first()
    )
    if token is None:
        raise SlipError("链接无效，请核对回执上的二维码。", 404)
    if token.expires <= timezone.now():
        raise SlipError("回执已过期，请向社区索取新的回执。", 410)
    return token


def resident_nominate(*, key: str, appointment_id: int) -> Nomination:
    """A household nominates a leader with its slip (once)."""
    token = token_for(key)
    campaign = token.campaign
    with transaction.atomic():
        token = AwardToken.objects.select_for_update().get(pk=token.pk)
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status != Campaign.Status.NOMINATING:
            raise SlipError("提名已经结束。", 410)
        if token.nominated:
            raise SlipError("本户已经提名过，每户只能提名一次。", 409)
        appointment = eligible(campaign).filter(pk=appointment_id).first()
        if appointment is None:
            raise SlipError("请从名单中选择一位提名对象。")
        nomination, _ = Nomination.objects.get_or_create(
            campaign=campaign,
            person=appointment.person,
            defaults={
                "appointment": appointment,
                "community": campaign.community,
                "compound": appointment.compound,
            },
        )
        Nomination.objects.filter(pk=nomination.pk).update(
            resident_nominations=nomination.resident_nominations + 1
        )
        token.nominated = True
        token.save(update_fields=["nominated"])
    return nomination


def review(*, nomination, accept: bool, note: str, acting_user, request=None) -> Nomination:
    require_edit(acting_user, nomination, "审核评选提名", request)
    if nomination.campaign.status != Campaign.Status.REVIEW:
        raise Refused("只有在审核环节才能审核提名")
    note = (note or "").strip()
    if not accept and not note:
        raise Refused("未通过审核须填写意见")
    with transaction.atomic():
        nomination.status = Nomination.Status.ACCEPTED if accept else Nomination.Status.REJECTED
        nomination.review_note = note[:300]
        nomination.save(update_fields=["status", "review_note"])
        record(
            actor=acting_user,
            action=AuditAction.AWARD_REVIEW,
            target=nomination.campaign,
            new={"person": nomination.person_id, "status": nomination.status},
            reason=note,
            request=request,
        )
    return nomination


def _move(campaign, to_status, acting_user, request, **fields):
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not campaign.can_move_to(to_status):
        raise Refused(
            f"当前环节为“{campaign.get_status_display()}”，不能进入“{Campaign.Status(to_status).label}”"
        )
    old = campaign.status
    campaign.status = to_status
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.save(update_fields=["status", *fields])
    record(
        actor=acting_user,
        action=AuditAction.AWARD_MOVE,
        target=campaign,
        old={"status": old},
        new={"status": to_status, **fields},
        request=request,
    )
    return campaign


def close_nominations(*, campaign, acting_user, request=None) -> Campaign:
    require_edit(acting_user, campaign, "推进评选环节", request)
    with transaction.atomic():
        if not campaign.nominations.exists():
            raise Refused("还没有任何提名")
        return _move(campaign, Campaign.Status.REVIEW, acting_user, request)


def open_voting(*, campaign, acting_user, request=None) -> Campaign:
    require_edit(acting_user, campaign, "推进评选环节", request)
    with transaction.atomic():
        pending = campaign.nominations.filter(status=Nomination.Status.NOMINATED).count()
        if pending:
            raise Refused(f"还有 {pending} 项提名未审核")
        if not campaign.nominations.filter(status=Nomination.Status.ACCEPTED).exists():
            raise Refused("没有审核通过的提名，不能投票")
        return _move(campaign, Campaign.Status.VOTING, acting_user, request)


def vote(*, key: str, nomination_id: int, today=None) -> AwardVote:
    """One anonymous vote per household: the vote keeps the nominee and the day only."""
    token = token_for(key)
    today = today or timezone.localdate()
    with transaction.atomic():
        token = AwardToken.objects.select_for_update().get(pk=token.pk)
        campaign = Campaign.objects.select_for_update().get(pk=token.campaign_id)
        if campaign.status != Campaign.Status.VOTING:
            raise SlipError("投票尚未开始或已经结束。", 410)
        if token.voted:
            raise SlipError("本户已经投过票，每户只能投一次。", 409)
        nomination = campaign.nominations.filter(
            pk=nomination_id, status=Nomination.Status.ACCEPTED
        ).first()
        if nomination is None:
            raise SlipError("请从候选名单中选择一位。")
        token.voted = True
        token.save(update_fields=["voted"])
        return AwardVote.objects.create(campaign=campaign, nomination=nomination, day=today)


def close_voting(*, campaign, acting_user, today=None, request=None) -> Campaign:
    """Count the votes: the ``places`` nominees with the most votes win (a tie at the last place
    takes all tied); then 公示 when the profile has a notice period."""
    require_edit(acting_user, campaign, "推进评选环节", request)
    today = today or timezone.localdate()
    days = campaign.profile().evaluation.notice_working_days
    with transaction.atomic():
        counts = dict(
            AwardVote.objects.filter(campaign=campaign)
            .values_list("nomination_id")
            .annotate(n=Count("id"))
            .values_list("nomination_id", "n")
        )
        accepted = list(campaign.nominations.filter(status=Nomination.Status.ACCEPTED))
        for nomination in accepted:
            nomination.votes = counts.get(nomination.pk, 0)
        ranked = sorted(accepted, key=lambda n: -n.votes)
        cut = ranked[min(campaign.places, len(ranked)) - 1].votes if ranked else 0
        for nomination in accepted:
            nomination.awarded = nomination.votes >= cut and nomination.votes > 0
        Nomination.objects.bulk_update(accepted, ["votes", "awarded"])
        if days:
            end, _ = notice_end(today, days)
            return _move(
                campaign,
                Campaign.Status.NOTICE,
                acting_user,
                request,
                notice_start=today,
                notice_end=end,
            )
        return _move(
            campaign,
            Campaign.Status.NOTICE,
            acting_user,
            request,
            notice_start=today,
            notice_end=today - dt.timedelta(days=1),
        )


def grant(
    *, campaign, rewards: dict[int, Decimal], acting_user, today=None, request=None
) -> Campaign:
    """Award the winners after the 公示; their 以奖代补 amounts become ``reward`` lines.

    Refused (nothing written): the 公示 not over; an amount where the profile has no 以奖代补; a
    negative amount; an amount for someone who did not win.
    """
    from loudong.payroll.actions.periods import _lock_or_create

    require_edit(acting_user, campaign, "授予表彰", request)
    today = today or timezone.localdate()
    campaign = Campaign.objects.get(pk=campaign.pk)
    if campaign.status != Campaign.Status.NOTICE:
        raise Refused("投票结束并公示后才能授予表彰")
    if campaign.notice_end is not None and today <= campaign.notice_end:
        raise Refused(f"公示至 {campaign.notice_end:%Y-%m-%d}，公示期满后方可授予表彰")
    winners = {
        n.pk: n for n in campaign.nominations.filter(awarded=True).select_related("appointment")
    }
    rewards = {pk: amount for pk, amount in rewards.items() if amount}
    if rewards and not campaign.profile().subsidy.rewards_in_lieu:
        raise Refused("本方案未启用以奖代补，不能发放奖励金额")
    for pk, amount in rewards.items():
        if pk not in winners:
            raise Refused("只能为获表彰的人员设定奖励金额")
        if amount < 0:
            raise Refused("奖励金额不能为负数")
    with transaction.atomic():
        campaign = _move(campaign, Campaign.Status.AWARDED, acting_user, request, awarded_on=today)
        month = money.month_start(today)
        period = None
        for pk, amount in sorted(rewards.items()):
            nomination = winners[pk]
            nomination.reward = money.round_money(amount, "fen")
            nomination.save(update_fields=["reward"])
            if period is None:
                period = _first_open_period(campaign.community, month, _lock_or_create)
            appointment = nomination.appointment
            Line.objects.create(
                period=period,
                community=campaign.community,
                compound=appointment.compound,
                appointment=appointment,
                person_id=appointment.person_id,
                post_id=appointment.post_id,
                kind=Line.Kind.REWARD,
                component=money.REWARD,
                service_month=period.month,
                amount=nomination.reward,
                basis=f"{campaign.year} 年度“{campaign.title}”以奖代补"[:300],
                source=Line.Source.AWARD,
                nomination=nomination,
                created_by=acting_user,
            )
        record(
            actor=acting_user,
            action=AuditAction.AWARD_GRANT,
            target=campaign,
            new={"winners": sorted(winners), "rewards": {str(k): v for k, v in rewards.items()}},
            request=request,
        )
    return campaign


def _first_open_period(community, month, lock_or_create) -> Period:
    while True:
        period = lock_or_create(community, month)
        if not period.is_locked:
            return period
        month = money.next_month(month)
