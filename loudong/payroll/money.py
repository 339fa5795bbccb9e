"""Subsidy arithmetic: pure Python, ``Decimal`` yuan to the fen, no Django (STYLE.md item 9).

Seed 000 附件1 §四.2: "甲方给予乙方每月总额 300 元工作补贴。其中 200 元按月发放，另 100 元根据对乙方
工作的评议情况年终一次性发放。" §三.1: "兼任的楼栋长按兼任楼栋网格数发放工作补贴（300×楼栋网格数）".
Seed 004 §四.14: "给予楼栋长、单元长一定通讯、误餐等工作补贴".

A :class:`Span` is one appointment as payroll sees it: paid from ``start`` (the agreement's
effective date, or the appointment's start where the profile has no agreement) to ``end``.
For a month, :func:`attribute` counts the days each span is paid for — every day in post when
the profile pays per grid (兼任 N grids → N lines), else each day only once per person (to the
post held longest). :func:`prorate` turns days into money by the profile's method and rounding;
each line is rounded on its own, so a line never changes after it is paid.

The year-end part accrues month by month (``year_end_accrued`` prorated like the monthly part)
and is paid once, in December, × the grade's factor (:func:`year_end_amount`).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
STEPS = {"fen": Decimal("0.01"), "jiao": Decimal("0.1"), "yuan": Decimal("1")}

MONTHLY = "monthly"
YEAR_END = "year_end"
ALLOWANCE = "allowance"  # components "allowance:<code>"
REWARD = "reward"


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_days(month: dt.date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=month_days(month))


def next_month(month: dt.date) -> dt.date:
    return (month_end(month) + dt.timedelta(days=1)).replace(day=1)


def months(first: dt.date, last: dt.date) -> list[dt.date]:
    """First days of the months from ``first``'s to ``last``'s, inclusive."""
    out, month = [], month_start(first)
    while month <= last:
        out.append(month)
        month = next_month(month)
    return out


def yuan(value: Decimal) -> str:
    """``Decimal("200")`` → ``"200.00"``."""
    return f"{Decimal(value).quantize(STEPS['fen'], rounding=ROUND_HALF_UP):f}"


def round_money(value: Decimal, rounding: str) -> Decimal:
    """Half up to the profile's step (分/角/元), always returned with two decimals."""
    return Decimal(value).quantize(STEPS[rounding], rounding=ROUND_HALF_UP).quantize(STEPS["fen"])


@dataclass(frozen=True)
class Rates:
    """The money rules of one profile version (built by ``payroll.compute.rates_for``)."""

    paid_monthly: Decimal
    year_end_accrued: Decimal
    per_concurrent_grid: bool
    grid_post_kind: str  # the post kind paid the per-grid subsidy
    allowances: dict[str, dict[str, Decimal]]  # post kind → {allowance code: yuan a month}
    method: str  # calendar_days | days_of_30 | whole_month
    rounding: str  # fen | jiao | yuan


@dataclass(frozen=True)
class Span:
    appointment: int
    person: int
    post_kind: str
    start: dt.date
    end: dt.date | None
    order: tuple = ()  # who a shared day goes to when not paid per grid: the smallest

    def first_last(self, month: dt.date) -> tuple[dt.date, dt.date] | None:
        first = max(self.start, month)
        last = month_end(month) if self.end is None else min(self.end, month_end(month))
        return (first, last) if first <= last else None

    def days(self, month: dt.date) -> int:
        window = self.first_last(month)
        return (window[1] - window[0]).days + 1 if window else 0


def attribute(spans: list[Span], month: dt.date, per_grid: bool) -> dict[int, int]:
    """Days paid in ``month`` per appointment.

    Per grid (池阳, 000 §三.1 "按兼任楼栋网格数发放"): every day in post, on every post held.
    Otherwise a person is paid once a day: a day held on several posts goes to the one with the
    smallest ``order`` (the earliest appointment).
    """
    if per_grid:
        return {s.appointment: d for s in spans if (d := s.days(month))}
    by_person: dict[int, list[Span]] = {}
    for span in spans:
        by_person.setdefault(span.person, []).append(span)
    out: dict[int, int] = {}
    for held in by_person.values():
        if len(held) == 1:
            if d := held[0].days(month):
                out[held[0].appointment] = d
            continue
        held = sorted(held, key=lambda s: (s.order, s.appointment))
        for offset in range(month_days(month)):
            day = month + dt.timedelta(days=offset)
            for span in held:
                if span.start <= day and (span.end is None or day <= span.end):
                    out[span.appointment] = out.get(span.appointment, 0) + 1
                    break
    return out


def prorate(rate: Decimal, days: int, month: dt.date, method: str, rounding: str) -> Decimal:
    """A month's ``rate`` for ``days`` in post (PRODUCT.md: calendar days, to the fen, *default*)."""
    total = month_days(month)
    if days <= 0 or rate == 0:
        return ZERO
    if days >= total or method == "whole_month":
        return round_money(rate, rounding)
    if method == "days_of_30":
        return round_money(rate * min(days, 30) / 30, rounding)
    return round_money(rate * days / total, rounding)


@dataclass(frozen=True)
class Due:
    """What one appointment is owed for one component of one month."""

    appointment: int
    component: str
    month: dt.date
    days: int | None
    month_days: int | None
    amount: Decimal
    basis: str

    @property
    def key(self) -> tuple[int, str, dt.date]:
        return (self.appointment, self.component, self.month)


def _basis(rate: Decimal, days: int, month: dt.date, window, method: str) -> str:
    total = month_days(month)
    if days >= total:
        return f"{month:%Y-%m} 全月在岗，{yuan(rate)} 元"
    how = {"calendar_days": f"{days}/{total} 天", "days_of_30": f"{min(days, 30)}/30 天"}.get(
        method, "当月在岗按全月"
    )
    where = f"{window[0]:%m-%d} 至 {window[1]:%m-%d}" if window else ""
    return f"{month:%Y-%m} 在岗 {days} 天（{where}），{yuan(rate)} 元 × {how}"


def monthly_dues(spans: list[Span], month: dt.date, rates: Rates) -> list[Due]:
    """The monthly part (per grid) and the allowances (per post kind) of ``month``."""
    paid = attribute(spans, month, rates.per_concurrent_grid)
    out = []
    for span in spans:
        days = paid.get(span.appointment, 0)
        if not days:
            continue
        window = span.first_last(month)
        if span.post_kind == rates.grid_post_kind and rates.paid_monthly > 0:
            amount = prorate(rates.paid_monthly, days, month, rates.method, rates.rounding)
            basis = _basis(rates.paid_monthly, days, month, window, rates.method)
            out.append(
                Due(span.appointment, MONTHLY, month, days, month_days(month), amount, basis)
            )
        for code, rate in sorted(rates.allowances.get(span.post_kind, {}).items()):
            amount = prorate(rate, days, month, rates.method, rates.rounding)
            basis = _basis(rate, days, month, window, rates.method)
            out.append(
                Due(
                    span.appointment,
                    f"{ALLOWANCE}:{code}",
                    month,
                    days,
                    month_days(month),
                    amount,
                    basis,
                )
            )
    return [d for d in out if d.amount]


def accrued(spans: list[Span], month: dt.date, rates: Rates) -> dict[int, tuple[int, Decimal]]:
    """The year-end part accrued in ``month`` per appointment: (days, yuan)."""
    if rates.year_end_accrued <= 0:
        return {}
    paid = attribute(
        [s for s in spans if s.post_kind == rates.grid_post_kind], month, rates.per_concurrent_grid
    )
    return {
        pk: (days, prorate(rates.year_end_accrued, days, month, rates.method, rates.rounding))
        for pk, days in paid.items()
    }


def year_end_amount(accruals: list[Decimal], factor: Decimal, rounding: str) -> Decimal:
    """Seed 000 附件1 §四.2 "另 100 元根据对乙方工作的评议情况年终一次性发放": Σ accrued × factor."""
    return round_money(sum(accruals, ZERO) * Decimal(factor), rounding)


def corrections(due: dict, paid: dict) -> dict:
    """Key → due − paid, for every key where they differ (a missing side counts as 0)."""
    out = {}
    for key in due.keys() | paid.keys():
        delta = due.get(key, ZERO) - paid.get(key, ZERO)
        if delta:
            out[key] = delta
    return out
