"""Money's to-dos: periods to submit (the community) and to approve (the 街道), insurance."""

import datetime as dt

from django.db.models import Q
from django.urls import reverse

from loudong.accounts.access import scope_for
from loudong.accounts.roles import Cap
from loudong.payroll import coverage
from loudong.payroll.models import Period, Reminder
from loudong.policy.profile import profile_for
from loudong.territory.models import Region
from loudong.workbench.registry import Row, community_ids, todo


def _period_row(p, today) -> Row:
    over = p.month < today.replace(day=1)
    what = {
        Period.Status.DRAFT: "编制中，待报批",
        Period.Status.SUBMITTED: f"报批合计 {p.control_total} 元，待街道审批",
    }[p.status]
    return Row(
        title=f"{p.community.name} {p.label}",
        url=p.get_absolute_url(),
        detail=what,
        due=p.month,
        overdue=over,
    )


def _month_over(today):
    return Q(month__lt=today.replace(day=1))


@todo(
    key="payroll-approve",
    label="待审批的补贴发放",
    section="money",
    row=_period_row,
    order=10,
    overdue=_month_over,
    hint="社区已报批的月度补贴：核对合计后审批锁定（报批人不能审批）",
)
def payroll_approve(user, today):
    return (
        Period.objects.filter(scope_for(user, Cap.APPROVE).q(), status=Period.Status.SUBMITTED)
        .exclude(submitted_by=user)
        .select_related("community")
        .order_by("month", "community__code")
    )


@todo(
    key="payroll-submit",
    label="待报批的补贴发放",
    section="money",
    row=_period_row,
    order=20,
    overdue=_month_over,
    hint="月份已过仍在编制中的为逾期",
)
def payroll_submit(user, today):
    return (
        Period.objects.filter(
            community_id__in=community_ids(user),
            status=Period.Status.DRAFT,
            month__lte=today.replace(day=1),
        )
        .select_related("community")
        .order_by("month", "community__code")
    )


def _gap_row(gap, today) -> Row:
    a = gap.appointment
    return Row(
        title=f"{a.post.title} · {a.person.name}",
        url=reverse("payroll:insurance"),
        detail=f"{gap.start} 起未参加意外伤害保险",
        due=gap.start,
        overdue=True,
    )


@todo(
    key="insurance-gaps",
    label="在任但未参保的楼栋长",
    section="money",
    row=_gap_row,
    order=30,
    hint="附件1 第四条：社区为楼栋长购买意外伤害保险",
)
def insurance_gaps(user, today):
    out = []
    for community in Region.objects.filter(pk__in=community_ids(user)).order_by("code"):
        if profile_for(community, on=today).insurance.accident:
            start = today - dt.timedelta(days=1)
            out += [g for g in coverage.gaps(community, start, today) if g.end == today]
    return out


def _reminder_row(r, today) -> Row:
    return Row(
        title=r.text,
        url=reverse("payroll:insurance"),
        detail=f"{r.created_on} 提醒",
        due=r.created_on,
    )


@todo(
    key="insurance-renewals",
    label="保险续保提醒",
    section="money",
    row=_reminder_row,
    order=40,
)
def insurance_renewals(user, today):
    return Reminder.objects.filter(
        community_id__in=community_ids(user), done_on__isnull=True
    ).order_by("created_on", "pk")
