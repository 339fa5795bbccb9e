"""Evaluation grades by community and year (the grades as the rounds closed them)."""

from collections import Counter, defaultdict

from loudong.evaluation.models import Evaluation
from loudong.policy.profile import profile_for
from loudong.reports.registry import Column, Table, dashboard, overview_figure, pct
from loudong.territory.models import Region


def _closed(filters):
    qs = Evaluation.objects.filter(
        community_id__in=filters.community_ids,
        status=Evaluation.Status.CLOSED,
        round__year__gte=filters.since.year,
        round__year__lte=filters.until.year,
    )
    if filters.grid is not None:
        qs = qs.filter(post__grid_code=filters.grid.code)
    return qs


@dashboard(
    key="evaluation",
    title="年度评议等次",
    description="所选年份已评定的楼栋长等次：各社区人数与不满意占比（每个任职评一次）",
    order=60,
    uses_grid=True,
)
def evaluation(filters):
    communities = list(Region.objects.filter(pk__in=filters.community_ids).order_by("code"))
    grades = (
        [(g.code, g.label) for g in profile_for(communities[0]).evaluation.grades]
        if communities
        else []
    )
    by = defaultdict(Counter)
    years = defaultdict(Counter)
    scores = defaultdict(list)
    for community_id, year, grade, score in _closed(filters).values_list(
        "community_id", "round__year", "grade", "score"
    ):
        by[community_id][grade] += 1
        years[year][grade] += 1
        if score is not None:
            scores[community_id].append(float(score))
    codes = [c for c, _ in grades]
    rows = []
    for c in communities:
        counts = by.get(c.pk, Counter())
        total = sum(counts.values())
        if not total and filters.community is None:
            continue
        mean = round(sum(scores[c.pk]) / len(scores[c.pk]), 1) if scores[c.pk] else None
        rows.append(
            [
                c.name,
                total,
                *[counts.get(code, 0) for code in codes],
                mean,
                pct(counts.get("unsatisfied", 0), total),
            ]
        )
    columns = [
        Column("社区", "label"),
        Column("已评定", plotted=False),
        *[Column(label) for _, label in grades],
        Column("平均分", "text", plotted=False),
        Column("不满意占比（%）", "pct", plotted=False),
    ]
    by_year = [
        [str(year), sum(c.values()), *[c.get(code, 0) for code in codes]]
        for year, c in sorted(years.items())
    ]
    return [
        Table(
            key="grades",
            title="各社区评议等次",
            columns=columns,
            rows=rows,
            chart="stack",
        ),
        Table(
            key="grades-by-year",
            title="逐年等次",
            columns=[
                Column("年度", "label"),
                Column("已评定", plotted=False),
                *columns[2 : 2 + len(grades)],
            ],
            rows=by_year,
            chart="stack",
        ),
    ]


@overview_figure(title="评议不满意（人次）", order=60)
def overview_unsatisfied(filters):
    return dict(
        Counter(_closed(filters).filter(grade="unsatisfied").values_list("community_id", flat=True))
    )
