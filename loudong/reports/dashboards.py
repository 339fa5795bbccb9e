"""The district overview (区民政局): every subdistrict in a row, the figures the apps give."""

from collections import defaultdict

from loudong.reports.registry import Column, Table, dashboard, overview_figures
from loudong.territory.models import Region


@dashboard(
    key="overview",
    title="辖区总览",
    description="按街道汇总：社区、网格、楼栋长，以及走访、事件、考核、补贴等各项合计",
    order=1,
    uses_period=True,
)
def overview(filters):
    communities = list(Region.objects.filter(pk__in=filters.community_ids).select_related("parent"))
    by_sub = defaultdict(list)
    for c in communities:
        by_sub[c.parent].append(c.pk)
    figures = overview_figures()
    values = [f.per_community(filters) for f in figures]
    rows = []
    for sub in sorted(by_sub, key=lambda r: r.code or r.name):
        ids = by_sub[sub]
        row = [sub.name, len(ids)]
        for fig, got in zip(figures, values, strict=True):
            row.append(_total(fig.kind, [got.get(i) for i in ids]))
        rows.append(row)
    if len(rows) > 1:
        total = ["合计", sum(r[1] for r in rows)]
        for k, fig in enumerate(figures):
            total.append(_total(fig.kind, [r[k + 2] for r in rows]))
        rows.append(total)
    columns = [Column("街道", "label"), Column("社区数", plotted=False)]
    columns += [Column(f.title, f.kind, plotted=False) for f in figures]
    # The chart: the counts that compare across subdistricts (the first two figures).
    plotted = [i for i, f in enumerate(figures) if f.kind == "count"][:2]
    for i in plotted:
        columns[i + 2] = Column(figures[i].title, figures[i].kind)
    return [
        Table(
            key="overview",
            title="各街道汇总",
            columns=columns,
            rows=rows,
            chart="bar",
            note="各项按所选期间统计；“在任”类按期末",
        )
    ]


def _total(kind, values):
    present = [v for v in values if v is not None]
    if not present:
        return None
    if kind == "pct":
        # Shares do not add up: the overview's shares are averages of the communities'.
        return round(sum(present) / len(present), 1)
    return sum(present)
