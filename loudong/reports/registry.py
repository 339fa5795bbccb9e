"""Dashboards: tables first, charts drawn from them, every table exportable.

A dashboard is a function of the filters (the communities in the user's scope, a period, a
grid) returning ``Table``s. The page draws each table as an ECharts chart *and* prints it
beside the chart, so what is plotted is what is read, and the .xlsx export is the same rows.
A row may carry a drill-down URL: the list behind the bar (a click on the bar opens it).

For an aggregates-only role (the 区民政局) every table is *suppressed* before it leaves the
server: counts from 1 to 4 become "<5" (and so do shares, durations and sums of money computed on fewer than 5), and no
row links anywhere (PRODUCT.md: "sees totals, not resident rows").
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace

SMALL = 5
HIDDEN = "<5"


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = "count"  # label | count | pct | money | days | text
    plotted: bool = True  # drawn as a series (labels and text never are)


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list]
    drill: list[str | None] = field(default_factory=list)
    chart: str = "bar"  # bar | stack | line | pie | none
    note: str = ""
    # The column whose value is the base of a row's shares (pct columns): by default the
    # first count column.
    base: int | None = None

    def lines(self) -> list[tuple[list, str | None]]:
        """Each row with its drill-down URL (None when it has none), for the page's table."""
        return [
            (row, self.drill[i] if i < len(self.drill) else None) for i, row in enumerate(self.rows)
        ]

    def headers(self) -> list[str]:
        return [c.title for c in self.columns]

    def base_index(self) -> int | None:
        if self.base is not None:
            return self.base
        return next((i for i, c in enumerate(self.columns) if c.kind == "count"), None)

    def suppressed(self) -> "Table":
        """Small cells hidden and drill-downs dropped: what an aggregates-only role sees."""
        base = self.base_index()
        rows = []
        for row in self.rows:
            small_base = base is not None and isinstance(row[base], int) and row[base] < SMALL
            out = []
            for col, value in zip(self.columns, row, strict=True):
                if col.kind == "count" and isinstance(value, int) and 0 < value < SMALL:
                    out.append(HIDDEN)
                elif (
                    col.kind in ("pct", "days", "money") and small_base and value not in (None, "")
                ):
                    out.append(HIDDEN)
                else:
                    out.append(value)
            rows.append(out)
        return replace(self, rows=rows, drill=[])

    def spec(self) -> dict:
        """What the page's script draws: categories, series, drill-down URLs."""
        label = next((i for i, c in enumerate(self.columns) if c.kind == "label"), 0)
        series = [
            {
                "name": c.title,
                "kind": c.kind,
                "data": [_plottable(r[i]) for r in self.rows],
            }
            for i, c in enumerate(self.columns)
            if c.plotted and c.kind not in ("label", "text")
        ]
        return {
            "key": self.key,
            "title": self.title,
            "chart": self.chart,
            "categories": [str(r[label]) for r in self.rows],
            "series": series,
            "drill": list(self.drill),
        }


def _plottable(value):
    if isinstance(value, bool) or value in (None, "", HIDDEN):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Filters:
    """What the dashboard is asked for; every region in it is in the user's scope."""

    community_ids: tuple[int, ...]
    since: dt.date
    until: dt.date
    community: object = None  # the one community chosen, or None for the whole scope
    grid: object = None  # the one grid chosen (a grids.Grid in force), or None
    today: dt.date = None
    aggregates_only: bool = False

    def months(self) -> list[dt.date]:
        """The last day of every month in the period (the period's end for the last one)."""
        out = []
        y, m = self.since.year, self.since.month
        while (y, m) <= (self.until.year, self.until.month):
            nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
            out.append(min(nxt - dt.timedelta(days=1), self.until))
            y, m = nxt.year, nxt.month
        return out


@dataclass(frozen=True)
class Dashboard:
    key: str
    title: str
    description: str
    build: Callable  # (Filters) -> list[Table]
    order: int = 50
    uses_period: bool = True
    uses_grid: bool = False
    # Shown to aggregates-only roles (the 区民政局) as well.
    district: bool = True


_dashboards: dict[str, Dashboard] = {}


def dashboard(
    *, key, title, description, order=50, uses_period=True, uses_grid=False, district=True
):
    def register(fn):
        _dashboards[key] = Dashboard(
            key=key,
            title=title,
            description=description,
            build=fn,
            order=order,
            uses_period=uses_period,
            uses_grid=uses_grid,
            district=district,
        )
        return fn

    return register


def all_dashboards() -> list[Dashboard]:
    return sorted(_dashboards.values(), key=lambda d: (d.order, d.key))


def get(key: str) -> Dashboard | None:
    return _dashboards.get(key)


def pct(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# -- the district overview: one row per subdistrict, a column per figure an app contributes --


@dataclass(frozen=True)
class Figure:
    title: str
    kind: str
    per_community: Callable  # (Filters) -> {community_id: number}
    order: int = 50


_figures: list[Figure] = []


def overview_figure(*, title, kind="count", order=50):
    """Register ``(filters) -> {community id: number}`` as a column of the district overview."""

    def register(fn):
        _figures.append(Figure(title=title, kind=kind, per_community=fn, order=order))
        return fn

    return register


def overview_figures() -> list[Figure]:
    return sorted(_figures, key=lambda f: f.order)
