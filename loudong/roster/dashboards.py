"""The roster's dashboards: grid coverage (宁缺毋滥 keeps vacancies visible) and the team's mix."""

import datetime as dt
from bisect import bisect_left
from collections import Counter, defaultdict
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.urls import reverse

from loudong.grids.models import Grid
from loudong.lib.masking import age_band
from loudong.reports.registry import Column, Table, dashboard, overview_figure, pct
from loudong.roster.models import Appointment, Person, Post
from loudong.territory.models import Region

# Posts that hold a grid (the grid's leader): 池阳's 楼栋长, 长春's 网格长.
GRID_KINDS = (Post.Kind.BUILDING_LEADER, Post.Kind.GRID_HEAD)


def _posts_url(**params) -> str:
    return reverse("roster:index") + "?" + urlencode(params)


def _persons_url(**params) -> str:
    return reverse("roster:persons") + "?" + urlencode(params)


def _communities(filters):
    return list(Region.objects.filter(pk__in=filters.community_ids).order_by("code"))


@dashboard(
    key="coverage",
    title="网格覆盖",
    description="各社区网格有无楼栋长（网格长），以及每月末的空缺数：宁缺毋滥，空缺照实显示",
    order=10,
    uses_grid=True,
)
def coverage(filters):
    grids = Grid.objects.in_force().filter(community_id__in=filters.community_ids)
    if filters.grid is not None:
        grids = grids.filter(pk=filters.grid.pk)
    led = _led_grids(filters.community_ids)
    held = defaultdict(lambda: [0, 0])
    for community_id, code in grids.values_list("community_id", "code"):
        held[community_id][0] += 1
        held[community_id][1] += (community_id, code) in led
    rows, drill = [], []
    for c in _communities(filters):
        total, led = held.get(c.pk, (0, 0))
        if filters.grid is not None and not total:
            continue
        rows.append([c.name, total, led, total - led, pct(led, total)])
        drill.append(_posts_url(community=c.pk, vacant="on") if total - led else None)
    if len(rows) > 1:
        total, led = sum(r[1] for r in rows), sum(r[2] for r in rows)
        rows.append(["合计", total, led, total - led, pct(led, total)])
        drill.append(None)
    now = Table(
        key="coverage-now",
        title="各社区网格覆盖（当前）",
        columns=[
            Column("社区", "label"),
            Column("网格数", plotted=False),
            Column("有楼栋长"),
            Column("空缺"),
            Column("覆盖率（%）", "pct", plotted=False),
        ],
        rows=rows,
        drill=drill,
        chart="stack",
        note="点击柱形查看该社区的空缺岗位",
    )
    return [now, _vacancies_by_month(filters)]


def _led_grids(community_ids) -> set[tuple[int, str]]:
    """(community, grid code) of the grids with a 楼栋长 or 网格长 in post — what
    ``Grid.with_leader()`` finds, as one query over the posts instead of two subqueries a grid
    (6,000 grids: 0.27 s)."""
    return set(
        Appointment.objects.filter(
            post__community_id__in=community_ids,
            post__kind__in=GRID_KINDS,
            post__active=True,
            status="active",
            is_legacy=False,
        )
        .exclude(post__grid_code="")
        .values_list("post__community_id", "post__grid_code")
        .order_by()  # else the default ordering's columns join the DISTINCT
        .distinct()
    )


def _vacancies_by_month(filters) -> Table:
    """Grid posts open at each month's end, and how many had nobody in post that day."""
    posts = Post.objects.filter(community_id__in=filters.community_ids, kind__in=GRID_KINDS)
    posts = posts.exclude(grid_code="")
    if filters.grid is not None:
        posts = posts.filter(grid_code=filters.grid.code)
    # The creation day as the database gives it (a date, as ``created.date()`` of the UTC
    # value would): converting 6,000 aware datetimes costs more than the rest.
    created = TruncDate("created", tzinfo=dt.UTC)
    held = defaultdict(list)
    for post_id, start, end in Appointment.objects.filter(
        post__in=posts, is_legacy=False
    ).values_list("post_id", "start", "end"):
        held[post_id].append((start, end))
    posts = list(
        posts.annotate(created_on=created).values_list(
            "pk", "community_id", "grid_code", "created_on", "closed_on"
        )
    )
    # One bit a month-end per grid: open (some post of the grid existed that day) and covered
    # (someone in post that day), OR-ed over the grid's posts and appointments.
    days = filters.months()
    everything = (1 << len(days)) - 1

    def bits(start, end):
        """The month-ends d with start <= d < end (end None: no end)."""
        low = bisect_left(days, start)
        high = len(days) if end is None else bisect_left(days, end)
        return ((1 << high) - 1) & ~((1 << low) - 1) & everything if high > low else 0

    open_, covered = defaultdict(int), defaultdict(int)
    for post_id, community_id, code, created, closed_on in posts:
        # created on day d counts from d; closed on d no longer counts on d
        alive = bits(created, closed_on)
        if not alive:
            continue
        key = (community_id, code)
        open_[key] |= alive
        for s, e in held[post_id]:
            covered[key] |= alive & bits(s, e)
    rows = []
    for i, day in enumerate(days):
        n = sum(m >> i & 1 for m in open_.values())
        c = sum(m >> i & 1 for m in covered.values())
        rows.append([f"{day:%Y-%m}", n, c, n - c])
    return Table(
        key="vacancies-by-month",
        title="空缺网格数（每月末）",
        columns=[
            Column("月份", "label"),
            Column("网格岗位", plotted=False),
            Column("在岗"),
            Column("空缺"),
        ],
        rows=rows,
        chart="line",
        note="按岗位设立、撤销日期和任职起止日期回算；整合前原配备不计入",
    )


AGE_BANDS = ["30 岁以下", "30–39 岁", "40–49 岁", "50–59 岁", "60–69 岁", "70 岁及以上", "未登记"]


def _band(born, on) -> str:
    text = age_band(born, on)
    if not text:
        return "未登记"
    low = int(text.split("–")[0].split(" ")[0])
    if low < 30:
        return "30 岁以下"
    if low >= 70:
        return "70 岁及以上"
    return text


@dashboard(
    key="leaders",
    title="队伍结构",
    description="期末在任楼栋长（含网格长、单元长）的年龄、党员、文化程度、来源和兼任情况",
    order=20,
    uses_grid=False,
)
def leaders(filters):
    day = filters.until
    serving = Appointment.objects.filter(
        Q(end__isnull=True) | Q(end__gt=day),
        community_id__in=filters.community_ids,
        start__lte=day,
        is_legacy=False,
    )
    by_person = Counter(serving.values_list("person_id", flat=True))
    concurrent = serving.filter(is_concurrent=True).count()
    people = list(
        # a subquery, not 6,000 ids in an IN list
        Person.objects.filter(pk__in=serving.values("person_id")).values_list(
            "pk", "birth_date", "is_party_member", "education", "pool"
        )
    )
    one = filters.community.pk if filters.community else None
    base = {"community": one} if one else {}

    def url(**params):
        return _persons_url(**base, in_post="on", **params)

    ages = Counter(_band(born, day) for _pk, born, *_ in people)
    party = Counter(bool(member) for _pk, _b, member, *_ in people)
    education = Counter(e for *_x, e, _p in people)
    pools = Counter(p for *_x, p in people)
    held = Counter(min(n, 3) for n in by_person.values())
    total = len(people)

    def share_rows(counter, labels):
        return [
            [label, counter.get(value, 0), pct(counter.get(value, 0), total)]
            for value, label in labels
        ]

    share = [Column("人数"), Column("占比（%）", "pct", plotted=False)]
    edu_labels = [*Person.Education.choices, ("", "未填")]
    pool_labels = [*Person.Pool.choices, ("", "未填")]
    return [
        Table(
            key="age",
            title=f"年龄结构（{day:%Y-%m-%d}）",
            columns=[Column("年龄段", "label"), *share],
            rows=[[b, ages.get(b, 0), pct(ages.get(b, 0), total)] for b in AGE_BANDS],
            chart="bar",
            base=None,
        ),
        Table(
            key="party",
            title="政治面貌",
            columns=[Column("类别", "label"), *share],
            rows=share_rows(party, [(True, "中共党员"), (False, "非党员")]),
            chart="pie",
        ),
        Table(
            key="education",
            title="文化程度",
            columns=[Column("文化程度", "label"), *share],
            rows=share_rows(education, edu_labels),
            drill=[url(education=v) if v else None for v, _ in edu_labels],
            chart="bar",
        ),
        Table(
            key="pool",
            title="人员来源",
            columns=[Column("来源", "label"), *share],
            rows=share_rows(pools, pool_labels),
            drill=[url(pool=v) if v else None for v, _ in pool_labels],
            chart="bar",
        ),
        Table(
            key="concurrent",
            title="兼任",
            columns=[Column("在任岗位数", "label"), Column("人数")],
            rows=[
                ["1 个", held.get(1, 0)],
                ["2 个", held.get(2, 0)],
                ["3 个及以上", held.get(3, 0)],
            ],
            drill=[url(posts=1), url(posts=2), url(posts=3)],
            chart="bar",
            note=f"登记为兼任的任职 {concurrent} 个",
        ),
    ]


# -- the district overview's columns ----------------------------------------------------------


@overview_figure(title="网格数", order=10)
def overview_grids(filters):
    return _count_by_community(
        Grid.objects.in_force().filter(community_id__in=filters.community_ids)
    )


@overview_figure(title="空缺网格", order=20)
def overview_vacant(filters):
    out = defaultdict(int)
    led = _led_grids(filters.community_ids)
    grids = Grid.objects.in_force().filter(community_id__in=filters.community_ids)
    for community_id, code in grids.values_list("community_id", "code"):
        out[community_id] += (community_id, code) not in led
    return dict(out)


@overview_figure(title="在任楼栋长（人）", order=30)
def overview_leaders(filters):
    day = filters.until
    serving = Appointment.objects.filter(
        Q(end__isnull=True) | Q(end__gt=day),
        community_id__in=filters.community_ids,
        start__lte=day,
        is_legacy=False,
    )
    return dict(
        serving.values("community_id")
        .annotate(n=Count("person_id", distinct=True))
        .values_list("community_id", "n")
    )


def _count_by_community(qs) -> dict:
    return dict(qs.values("community_id").annotate(n=Count("id")).values_list("community_id", "n"))
