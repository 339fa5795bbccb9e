"""Incident statistics for the dashboards: the same SQL aggregate serves the nightly roll-up
(``IncidentMonth``) and the live count of the current month.

Why a roll-up: with a million incidents a subdistrict's year is a third of a million rows, and
counting them by category and month, with the time each took to resolve, is a full scan on every
page view (measured in ``loudong.reports.bench``). Finished months hardly change, so they are
summed once a night (``loudong rollup_incidents``, scheduled in ``ops/schedule.py``); the
current month is small and counted live. A change to an old incident (a late close, a rating)
shows in the dashboards the next morning; the queue and the workbench are always live.
"""

import datetime as dt
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.utils import timezone

from loudong.fieldwork.models import (
    VISIT_BLOCK_MONTHS,
    VISIT_EPOCH_YEAR,
    Incident,
    IncidentMonth,
    IncidentRollup,
    VisitHousehold,
    VisitMonths,
    month_start,
    visit_month_index,
)

# Upper bounds (days) of the resolution-time buckets; a last bucket holds the longer ones.
BUCKETS = (1, 2, 3, 5, 7, 10, 15, 20, 30, 60)
KEY = ("community_id", "month", "top", "severity")


@dataclass
class Figures:
    registered: int = 0
    resolved: int = 0
    reopened: int = 0
    durations: list = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0

    def add(self, other: "Figures") -> None:
        self.registered += other.registered
        self.resolved += other.resolved
        self.reopened += other.reopened
        self.durations = [a + b for a, b in zip(self.durations, other.durations, strict=True)]
        self.satisfied += other.satisfied
        self.basic += other.basic
        self.unsatisfied += other.unsatisfied

    @property
    def rated(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied

    def median_days(self) -> str:
        """The bucket holding the median resolution time: "≤ 3" (days), "> 60", or ""."""
        total = sum(self.durations)
        if not total:
            return ""
        seen = 0
        for i, n in enumerate(self.durations):
            seen += n
            if seen * 2 >= total:
                return f"≤ {BUCKETS[i]}" if i < len(BUCKETS) else f"> {BUCKETS[-1]}"
        return ""


def _took():
    return ExpressionWrapper(F("resolved_at") - F("created"), output_field=DurationField())


def _bucket():
    """Which bucket the resolution time falls in (needs the ``took`` annotation)."""
    return Case(
        *[When(took__lte=dt.timedelta(days=b), then=Value(i)) for i, b in enumerate(BUCKETS)],
        default=Value(len(BUCKETS)),
        output_field=IntegerField(),
    )


def aggregate(incidents) -> dict[tuple, Figures]:
    """{(community id, month, top category id, severity): Figures} of ``incidents``.

    Two grouped queries (incidents, then ratings): no row leaves the database. Merged
    incidents are not counted (they live on in the one they were merged into).
    """
    incidents = incidents.exclude(status=Incident.Status.MERGED)
    top = Coalesce("category__parent_id", "category_id")
    rows = (
        incidents.annotate(month=TruncMonth("created"), top=top, took=_took())
        .annotate(bucket=_bucket())
        .values(*KEY)
        .annotate(
            registered=Count("pk"),
            resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
            reopened=Count("pk", filter=Q(reopen_count__gt=0)),
            **{
                f"b{i}": Count("pk", filter=Q(resolved_at__isnull=False, bucket=i))
                for i in range(len(BUCKETS) + 1)
            },
        )
        .order_by()
    )
    out = {}
    for row in rows:
        key = (row["community_id"], _day(row["month"]), row["top"], row["severity"])
        out[key] = Figures(
            registered=row["registered"],
            resolved=row["resolved"],
            reopened=row["reopened"],
            durations=[row[f"b{i}"] for i in range(len(BUCKETS) + 1)],
        )
    # From the incidents to their ratings (not the ratings filtered by a subquery of incidents):
    # the planner then walks the few incidents of a month to their ratings by index instead of
    # hashing every rating.
    ratings = (
        incidents.filter(ratings__isnull=False)
        .annotate(month=TruncMonth("created"), top=top, grade=F("ratings__grade"))
        .values(*KEY, "grade")
        .annotate(n=Count("ratings__pk"))
        .order_by()
    )
    for row in ratings:
        key = (row["community_id"], _day(row["month"]), row["top"], row["severity"])
        figures = out.setdefault(key, Figures())
        setattr(figures, row["grade"], getattr(figures, row["grade"]) + row["n"])
    return out


def _day(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def rollup(today: dt.date | None = None) -> dict:
    """Rebuild ``IncidentMonth`` from every incident registered before today (the current
    month through yesterday included); record how far it reaches. Only today's are then
    counted live by the dashboards."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    figures = aggregate(Incident.objects.filter(created__lt=_start_of(today)))
    with transaction.atomic():
        IncidentMonth.objects.all().delete()
        IncidentMonth.objects.bulk_create(
            [
                IncidentMonth(
                    community_id=c,
                    month=m,
                    category_id=top,
                    severity=sev,
                    registered=f.registered,
                    resolved=f.resolved,
                    reopened=f.reopened,
                    durations=f.durations,
                    satisfied=f.satisfied,
                    basic=f.basic,
                    unsatisfied=f.unsatisfied,
                )
                for (c, m, top, sev), f in figures.items()
            ],
            batch_size=2000,
        )
        through = month_start(today - dt.timedelta(days=1))
        seconds = round(time.perf_counter() - started, 2)
        IncidentRollup.objects.update_or_create(
            pk=1,
            defaults={
                "through": through,
                "live_from": today,
                "computed": timezone.now(),
                "seconds": seconds,
            },
        )
    return {
        "rows": len(figures),
        "through": through.isoformat(),
        "live_from": today.isoformat(),
        "seconds": seconds,
    }


def _live(mark, last: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
    """The part of the months up to ``last`` the roll-up does not hold: [start, end) of the
    incidents to count live, or None."""
    end = _start_of((last + dt.timedelta(days=32)).replace(day=1))
    start = _start_of(mark.live_from)
    return (start, end) if start < end else None


def monthly(community_ids, since: dt.date, until: dt.date, *, grid_code: str = "") -> dict:
    """{(community, month, top, severity): Figures} for the months of [since, until]: what the
    roll-up holds (everything before the day it last ran), the rest live; one grid's (few)
    incidents always live."""
    first, last = month_start(since), month_start(until)
    base = Incident.objects.filter(community_id__in=list(community_ids))
    end = _start_of((last + dt.timedelta(days=32)).replace(day=1))
    mark = IncidentRollup.objects.filter(pk=1).first()
    if grid_code or mark is None or mark.through < first:
        live = base.filter(created__gte=_start_of(first), created__lt=end)
        if grid_code:
            live = live.filter(grid_code=grid_code)
        return aggregate(live)
    out = {}
    # Tuples, not model instances: a subdistrict's year is ~15,000 rows.
    rows = IncidentMonth.objects.filter(
        community_id__in=list(community_ids), month__gte=first, month__lte=min(last, mark.through)
    ).values_list(
        "community_id",
        "month",
        "category_id",
        "severity",
        "registered",
        "resolved",
        "reopened",
        "durations",
        "satisfied",
        "basic",
        "unsatisfied",
    )
    for c, m, top, sev, registered, resolved, reopened, durations, sat, basic, unsat in rows:
        out[(c, m, top, sev)] = Figures(
            registered=registered,
            resolved=resolved,
            reopened=reopened,
            durations=durations,
            satisfied=sat,
            basic=basic,
            unsatisfied=unsat,
        )
    live = _live(mark, last)
    if live:
        for key, f in aggregate(base.filter(created__gte=live[0], created__lt=live[1])).items():
            out.setdefault(key, Figures()).add(f)  # the current month: roll-up + today
    return out


# What each position of a figures key is called in the roll-up table.
ROLLUP_COLUMNS = {0: "community_id", 1: "month", 2: "category_id", 3: "severity"}
COUNTERS = ("registered", "resolved", "reopened", "satisfied", "basic", "unsatisfied")


def _rollup_totals(rows, column, durations: bool) -> dict:
    """Roll-up rows summed by ``column`` in the database: a subdistrict's year is ~15,000 rows,
    their sums by community, month or category a few dozen. The resolution-time buckets (JSON,
    the costly part of the sum) only when ``durations``."""
    sums = {c: Sum(c) for c in COUNTERS}
    buckets = range(len(BUCKETS) + 1) if durations else ()
    for i in buckets:
        sums[f"b{i}"] = Sum(Cast(KT(f"durations__{i}"), IntegerField()))
    out = {}
    for row in rows.values(column).annotate(**sums).order_by():
        f = Figures(**{c: row[c] or 0 for c in COUNTERS})
        for i in buckets:
            f.durations[i] = row[f"b{i}"] or 0
        out[_day(row[column])] = f
    return out


def summary(
    community_ids, since: dt.date, until: dt.date, *, by, medians=(), grid_code: str = ""
) -> dict:
    """{position: {value: Figures}} — ``totals(monthly(...), key[position])`` for each position
    in ``by`` (0 community, 1 month, 2 top category, 3 severity), with the finished months summed
    in the database instead of read row by row. Resolution-time buckets (``median_days``) only
    for the positions in ``medians``; elsewhere they may be partial."""
    first, last = month_start(since), month_start(until)
    mark = IncidentRollup.objects.filter(pk=1).first()
    if grid_code or mark is None or mark.through < first:
        figures = monthly(community_ids, since, until, grid_code=grid_code)
        return {d: totals(figures, lambda k, d=d: k[d]) for d in by}
    rows = IncidentMonth.objects.filter(
        community_id__in=list(community_ids), month__gte=first, month__lte=min(last, mark.through)
    )
    out = {
        d: defaultdict(Figures, _rollup_totals(rows, ROLLUP_COLUMNS[d], d in medians)) for d in by
    }
    live = _live(mark, last)
    if live:
        figures = aggregate(
            Incident.objects.filter(
                community_id__in=list(community_ids), created__gte=live[0], created__lt=live[1]
            )
        )
        for key, f in figures.items():
            for d in by:
                out[d][key[d]].add(f)
    return out


def registered(community_ids, since: dt.date, until: dt.date) -> dict[int, int]:
    """{community id: incidents registered in the months of [since, until]} — what
    ``summary(..., by=(0,))`` gives as ``registered``, for the district overview: the finished
    months summed from the roll-up, the later ones one count by community (not the whole
    live aggregate with its ratings)."""
    first, last = month_start(since), month_start(until)
    mark = IncidentRollup.objects.filter(pk=1).first()
    if mark is None or mark.through < first:
        return {
            c: f.registered for c, f in summary(community_ids, since, until, by=(0,))[0].items()
        }
    out = Counter(
        dict(
            IncidentMonth.objects.filter(
                community_id__in=list(community_ids),
                month__gte=first,
                month__lte=min(last, mark.through),
            )
            .values("community_id")
            .annotate(n=Sum("registered"))
            .values_list("community_id", "n")
        )
    )
    live = _live(mark, last)
    if live:
        out.update(
            dict(
                Incident.objects.filter(
                    community_id__in=list(community_ids),
                    created__gte=live[0],
                    created__lt=live[1],
                )
                .exclude(status=Incident.Status.MERGED)
                .values("community_id")
                .annotate(n=Count("status"))
                .values_list("community_id", "n")
            )
        )
    return {c: n for c, n in out.items() if n}


def totals(figures: dict, by) -> dict:
    """Sum ``figures`` by ``by(key)``."""
    out = defaultdict(Figures)
    for key, f in figures.items():
        out[by(key)].add(f)
    return out


# -- visits: households visited per community, from the month masks ---------------------------
#
# Kept on change: ``record_visit`` (the one path that writes visits) sets the visit month's bit
# of each household in the same transaction (``note_visits``); ``rebuild_visit_months`` rebuilds
# the masks from ``VisitHousehold`` (after a bulk load, or for households whose visits changed).


def _block_bit(day: dt.date) -> tuple[int, int]:
    index = visit_month_index(day)
    return index // VISIT_BLOCK_MONTHS, 1 << (index % VISIT_BLOCK_MONTHS)


def note_visits(household_communities: dict[int, int], day: dt.date) -> None:
    """Mark ``day``'s month visited for each household ({household id: community id}).

    An insert that skips existing rows, then an atomic ``months = months | bit`` update: two
    leaders recording at once never lose each other's bit.
    """
    block, bit = _block_bit(day)
    VisitMonths.objects.bulk_create(
        [
            VisitMonths(household_id=h, community_id=c, block=block)
            for h, c in household_communities.items()
        ],
        ignore_conflicts=True,
    )
    by_community = defaultdict(list)
    for h, c in household_communities.items():
        by_community[c].append(h)
    for c, households in by_community.items():
        VisitMonths.objects.filter(household_id__in=households, community_id=c, block=block).update(
            months=F("months").bitor(bit)
        )


def _month_index_sql() -> str:
    if connection.vendor == "postgresql":
        year, month = "EXTRACT(YEAR FROM date)::int", "EXTRACT(MONTH FROM date)::int"
    else:
        year, month = (
            "CAST(strftime('%%Y', date) AS INTEGER)",
            "CAST(strftime('%%m', date) AS INTEGER)",
        )
    return f"(({year} - {VISIT_EPOCH_YEAR}) * 12 + {month} - 1)"


@transaction.atomic
def rebuild_visit_months(household_ids=None) -> int:
    """Recompute the masks from ``VisitHousehold``: every household's, or those given (after a
    visit was corrected or deleted). One INSERT … SELECT; returns the rows written.

    The masks are bits, so a mask is the sum of its distinct bits (SQLite has no ``bit_or``).
    """
    rows, where, params = VisitMonths.objects.all(), "", []
    if household_ids is not None:
        params = sorted(set(household_ids))
        if not params:
            return 0
        rows = rows.filter(household_id__in=params)
        # Lock the households' rows first: a visit recorded meanwhile waits, then sets its bit.
        list(rows.select_for_update().values_list("pk", flat=True))
        where = f"WHERE household_id IN ({', '.join(['%s'] * len(params))})"
    rows.delete()
    index = _month_index_sql()
    table = VisitMonths._meta.db_table
    source = VisitHousehold._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (household_id, community_id, block, months)"
            f" SELECT household_id, community_id, idx / {VISIT_BLOCK_MONTHS},"
            f" SUM(DISTINCT CAST(1 AS BIGINT) << (idx %% {VISIT_BLOCK_MONTHS}))"
            f" FROM (SELECT household_id, community_id, {index} AS idx FROM {source} {where}) s"
            f" GROUP BY household_id, community_id, idx / {VISIT_BLOCK_MONTHS}",
            params,
        )
        return cursor.rowcount


def _month_end(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def _masks(since: dt.date, until: dt.date) -> dict[int, int]:
    """{block: bits} of the months that lie wholly in [since, until]."""
    out = defaultdict(int)
    day = since.replace(day=1)
    while day <= until:
        if day >= since and _month_end(day) <= until:
            block, bit = _block_bit(day)
            out[block] |= bit
        day = _month_end(day) + dt.timedelta(days=1)
    return dict(out)


def households_visited(community_ids, since: dt.date, until: dt.date) -> dict[int, int]:
    """{community id: distinct households visited in [since, until]}, as
    ``COUNT(DISTINCT household)`` over ``VisitHousehold`` gives it.

    Whole months come from the masks. A month the period cuts counts as whole when no visit of
    these communities lies in its part outside the period (the usual case: a period ending
    today); otherwise the visits on its days inside the period are read live, and only the
    households the whole months did not already count are added.
    """
    ids = list(community_ids)
    visits = VisitHousehold.objects.filter(community_id__in=ids)
    first, last = since.replace(day=1), _month_end(until)
    lo, hi = since, until
    if since > first and not visits.filter(date__gte=first, date__lt=since).exists():
        lo = first
    if until < last and not visits.filter(date__gt=until, date__lte=last).exists():
        hi = last
    masks = _masks(lo, hi)
    edges = []
    if lo > first:  # the first month, cut
        edges.append((since, min(until, _month_end(since))))
    if hi < last and (not edges or until.replace(day=1) != since.replace(day=1)):
        edges.append((max(since, until.replace(day=1)), until))
    out = Counter()
    whole = None
    if masks:
        if len(masks) == 1:  # the usual case: no CASE to evaluate on 500k rows
            hit = F("months").bitand(next(iter(masks.values())))
        else:
            hit = Case(
                *[When(block=b, then=F("months").bitand(m)) for b, m in masks.items()],
                default=Value(0),
                output_field=BigIntegerField(),
            )
        whole = (
            VisitMonths.objects.filter(community_id__in=ids, block__in=list(masks))
            .annotate(hit=hit)
            .exclude(hit=0)
        )
        counted = Count("pk") if len(masks) == 1 else Count("household_id", distinct=True)
        out.update(
            dict(whole.values("community_id").annotate(n=counted).values_list("community_id", "n"))
        )
    if edges:
        days = Q()
        for a, b in edges:
            days |= Q(date__range=(a, b))
        edge = visits.filter(days)
        if whole is not None:  # only the households the whole months did not count
            seen = whole.filter(
                household_id=OuterRef("household_id"), community_id=OuterRef("community_id")
            )
            edge = edge.exclude(Exists(seen))
        extra = (
            edge.values("community_id")
            .annotate(n=Count("household_id", distinct=True))
            .values_list("community_id", "n")
        )
        out.update(dict(extra))
    return {c: n for c, n in out.items() if n}
