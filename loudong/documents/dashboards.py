"""The 优化整合 progress (附件2) as a dashboard, measured against the campaign's deadline."""

from urllib.parse import urlencode

from django.urls import reverse

from loudong.documents import exports
from loudong.policy.profile import profile_for
from loudong.reports.registry import Column, Table, dashboard
from loudong.territory.models import Region


@dashboard(
    key="attachment2",
    title="优化整合进度",
    description="附件2 进度情况统计表的图表：各社区原配备与整合后的楼栋长数，以及逐月进度与整合期限",
    order=70,
)
def attachment2(filters):
    communities = list(Region.objects.filter(pk__in=filters.community_ids).order_by("path"))
    campaign = profile_for(communities[0]).campaign if communities else None
    since, until = filters.since, filters.until
    rows = exports.progress_rows(communities, since=since, until=until)
    link = reverse("documents:progress") + "?" + urlencode({"since": since, "until": until})
    by_community = Table(
        key="progress",
        title=f"各社区楼栋长（{since}至{until}）",
        columns=[
            Column("社区", "label"),
            Column("楼栋数", plotted=False),
            Column("原配备楼栋长数"),
            Column("优化整合后楼栋长数"),
            Column("备注", "text"),
        ],
        rows=[[r.community, r.buildings, r.before, r.after, r.note] for r in rows],
        drill=[link] * len(rows),
        chart="bar",
        note="点击柱形打开附件2 进度情况统计表（可导出）",
    )
    monthly = [
        [f"{day:%Y-%m}", buildings, leaders]
        for day, buildings, leaders in exports.progress_by_day(communities, filters.months())
    ]
    note = ""
    if campaign:
        left = (campaign.deadline - filters.today).days
        when = f"还有 {left} 天" if left >= 0 else f"已过 {-left} 天"
        note = f"{campaign.title}：{campaign.start}起，整合期限 {campaign.deadline}（{when}）"
    by_month = Table(
        key="progress-by-month",
        title="整合进度（每月末，合计）",
        columns=[Column("月份", "label"), Column("楼栋数", plotted=False), Column("楼栋长数")],
        rows=monthly,
        chart="line",
        note=note,
    )
    return [by_community, by_month]
