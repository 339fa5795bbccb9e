"""Time limits in working days (policy ``fieldwork.time_limits``) on the Chinese calendar.

A level that receives an incident on day D with a limit of N working days must finish by the
end of the N-th working day after D (D itself not counted; N = 0 is the same day) — 12345
practice ("emergencies same day, help requests 3 working days"). Working days come from
``policy.workdays`` (chinese-calendar plus the admin's 调休 rows; never raises for an unknown
year). ``Deadlines`` caches answers, so a sweep over 100k incidents asks the calendar a few
times, not 100k.
"""

import datetime as dt

from django.utils import timezone

from loudong.policy.workdays import add_working_days

END_OF_DAY = dt.time(23, 59, 59)


def end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, END_OF_DAY))


class Deadlines:
    def __init__(self):
        self._days: dict[tuple[dt.date, int], dt.date] = {}

    def day(self, start: dt.date, working_days: int) -> dt.date:
        key = (start, working_days)
        if key not in self._days:
            self._days[key] = add_working_days(start, working_days)[0] if working_days else start
        return self._days[key]

    def due(self, now: dt.datetime, working_days: int) -> dt.datetime:
        """The end of the ``working_days``-th working day after ``now``'s local day."""
        return end_of_day(self.day(timezone.localdate(now), working_days))

    def passed(self, since: dt.datetime, working_days: int, now: dt.datetime) -> bool:
        """Whether ``working_days`` working days after ``since`` have gone by at ``now``."""
        return now > self.due(since, working_days)


def due_after(now: dt.datetime, working_days: int) -> dt.datetime:
    return Deadlines().due(now, working_days)
