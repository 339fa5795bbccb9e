"""Sane windows for dates typed into forms and the API.

A date far in the past (0001-01-01) or the future (9999-12-31) is always a typing slip, and
it would start a subsidy or a term nobody meant. Every date field passes
:func:`check_window`: not before ``LOUDONG_DATE_FLOOR`` (the earliest records the deployment
keeps) and not more than ``LOUDONG_MAX_FUTURE_DAYS`` ahead; a field may narrow the window.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone


class DateOutOfRange(ValueError):
    """The message names the field and the window, in Chinese."""


def floor() -> dt.date:
    return dt.date.fromisoformat(settings.LOUDONG_DATE_FLOOR)


def ceiling(today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()) + dt.timedelta(days=settings.LOUDONG_MAX_FUTURE_DAYS)


def check_window(
    value: dt.date | None,
    label: str,
    *,
    not_before: dt.date | None = None,
    not_after: dt.date | None = None,
    earliest: dt.date | None = None,
    today: dt.date | None = None,
) -> dt.date | None:
    """``value`` itself when inside the window; else :class:`DateOutOfRange`.

    ``not_before``/``not_after`` narrow the window; ``earliest`` replaces the records' floor
    for dates that are not records (a birth date).
    """
    if value is None:
        return None
    base = earliest or floor()
    low = max(base, not_before) if not_before else base
    high = min(ceiling(today), not_after) if not_after else ceiling(today)
    if value < low:
        raise DateOutOfRange(f"{label}不能早于 {low:%Y-%m-%d}")
    if value > high:
        raise DateOutOfRange(f"{label}不能晚于 {high:%Y-%m-%d}")
    return value
