"""Subsidy totals per month and community, from the locked (approved) periods' lines."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Sum

from loudong.payroll.models import Line, Period
from loudong.reports.registry import Column, Table, dashboard, overview_figure
from loudong.territory.models import Region


def _lines(filters):
    first = filters.since.replace(day=1)
    return Line.objects.filter(
        community_id__in=filters.community_ids,
        period__status=Period.Status.LOCKED,
        period__month__gte=first,
        period__month__lte=filters.until,
    )


def _yuan(value) -> float:
    return float((value or Decimal("0")).quantize(Decimal("0.01")))


@dashboard(
    key="subsidies",
    title="补贴发放",
    description="已审批锁定的发放期：每月合计与各社区合计，按类别（月度、年终、工作补贴、以奖代补、更正）",
    order=65,
)
def subsidies(filters):
    lines = _lines(filters)
    kinds = Line.Kind.choices
    by_month = defaultdict(dict)
    for month, kind, total in (
        lines.values("period__month", "kind")
        .annotate(t=Sum("amount"))
        .values_list("period__month", "kind", "t")
    ):
        by_month[month][kind] = total
    months = [
        [f"{m:%Y-%m}", _yuan(sum(v.values())), *[_yuan(v.get(k)) for k, _ in kinds]]
        for m, v in sorted(by_month.items())
    ]
    per_community = dict(
        lines.values("community_id").annotate(t=Sum("amount")).values_list("community_id", "t")
    )
    people = dict(
        lines.values("community_id")
        .annotate(n=Count("person_id", distinct=True))
        .values_list("community_id", "n")
    )
    rows, drill = [], []
    periods = {
        p.community_id: p
        for p in Period.objects.filter(
            community_id__in=filters.community_ids,
            status=Period.Status.LOCKED,
            month__lte=filters.until,
        ).order_by("month")
    }
    for c in Region.objects.filter(pk__in=filters.community_ids).order_by("code"):
        if c.pk not in per_community and filters.community is None:
            continue
        rows.append([c.name, people.get(c.pk, 0), _yuan(per_community.get(c.pk))])
        last = periods.get(c.pk)
        drill.append(last.get_absolute_url() if last else None)
    money = [Column("合计（元）", "money", plotted=False)]
    return [
        Table(
            key="by-month",
            title="每月发放（元）",
            columns=[
                Column("月份", "label"),
                *money,
                *[Column(label, "money") for _, label in kinds],
            ],
            rows=months,
            chart="stack",
            note="按发放期月份；年终补贴在评议年度的 12 月发放期",
        ),
        Table(
            key="by-community",
            title="各社区发放合计",
            columns=[
                Column("社区", "label"),
                Column("领取人数", plotted=False),
                Column("合计（元）", "money"),
            ],
            rows=rows,
            drill=drill,
            chart="bar",
            note="点击柱形打开该社区最近一个已锁定的发放期",
        ),
    ]


@overview_figure(title="补贴发放（元）", kind="money", order=70)
def overview_paid(filters):
    return {
        k: _yuan(v)
        for k, v in _lines(filters)
        .values("community_id")
        .annotate(t=Sum("amount"))
        .values_list("community_id", "t")
    }
