"""The roster's to-dos on the workbench: selection steps, 公示, objections, terms ending."""

import datetime as dt

from django.db.models import Q

from loudong.accounts.access import scope_for
from loudong.accounts.roles import Cap
from loudong.roster.actions.selections import may_complete
from loudong.roster.models import Appointment, Objection, Post, Selection
from loudong.workbench.registry import Row, community_ids, todo

# 公示 about to end: the community prepares the appointment (and the badge) in these days.
NOTICE_ENDING_DAYS = 3
# "terms ending within 60 days" (the workbench issue): time for a renewal or a new selection.
TERM_ENDING_DAYS = 60
# A step untouched this long is shown as overdue on the workbench.
STEP_STALE_DAYS = 14

STEPS_BEFORE_NOTICE = [
    s
    for s in Selection.Status.values
    if s not in ("public_notice", "appointed", "rejected", "withdrawn")
]


def _selection_row(s, today) -> Row:
    since = max((step.at for step in s.steps.all()), default=s.created)
    waited = (today - since.date()).days
    return Row(
        title=f"{s.post.title} · {s.candidate.name}",
        url=s.get_absolute_url(),
        detail=f"{s.get_status_display()}，已等待 {waited} 天",
        overdue=waited > STEP_STALE_DAYS,
    )


@todo(
    key="selection-steps",
    label="待我办理的选配环节",
    section="selection",
    row=_selection_row,
    order=10,
    hint="社区推荐、社区党组织审查、街道党工委审批等环节中，轮到您办理的选配",
)
def selection_steps(user, today):
    """Steps this user may complete: the community's in its communities, approvals above."""
    mine = Q(community_id__in=community_ids(user))
    approvals = scope_for(user, Cap.APPROVE).q() & Q(status=Selection.Status.SUBDISTRICT_APPROVAL)
    candidates = (
        Selection.objects.filter(mine | approvals, status__in=STEPS_BEFORE_NOTICE)
        .select_related("post", "candidate")
        .prefetch_related("steps")
        .order_by("created", "pk")
    )
    return [s for s in candidates if s.next_step() and may_complete(user, s)]


def _notice_row(s, today) -> Row:
    over = today > s.notice_end
    return Row(
        title=f"{s.post.title} · {s.candidate.name}",
        url=s.get_absolute_url(),
        detail=("公示期满，可以任命" if over else f"公示至 {s.notice_end:%Y-%m-%d}"),
        due=s.notice_end,
        overdue=over,
    )


@todo(
    key="notice-ending",
    label="公示期满或即将期满",
    section="selection",
    row=_notice_row,
    order=20,
    overdue=lambda today: Q(notice_end__lt=today),
    hint=f"公示已期满待任命，或 {NOTICE_ENDING_DAYS} 天内期满的选配",
)
def notice_ending(user, today):
    return (
        Selection.objects.filter(
            Q(community_id__in=community_ids(user)),
            status=Selection.Status.PUBLIC_NOTICE,
            notice_end__lte=today + dt.timedelta(days=NOTICE_ENDING_DAYS),
        )
        .exclude(pk__in=Objection.objects.filter(resolved__isnull=True).values("selection_id"))
        .select_related("post", "candidate")
        .order_by("notice_end", "pk")
    )


def _objection_row(o, today) -> Row:
    return Row(
        title=f"{o.selection.post.title} · {o.selection.candidate.name}",
        url=o.selection.get_absolute_url(),
        detail=f"{o.received:%Y-%m-%d} 收到：{o.text[:40]}",
        due=o.received,
        overdue=True,
    )


@todo(
    key="objections",
    label="待处理的公示异议",
    section="selection",
    row=_objection_row,
    order=5,
    overdue=lambda today: Q(),
    hint="公示期间居民反映的异议：核实处理后才能任命",
)
def objections(user, today):
    return (
        Objection.objects.filter(
            Q(selection__community_id__in=community_ids(user)), resolved__isnull=True
        )
        .select_related("selection__post", "selection__candidate")
        .order_by("received", "pk")
    )


def _term_row(a, today) -> Row:
    left = (a.term_end - today).days
    return Row(
        title=f"{a.post.title} · {a.person.name}",
        url=a.get_absolute_url(),
        detail=f"任期至 {a.term_end:%Y-%m-%d}（还有 {left} 天）",
        due=a.term_end,
        overdue=left <= 14,
    )


@todo(
    key="terms-ending",
    label=f"{TERM_ENDING_DAYS} 天内任期届满",
    section="selection",
    row=_term_row,
    order=30,
    overdue=lambda today: Q(term_end__lte=today + dt.timedelta(days=14)),
    hint="续聘或启动新的选配",
)
def terms_ending(user, today):
    return (
        Appointment.objects.filter(
            Q(community_id__in=community_ids(user)),
            status=Appointment.Status.ACTIVE,
            term_end__gte=today,
            term_end__lte=today + dt.timedelta(days=TERM_ENDING_DAYS),
        )
        .select_related("post", "person")
        .order_by("term_end", "pk")
    )


def _attention_row(p, today) -> Row:
    return Row(title=p.title, url=p.get_absolute_url(), detail=p.attention_note)


@todo(
    key="posts-attention",
    label="网格调整后待处理的岗位",
    section="selection",
    row=_attention_row,
    order=40,
    hint="网格划分变化后，原任职需要确认、调整或解除",
)
def posts_attention(user, today):
    return (
        Post.objects.filter(
            Q(community_id__in=community_ids(user)), active=True, needs_attention=True
        )
        .select_related("community")
        .order_by("community__code", "title", "pk")
    )


def _vacant_row(p, today) -> Row:
    return Row(title=p.title, url=p.get_absolute_url(), detail=f"{p.community.name} · 空缺")


@todo(
    key="posts-vacant",
    label="空缺且未启动选配的岗位",
    section="selection",
    row=_vacant_row,
    order=50,
    hint="宁缺毋滥：空缺可以保留，物色到合适人选时从岗位页启动选配",
)
def posts_vacant(user, today):
    return (
        Post.objects.filter(Q(community_id__in=community_ids(user)), active=True)
        .exclude(appointments__status=Appointment.Status.ACTIVE)
        .exclude(selections__status__in=[*STEPS_BEFORE_NOTICE, Selection.Status.PUBLIC_NOTICE])
        .select_related("community")
        .order_by("community__code", "kind", "grid_code", "title", "pk")
    )
