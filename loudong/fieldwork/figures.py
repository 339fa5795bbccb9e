"""A leader's work in figures, for the yearly evaluation's 工作内容 (the contract both use).

Seed 000 §三.6: "评议等次根据楼栋长的工作态度、工作内容、居民的满意度等方面进行综合评议";
the evaluation proposes 工作内容 from these figures and shows them beside the score.

``work_figures(appointment=..., start=..., end=...)`` counts, for one appointment (one post
held by one person) and the days of ``[start, end]`` it was in force:

- ``households``: occupied households the post serves (``Post.households()``, today's division);
- ``households_visited``: distinct ones the person visited (走访) under this post;
- ``visits``, ``service_records``: records the person made for this post;
- ``incidents_reported``: incidents the person reported or handled in the post's area — every
  incident held at the leader's level (a leader's own report starts there) counts once;
- ``incidents_on_time``: of those held at the leader's level, solved or passed up in time;
- ``reports_due`` / ``reports_submitted``: months in post whose 服务记录表 was due by today
  (the profile's ``report_due_day`` of the next month), and 服务记录表 submitted for them.

``work_figures_for(appointments, start, end) -> {appointment id: WorkFigures}`` computes many
at once with a fixed number of queries (about ten, whatever the number of appointments): use
it for the ~6,000 posts of a yearly round. ``work_figures`` is the one-appointment form of it.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone


@dataclass(frozen=True)
class WorkFigures:
    households: int
    households_visited: int
    visits: int
    service_records: int
    incidents_reported: int
    incidents_on_time: int
    reports_due: int
    reports_submitted: int

    @property
    def coverage_pct(self) -> float:
        return round(100 * self.households_visited / self.households, 1) if self.households else 0.0


def work_figures(*, appointment, start: dt.date, end: dt.date) -> WorkFigures:
    return work_figures_for([appointment], start, end)[appointment.pk]


def _window(appointment, start, end):
    low = max(start, appointment.start)
    high = min(end, appointment.end) if appointment.end else end
    return (low, high) if low <= high else None


def _day_range(low: dt.date, high: dt.date):
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(low, dt.time.min, tzinfo=tz),
        dt.datetime.combine(high + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def household_counts(posts) -> dict[int, int]:
    """Occupied households per post, the way ``Post.households()`` counts them, in 4 queries."""
    from loudong.grids.models import GridPiece
    from loudong.territory.models import Household

    out = {p.pk: 0 for p in posts}
    by_unit = [p for p in posts if p.unit_id]
    by_building = [p for p in posts if p.building_id and not p.unit_id]
    by_grid = [p for p in posts if p.grid_code and not p.unit_id and not p.building_id]
    occupied = Household.objects.filter(occupied=True)
    if by_unit:
        counts = dict(
            occupied.filter(unit_id__in={p.unit_id for p in by_unit})
            .values("unit_id")
            .annotate(n=Count("pk"))
            .values_list("unit_id", "n")
        )
        for p in by_unit:
            out[p.pk] = counts.get(p.unit_id, 0)
    if by_building:
        counts = dict(
            occupied.filter(building_id__in={p.building_id for p in by_building})
            .values("building_id")
            .annotate(n=Count("pk"))
            .values_list("building_id", "n")
        )
        for p in by_building:
            out[p.pk] = counts.get(p.building_id, 0)
    if by_grid:
        pieces = defaultdict(lambda: defaultdict(list))  # (code, community) → unit → ranges
        for code, community, unit, low, high in GridPiece.objects.filter(
            grid__code__in={p.grid_code for p in by_grid}, grid__division__status="frozen"
        ).values_list("grid__code", "grid__community_id", "unit_id", "floor_from", "floor_to"):
            pieces[(code, community)][unit].append((low, high))
        units = {u for ranges in pieces.values() for u in ranges}
        floors = defaultdict(list)  # unit → [(floor, n)]
        unit_list = sorted(units)
        for i in range(0, len(unit_list), 2000):
            for unit, floor, n in (
                occupied.filter(unit_id__in=unit_list[i : i + 2000])
                .values("unit_id", "floor")
                .annotate(n=Count("pk"))
                .values_list("unit_id", "floor", "n")
            ):
                floors[unit].append((floor, n))
        for p in by_grid:
            total = 0
            for unit, ranges in pieces.get((p.grid_code, p.community_id), {}).items():
                for floor, n in floors.get(unit, ()):
                    if floor is None or any(low <= floor <= high for low, high in ranges):
                        total += n
            out[p.pk] = total
    return out


def work_figures_for(appointments, start: dt.date, end: dt.date) -> dict[int, WorkFigures]:
    from loudong.fieldwork.actions.reports import due_date, next_month
    from loudong.fieldwork.models import IncidentStage, MonthlyReport, ServiceRecord, VisitHousehold
    from loudong.policy.profile import profile_at

    appointments = list(appointments)
    if not appointments:
        return {}
    posts = {a.post_id: a.post for a in appointments}
    households = household_counts(list(posts.values()))
    windows = defaultdict(list)
    for a in appointments:
        w = _window(a, start, end)
        if w:
            windows[w].append(a)

    visited, visits, services, handled, on_time = ({} for _ in range(5))
    for (low, high), group in windows.items():
        # Rows of these posts and persons; the grouping keeps each (post, person) pair apart.
        pairs = Q(
            post_id__in={a.post_id for a in group}, person_id__in={a.person_id for a in group}
        )
        for post, person, n_households, n_visits in (
            VisitHousehold.objects.filter(pairs, date__range=(low, high))
            .values("post_id", "person_id")
            .annotate(h=Count("household_id", distinct=True), v=Count("visit_id", distinct=True))
            .values_list("post_id", "person_id", "h", "v")
        ):
            visited[(post, person, low, high)] = n_households
            visits[(post, person, low, high)] = n_visits
        for post, person, n in (
            ServiceRecord.objects.filter(pairs, date__range=(low, high))
            .values("post_id", "person_id")
            .annotate(n=Count("pk"))
            .values_list("post_id", "person_id", "n")
        ):
            services[(post, person, low, high)] = n
        since, until = _day_range(low, high)
        for post, person, n, n_on_time in (
            IncidentStage.objects.filter(pairs, start__gte=since, start__lt=until)
            .values("post_id", "person_id")
            .annotate(
                n=Count("incident_id", distinct=True),
                t=Count("incident_id", distinct=True, filter=Q(on_time=True)),
            )
            .values_list("post_id", "person_id", "n", "t")
        ):
            handled[(post, person, low, high)] = n
            on_time[(post, person, low, high)] = n_on_time

    months = {
        (person, month)
        for person, month in MonthlyReport.objects.filter(
            person_id__in={a.person_id for a in appointments},
            month__gte=start.replace(day=1),
            month__lte=end,
        ).values_list("person_id", "month")
    }
    today = timezone.localdate()
    profiles = {}
    out = {}
    for a in appointments:
        w = _window(a, start, end)
        key = (a.post_id, a.person_id, *w) if w else None
        due = submitted = 0
        if w:
            pin = (a.profile_name, a.profile_version)
            if pin not in profiles:
                profiles[pin] = profile_at(*pin)
            month = w[0].replace(day=1)
            while month <= w[1]:
                if due_date(month, profiles[pin]) <= today:
                    due += 1
                    submitted += (a.person_id, month) in months
                month = next_month(month)
        out[a.pk] = WorkFigures(
            households=households.get(a.post_id, 0),
            households_visited=visited.get(key, 0),
            visits=visits.get(key, 0),
            service_records=services.get(key, 0),
            incidents_reported=handled.get(key, 0),
            incidents_on_time=on_time.get(key, 0),
            reports_due=due,
            reports_submitted=submitted,
        )
    return out
