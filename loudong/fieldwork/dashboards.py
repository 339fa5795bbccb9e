"""Field work's dashboards: incidents (by category, month, level, status; overdue, median time
to resolve, satisfaction), visits coverage per community, grid and leader, and the 服务记录表
submission rate."""

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone

from loudong.fieldwork import stats
from loudong.fieldwork.models import (
    LEVEL_LABELS,
    Incident,
    IncidentCategory,
    MonthlyReport,
    VisitHousehold,
    month_start,
)
from loudong.grids.models import Grid
from loudong.policy.profile import LEADER_LEVELS
from loudong.reports.registry import Column, Table, dashboard, overview_figure, pct
from loudong.roster.models import Appointment, Person
from loudong.territory.models import Region


def _queue(filters, **params) -> str:
    if filters.community is not None:
        params["community"] = filters.community.pk
    if filters.grid is not None:
        params["grid"] = filters.grid.code
    return reverse("fieldwork:index") + "?" + urlencode(params)


def _rate(f) -> float | None:
    return pct(f.satisfied + f.basic, f.rated)


@dashboard(
    key="incidents",
    title="事件办理",
    description="所选期间登记的事件：按类别、月份和社区，办结率、办结用时中位数、满意率；以及当前未结事件按层级、状态",
    order=30,
    uses_grid=True,
)
def incidents(filters):
    grid = filters.grid.code if filters.grid is not None else ""
    open_rows = _open_counts(filters)
    whole = filters.community is None and filters.grid is None
    sums = stats.summary(
        filters.community_ids,
        filters.since,
        filters.until,
        by=(2, 1, 0) if whole else (2, 1),
        medians=(2,),  # the median days are shown by category only
        grid_code=grid,
    )
    categories = {c.pk: c for c in IncidentCategory.objects.filter(parent__isnull=True)}
    by_category = sums[2]
    rows, drill = [], []
    for top, f in sorted(by_category.items(), key=lambda kv: -kv[1].registered):
        category = categories.get(top)
        rows.append(
            [
                category.label if category else "其他",
                f.registered,
                f.resolved,
                pct(f.resolved, f.registered),
                f.median_days(),
                _rate(f),
            ]
        )
        drill.append(_queue(filters, category=category.code, status="all") if category else None)
    shares = [
        Column("事件数"),
        Column("已办结"),
        Column("办结率（%）", "pct", plotted=False),
        Column("办结用时中位数（天）", "days", plotted=False),
        Column("满意率（%）", "pct", plotted=False),
    ]
    tables = [
        Table(
            key="by-category",
            title="按类别",
            columns=[Column("类别", "label"), *shares],
            rows=rows,
            drill=drill,
            chart="bar",
            note="满意率：满意与基本满意占已评价的比例；用时从登记到办结，按天分段取中位数",
        )
    ]
    by_month = sums[1]
    tables.append(
        Table(
            key="by-month",
            title="逐月登记与办结",
            columns=[Column("月份", "label"), Column("登记"), Column("已办结")],
            rows=[
                [f"{m:%Y-%m}", by_month[m].registered, by_month[m].resolved]
                for m in sorted(by_month)
            ],
            chart="line",
        )
    )
    if whole:
        names = dict(Region.objects.filter(pk__in=filters.community_ids).values_list("pk", "name"))
        by_community = sums[0]
        late = Counter()
        for row in open_rows:
            late[row["community_id"]] += row["late"]
        crows, cdrill = [], []
        for c, f in sorted(by_community.items(), key=lambda kv: names.get(kv[0], "")):
            crows.append([names.get(c, ""), f.registered, f.resolved, late.get(c, 0), _rate(f)])
            cdrill.append(reverse("fieldwork:index") + f"?community={c}&overdue=on")
        tables.append(
            Table(
                key="by-community",
                title="各社区",
                columns=[
                    Column("社区", "label"),
                    Column("事件数"),
                    Column("已办结"),
                    Column("当前超期"),
                    Column("满意率（%）", "pct", plotted=False),
                ],
                rows=crows,
                drill=cdrill,
                chart="bar",
                note="点击柱形查看该社区超期未结的事件",
            )
        )
    tables += _open_now(filters, open_rows)
    return tables


def _open_queryset(filters):
    qs = Incident.objects.filter(community_id__in=filters.community_ids, status__in=Incident.OPEN)
    if filters.grid is not None:
        qs = qs.filter(grid_code=filters.grid.code)
    return qs


def _overdue_by(filters, field) -> dict:
    now = timezone.now()
    return dict(
        _open_queryset(filters)
        .filter(paused_since__isnull=True, due__lte=now)
        .values(field)
        .annotate(n=Count("status"))  # from the covering index alone
        .values_list(field, "n")
    )


def _open_counts(filters) -> list[dict]:
    """Open incidents by community, level and status, with how many are overdue and urgent:
    one pass over the open rows (live: a few percent of the rows, read from the covering
    ``incident_counts_idx``) for both the community table and the open-now tables."""
    now = timezone.now()
    return list(
        _open_queryset(filters)
        .values("community_id", "level", "status")
        .annotate(
            # a column of the index (never null), not the key: read from the index alone
            n=Count("status"),
            late=Count("status", filter=Q(paused_since__isnull=True, due__lte=now)),
            urgent=Count("status", filter=Q(severity=Incident.Severity.URGENT)),
        )
        .order_by()
    )


def _open_now(filters, rows) -> list[Table]:
    """What is open today, by level and by status (``rows``: ``_open_counts``)."""
    levels, statuses = defaultdict(lambda: [0, 0, 0]), Counter()
    for row in rows:
        lv = levels[row["level"]]
        lv[0] += row["n"]
        lv[1] += row["late"]
        lv[2] += row["urgent"]
        statuses[row["status"]] += row["n"]
    order = {level: i for i, level in enumerate(LEVEL_LABELS)}
    level_rows = sorted(levels.items(), key=lambda kv: order.get(kv[0], 99))
    return [
        Table(
            key="open-by-level",
            title="当前未结（按办理层级）",
            columns=[
                Column("层级", "label"),
                Column("未结"),
                Column("其中超期"),
                Column("其中紧急", plotted=False),
            ],
            rows=[[LEVEL_LABELS.get(lv, lv), *v] for lv, v in level_rows],
            drill=[_queue(filters, level=lv) for lv, _v in level_rows],
            chart="bar",
            note="不受期间限制：此刻仍在办理的事件",
        ),
        Table(
            key="open-by-status",
            title="当前未结（按状态）",
            columns=[Column("状态", "label"), Column("事件数")],
            rows=[[Incident.Status(s).label, statuses[s]] for s in Incident.OPEN if statuses[s]],
            drill=[_queue(filters, status=s) for s in Incident.OPEN if statuses[s]],
            chart="pie",
        ),
    ]


# -- visits ---------------------------------------------------------------------------------


def _visited(filters, field):
    """{field value: distinct households visited in the period}. By community (the subdistrict's
    view, the district overview) from the month masks; by grid or leader (one community's
    view, thousands of rows) live."""
    if field == "community_id" and filters.grid is None:
        return stats.households_visited(filters.community_ids, filters.since, filters.until)
    qs = VisitHousehold.objects.filter(
        community_id__in=filters.community_ids, date__range=(filters.since, filters.until)
    )
    if filters.grid is not None:
        qs = qs.filter(grid_code=filters.grid.code)
    return dict(
        qs.values(field).annotate(n=Count("household_id", distinct=True)).values_list(field, "n")
    )


@dashboard(
    key="visits",
    title="走访覆盖",
    description="所选期间走访到的户数占网格户数的比例：选一个社区时按网格和楼栋长列出",
    order=40,
    uses_grid=True,
)
def visits(filters):
    grids = Grid.objects.in_force().filter(community_id__in=filters.community_ids).exclude(code="")
    if filters.grid is not None:
        grids = grids.filter(pk=filters.grid.pk)
    if filters.community is None and filters.grid is None:
        households = dict(
            grids.values("community_id")
            .annotate(n=Sum("households"))
            .values_list("community_id", "n")
        )
        seen = _visited(filters, "community_id")
        names = dict(Region.objects.filter(pk__in=filters.community_ids).values_list("pk", "name"))
        rows, drill = [], []
        for c in sorted(households, key=lambda c: names.get(c, "")):
            rows.append(
                [
                    names.get(c, ""),
                    households[c],
                    seen.get(c, 0),
                    pct(seen.get(c, 0), households[c]),
                ]
            )
            drill.append(reverse("fieldwork:coverage") + f"?community={c}")
        return [
            Table(
                key="by-community",
                title="各社区走访覆盖",
                columns=[
                    Column("社区", "label"),
                    Column("网格户数", plotted=False),
                    Column("已走访户数"),
                    Column("覆盖率（%）", "pct", plotted=False),
                ],
                rows=rows,
                drill=drill,
                chart="bar",
                note="点击柱形打开该社区的走访覆盖页（按网格、地图）",
            )
        ]
    grid_list = list(grids.with_leader().order_by("code"))
    seen = _visited(filters, "grid_code")
    names = dict(
        Person.objects.filter(
            pk__in=[g.leader_person_id for g in grid_list if g.leader_person_id]
        ).values_list("pk", "name")
    )
    rows = [
        [
            f"第{g.number}网格",
            names.get(g.leader_person_id, "（空缺）"),
            g.households,
            seen.get(g.code, 0),
            pct(seen.get(g.code, 0), g.households),
        ]
        for g in grid_list
    ]
    by_leader = _visited(filters, "person_id")
    households_of = defaultdict(int)
    for g in grid_list:
        if g.leader_person_id:
            households_of[g.leader_person_id] += g.households
    people = dict(Person.objects.filter(pk__in=list(by_leader)).values_list("pk", "name"))
    leader_rows, leader_drill = [], []
    for pk, n in sorted(by_leader.items(), key=lambda kv: people.get(kv[0], "")):
        leader_rows.append(
            [people.get(pk, ""), households_of.get(pk, 0), n, pct(n, households_of.get(pk, 0))]
        )
        leader_drill.append(reverse("roster:person", args=[pk]))
    return [
        Table(
            key="by-grid",
            title="各网格走访覆盖",
            columns=[
                Column("网格", "label"),
                Column("楼栋长", "text"),
                Column("户数", plotted=False),
                Column("已走访户数"),
                Column("覆盖率（%）", "pct", plotted=False),
            ],
            rows=rows,
            chart="bar",
        ),
        Table(
            key="by-leader",
            title="各楼栋长走访",
            columns=[
                Column("楼栋长", "label"),
                Column("所负责网格户数", plotted=False),
                Column("已走访户数"),
                Column("覆盖率（%）", "pct", plotted=False),
            ],
            rows=leader_rows,
            drill=leader_drill,
            chart="bar",
            note="含单元长、网格长的走访；兼任多个网格的按人合计",
        ),
    ]


# -- 服务记录表 --------------------------------------------------------------------------------


@dashboard(
    key="service-reports",
    title="服务记录表报送",
    description="每月应报送服务记录表的在任楼栋长（含单元长、网格长）与已报送的人数",
    order=50,
)
def service_reports(filters):
    first = month_start(filters.since)
    months = [month_start(m) for m in filters.months()]
    appointments = list(
        Appointment.objects.filter(
            community_id__in=filters.community_ids,
            is_legacy=False,
            post__kind__in=list(LEADER_LEVELS),
            start__lte=filters.until,
        )
        .filter(Q(end__isnull=True) | Q(end__gte=first))
        .values_list("community_id", "person_id", "start", "end")
        .order_by()  # no need of the default ordering's sort
    )
    due = defaultdict(set)  # (community, month) → persons in post that month
    lasts = [(m + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1) for m in months]
    for community, person, start, end in appointments:
        # the months in post: those ending on or after the start and beginning by the end
        low = bisect_left(lasts, start)
        high = len(months) if end is None else bisect_right(months, end)
        for m in months[low:high]:
            due[(community, m)].add(person)
    submitted = Counter()
    for community, person, month in (
        MonthlyReport.objects.filter(
            community_id__in=filters.community_ids, month__gte=first, month__lte=filters.until
        )
        .values_list("community_id", "person_id", "month")
        .order_by()
    ):  # 48k rows: no sort
        if person in due.get((community, month), ()):
            submitted[(community, month)] += 1
    month_due, month_submitted = Counter(), Counter()
    for (_c, m), persons in due.items():
        month_due[m] += len(persons)
    for (_c, m), n in submitted.items():
        month_submitted[m] += n
    rows = []
    for m in months:
        n, s = month_due[m], month_submitted[m]
        rows.append([f"{m:%Y-%m}", n, s, pct(s, n)])
    names = dict(Region.objects.filter(pk__in=filters.community_ids).values_list("pk", "name"))
    per = defaultdict(lambda: [0, 0])
    for (c, _m), persons in due.items():
        per[c][0] += len(persons)
    for (c, _m), s in submitted.items():
        per[c][1] += s
    crows, cdrill = [], []
    for c in sorted(per, key=lambda c: names.get(c, "")):
        n, s = per[c]
        crows.append([names.get(c, ""), n, s, pct(s, n)])
        cdrill.append(reverse("fieldwork:reports") + f"?community={c}")
    return [
        Table(
            key="by-month",
            title="逐月报送",
            columns=[
                Column("月份", "label"),
                Column("应报送（人）"),
                Column("已报送（人）"),
                Column("报送率（%）", "pct", plotted=False),
            ],
            rows=rows,
            chart="bar",
            note="当月仍在报送期内的，报送率会继续上升",
        ),
        Table(
            key="by-community",
            title="各社区（期间合计，人次）",
            columns=[
                Column("社区", "label"),
                Column("应报送", plotted=False),
                Column("已报送"),
                Column("报送率（%）", "pct", plotted=False),
            ],
            rows=crows,
            drill=cdrill,
            chart="bar",
        ),
    ]


# -- the district overview -------------------------------------------------------------------


@overview_figure(title="登记事件", order=40)
def overview_incidents(filters):
    return stats.registered(filters.community_ids, filters.since, filters.until)


@overview_figure(title="当前超期事件", order=45)
def overview_overdue(filters):
    return _overdue_by(filters, "community_id")


@overview_figure(title="走访户数", order=50)
def overview_visited(filters):
    return _visited(filters, "community_id")
