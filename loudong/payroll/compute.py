"""What a period should contain, computed from the roster, agreements, grades and locked lines.

:func:`expected_lines` is the whole rule, used twice: to prepare a period, and again when the
街道 approves it (a period whose computed lines no longer match — a leader left, an agreement
was signed since — is unbalanced and refused). It returns, for the period's month:

- ``monthly`` and ``allowance`` lines from each appointment's days in post (``money.py``);
- in December, one ``year_end`` line per appointment that accrued in the year: Σ the monthly
  accruals × its closed evaluation's factor (seed 000 附件1 §四.2 "年终一次性发放");
- ``correction`` lines: for every earlier *locked* period, what is due now for that month under
  the locked period's own profile version, against what its locked lines (and earlier
  corrections) paid — the difference, naming the line it corrects. A new profile version never
  produces a correction: each month keeps the version it was paid under.

Only ``computed`` lines take part; manual adjustments and award rewards are outside the rule.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum

from loudong.documents.models import subsidy_starts
from loudong.payroll import money
from loudong.payroll.models import Line, Period
from loudong.policy.profile import profile_at
from loudong.roster.models import Appointment


def rates_for(profile) -> money.Rates:
    subsidy = profile.subsidy
    return money.Rates(
        paid_monthly=subsidy.paid_monthly,
        year_end_accrued=subsidy.year_end_accrued,
        per_concurrent_grid=subsidy.per_concurrent_grid,
        grid_post_kind=profile.posts.grid_post_kind,
        allowances={kind: subsidy.allowances_for(kind) for kind in subsidy.allowance_post_kinds},
        method=profile.proration.method,
        rounding=profile.proration.rounding,
    )


def paid_kinds(profile) -> set[str]:
    rates = rates_for(profile)
    kinds = {k for k, v in rates.allowances.items() if v}
    if rates.paid_monthly > 0 or rates.year_end_accrued > 0:
        kinds.add(rates.grid_post_kind)
    return kinds


@dataclass
class Roster:
    """The appointments of a community over a range of months, loaded once."""

    appointments: dict[int, Appointment]
    starts: dict[int, dt.date]  # signed agreements' effective dates

    @classmethod
    def load(cls, community, first: dt.date, last: dt.date) -> "Roster":
        rows = (
            Appointment.objects.filter(community=community, start__lte=last)
            .filter(Q(end__isnull=True) | Q(end__gte=first))
            .select_related("post", "person")
            .order_by("id")
        )
        appointments = {a.pk: a for a in rows}
        return cls(appointments, subsidy_starts(appointments))

    def spans(self, profile, kinds: set[str]) -> list[money.Span]:
        """Paid from the agreement's effective date (附件1 §六 "经双方签字……确认后生效"), or
        from the appointment's start when the profile has no agreement; unsigned: not yet."""
        has_agreement = profile.documents.has_agreement
        out = []
        for a in self.appointments.values():
            if a.post.kind not in kinds:
                continue
            if has_agreement:
                effective = self.starts.get(a.pk)
                if effective is None:
                    continue
                start = max(a.start, effective)
            else:
                start = a.start
            out.append(money.Span(a.pk, a.person_id, a.post.kind, start, a.end, (a.start, a.pk)))
        return out

    def why_nothing(self, appointment_id: int, month: dt.date, profile) -> str:
        """Why an appointment is owed nothing for a month it was paid for (for corrections)."""
        a = self.appointments.get(appointment_id)
        if a is None:
            return "现已不在该月任职记录中"
        if a.end is not None and a.end < month:
            return f"离任日期为 {a.end:%Y-%m-%d}"
        if profile.documents.has_agreement and appointment_id not in self.starts:
            return "协议书尚未生效"
        return "现按任职记录无应发"


@dataclass
class Expected:
    appointment: int
    kind: str
    component: str
    service_month: dt.date
    days: int | None
    month_days: int | None
    amount: Decimal
    basis: str
    corrects: int | None = None

    @property
    def key(self):
        return (self.kind, self.appointment, self.component, self.service_month)


@dataclass
class Plan:
    lines: list[Expected] = field(default_factory=list)
    missing_grades: list[Appointment] = field(default_factory=list)  # December without a grade
    warnings: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((e.amount for e in self.lines), money.ZERO)


def _year_end(roster, year: int, profile, spans_by_month, grades) -> tuple[list, list, dict]:
    """December's year-end lines of ``year`` (see :func:`money.year_end_amount`)."""
    accruals: dict[int, list[tuple[dt.date, int, Decimal]]] = defaultdict(list)
    for month, (spans, rates) in spans_by_month.items():
        for pk, (days, amount) in money.accrued(spans, month, rates).items():
            accruals[pk].append((month, days, amount))
    rounding = profile.proration.rounding
    out, missing, due = [], [], {}
    december = dt.date(year, 12, 1)
    for pk, rows in sorted(accruals.items()):
        accrued = sum((amount for _, _, amount in rows), money.ZERO)
        if not accrued:
            continue
        grade = grades.get(pk)
        if grade is None:
            missing.append(roster.appointments[pk])
            continue
        factor, label = grade
        amount = money.year_end_amount([a for _, _, a in rows], factor, rounding)
        days = sum(d for _, d, _ in rows)
        basis = (
            f"{year} 年累计 {len(rows)} 个月（{days} 天）{money.yuan(accrued)} 元 × "
            f"评议“{label}”系数 {factor}"
        )
        out.append(
            Expected(pk, Line.Kind.YEAR_END, money.YEAR_END, december, days, None, amount, basis)
        )
        due[(pk, money.YEAR_END, december)] = amount
    return out, missing, due


def _grades(community, year: int) -> dict[int, tuple[Decimal, str]]:
    from loudong.evaluation.models import Evaluation

    return {
        a: (f, label)
        for a, f, label in Evaluation.objects.filter(
            community=community, round__year=year, status="closed"
        ).values_list("appointment_id", "factor", "grade_label")
    }


def _profiles_by_month(community, months: list[dt.date], current: Period) -> dict:
    """Each month's profile: its own period's pinned version, else the current period's."""
    pinned = {
        p.month: (p.profile_name, p.profile_version)
        for p in Period.objects.filter(community=community, month__in=months)
    }
    pinned[current.month] = (current.profile_name, current.profile_version)
    cache = {}
    out = {}
    for month in months:
        ref = pinned.get(month, (current.profile_name, current.profile_version))
        if ref not in cache:
            cache[ref] = profile_at(*ref)
        out[month] = cache[ref]
    return out


def _dues_for_month(roster, month, profile, grades_for_year) -> tuple[dict, list, list]:
    """Due amounts of ``month`` by key, their Expected rows, and appointments missing a grade."""
    rates = rates_for(profile)
    spans = roster.spans(profile, paid_kinds(profile))
    rows = []
    for d in money.monthly_dues(spans, month, rates):
        kind = Line.Kind.MONTHLY if d.component == money.MONTHLY else Line.Kind.ALLOWANCE
        rows.append(
            Expected(
                d.appointment, kind, d.component, month, d.days, d.month_days, d.amount, d.basis
            )
        )
    missing = []
    if month.month == 12:
        year_months = money.months(dt.date(month.year, 1, 1), month)
        profiles = grades_for_year["profiles"]
        spans_by_month = {}
        for m in year_months:
            p = profiles.get(m, profile)
            spans_by_month[m] = (roster.spans(p, paid_kinds(p)), rates_for(p))
        year_rows, missing, _ = _year_end(
            roster, month.year, profile, spans_by_month, grades_for_year["grades"]
        )
        rows += year_rows
    due = {(e.appointment, e.component, e.service_month): e for e in rows}
    return due, rows, missing


def expected_lines(period: Period) -> Plan:
    """Every computed line the period should hold now (see the module docstring)."""
    community = period.community
    locked_months = list(
        Period.objects.filter(
            community=community, status=Period.Status.LOCKED, month__lt=period.month
        )
        .order_by("month")
        .values_list("month", flat=True)
    )
    earliest = locked_months[0] if locked_months else period.month
    # December needs the whole year for its year-end part.
    first = min(earliest, dt.date(period.month.year, 1, 1))
    if any(m.month == 12 for m in locked_months):
        first = min(first, dt.date(min(m.year for m in locked_months if m.month == 12), 1, 1))
    last = money.month_end(period.month)
    roster = Roster.load(community, first, last)
    all_months = money.months(first, period.month)
    profiles = _profiles_by_month(community, all_months, period)
    grades_cache: dict[int, dict] = {}

    def year_context(year):
        if year not in grades_cache:
            grades_cache[year] = {"grades": _grades(community, year), "profiles": profiles}
        return grades_cache[year]

    plan = Plan()
    _, rows, missing = _dues_for_month(
        roster, period.month, profiles[period.month], year_context(period.month.year)
    )
    plan.lines += rows
    plan.missing_grades = missing
    if locked_months:
        plan.lines += _corrections(roster, period, locked_months, profiles, year_context, plan)
    return plan


def _paid(community, months: list[dt.date], before: Period) -> tuple[dict, dict]:
    """Σ of computed lines in locked periods by (appointment, component, service month), and
    the latest such line per key (what a correction names)."""
    lines = Line.objects.filter(
        community=community,
        period__status=Period.Status.LOCKED,
        source=Line.Source.COMPUTED,
        service_month__in=months,
    ).exclude(period=before)
    paid = {
        (a, c, m): total
        for a, c, m, total in lines.values("appointment_id", "component", "service_month")
        .annotate(total=Sum("amount"))
        .values_list("appointment_id", "component", "service_month", "total")
    }
    last = {}
    for pk, a, c, m in lines.order_by("period__month", "id").values_list(
        "pk", "appointment_id", "component", "service_month"
    ):
        last[(a, c, m)] = pk
    return paid, last


def _corrections(roster, period, locked_months, profiles, year_context, plan) -> list[Expected]:
    paid, last = _paid(period.community, locked_months, period)
    out = []
    for month in locked_months:
        profile = profiles[month]
        due, _, missing = _dues_for_month(roster, month, profile, year_context(month.year))
        missing_ids = {a.pk for a in missing}
        keys = set(due) | {k for k in paid if k[2] == month}
        for key in sorted(keys, key=lambda k: (k[0], k[1])):
            appointment, component, _ = key
            if component == money.YEAR_END and appointment in missing_ids:
                plan.warnings.append(
                    f"{roster.appointments[appointment].person.name}：{month.year} 年度尚无评议结果，"
                    "年终补贴暂不更正"
                )
                continue
            expected = due.get(key)
            now = expected.amount if expected else money.ZERO
            before = paid.get(key, money.ZERO)
            delta = now - before
            if not delta:
                continue
            label = _component_label(component)
            how = "补发" if delta > 0 else "扣回"
            why = expected.basis if expected else roster.why_nothing(appointment, month, profile)
            basis = (
                f"更正 {month:%Y-%m} {label}：应发 {money.yuan(now)} 元，已发 {money.yuan(before)} 元，"
                f"{how} {money.yuan(abs(delta))} 元（{why}）"
            )[:300]
            out.append(
                Expected(
                    appointment,
                    Line.Kind.CORRECTION,
                    component,
                    month,
                    expected.days if expected else 0,
                    expected.month_days if expected else None,
                    delta,
                    basis,
                    corrects=last.get(key),
                )
            )
    return out


def _component_label(component: str) -> str:
    from loudong.payroll.models import component_label

    return component_label(component)


def current_lines(period: Period) -> dict:
    """The period's computed lines by key → amount (for the approval's balance check)."""
    return {
        (kind, a, c, m): amount
        for kind, a, c, m, amount in Line.objects.filter(
            period=period, source=Line.Source.COMPUTED
        ).values_list("kind", "appointment_id", "component", "service_month", "amount")
    }
