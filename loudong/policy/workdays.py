"""Chinese working days: the chinese-calendar library plus the admin's Holiday rows.

PRODUCT.md, Decisions: "Working days come from a maintained calendar library (chinese-calendar)
plus holidays and 调休 workdays an admin enters: the library only knows years up to its release
(2026 today), and the State Council publishes each next year in November or December. A date
past the known data falls back to weekends plus admin entries, shows a warning, and never
raises."

An admin row always wins over the library (a correction, or next year's notice). Used for the
5-working-day 公示 of seed 000 (PRODUCT.md: "5 working days (*default*), Chinese working-day
calendar") and the time limits of incident escalation.
"""

import datetime as dt

import chinese_calendar

ONE_DAY = dt.timedelta(days=1)


def fixed_holidays(year: int) -> dict[dt.date, str]:
    """The holidays fixed by date in 《全国年节及纪念日放假办法》, known before the State Council's
    yearly notice: 元旦 1 Jan, 劳动节 1 May (and 2 May since the 2025 revision), 国庆 1–3 Oct.
    The lunar festivals and the 调休 days move every year: the admin enters them."""
    days = {dt.date(year, 1, 1): "元旦", dt.date(year, 5, 1): "劳动节"}
    if year >= 2025:
        days[dt.date(year, 5, 2)] = "劳动节"
    for d in (1, 2, 3):
        days[dt.date(year, 10, d)] = "国庆节"
    return days


class _Calendar:
    """Looks each year's admin rows up once; ``add_working_days`` walks many days."""

    def __init__(self):
        self._years: dict[int, dict[dt.date, str]] = {}
        self.warnings: list[str] = []

    def _overrides(self, year: int) -> dict[dt.date, str]:
        if year not in self._years:
            from loudong.policy.models import Holiday

            self._years[year] = dict(
                Holiday.objects.filter(date__year=year).values_list("date", "kind")
            )
        return self._years[year]

    def _warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def is_working_day(self, day: dt.date) -> bool:
        overrides = self._overrides(day.year)
        if day in overrides:
            return overrides[day] == "workday"
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            # The library covers 2004 to its release year only.
            if overrides:
                self._warn(
                    f"{day.year} 年的法定节假日不在日历库中，已按管理员录入的 {len(overrides)} "
                    "条调整、固定日期假日和周末计算"
                )
            else:
                self._warn(
                    f"{day.year} 年的放假安排尚未录入，已按周末和元旦、劳动节、国庆节等固定日期假日计算"
                )
            if day in fixed_holidays(day.year):
                return False
            return day.weekday() < 5


def is_working_day(day: dt.date) -> tuple[bool, list[str]]:
    """(whether ``day`` is a working day, warnings). Never raises for an unknown year."""
    calendar = _Calendar()
    return calendar.is_working_day(day), calendar.warnings


def add_working_days(start: dt.date, n: int) -> tuple[dt.date, list[str]]:
    """The ``n``-th working day after ``start`` (``start`` itself is not counted), and warnings.

    ``n = 0`` returns ``start``; a negative ``n`` counts backwards. Cost: one query per
    calendar year touched.
    """
    calendar = _Calendar()
    step = ONE_DAY if n >= 0 else -ONE_DAY
    day, left = start, abs(n)
    while left:
        day += step
        if calendar.is_working_day(day):
            left -= 1
    return day, calendar.warnings


def known_years() -> tuple[int, int]:
    """The first and last year the installed chinese-calendar knows."""
    years = {d.year for d in chinese_calendar.holidays} | {
        d.year for d in chinese_calendar.workdays
    }
    return min(years), max(years)


def notice_end(start: dt.date, working_days: int) -> tuple[dt.date, list[str]]:
    """The last day of a 公示 of ``working_days`` starting on ``start``, and warnings.

    The start day counts as the first working day: "5 个工作日" beginning on a Monday ends on
    Friday; a start on a holiday ends on the 5th working day after it.
    """
    calendar = _Calendar()
    working = calendar.is_working_day(start)
    n = working_days - 1 if working and working_days else working_days
    end, more = add_working_days(start, n)
    return end, list(dict.fromkeys(calendar.warnings + more))
