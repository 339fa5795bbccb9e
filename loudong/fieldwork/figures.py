"""A leader's work in figures, for the yearly evaluation's 工作内容 (the contract both use).

Seed 000 §三.6: "评议等次根据楼栋长的工作态度、工作内容、居民的满意度等方面进行综合评议";
the evaluation proposes 工作内容 from these figures and shows them beside the score.

``work_figures(appointment=..., start=..., end=...)`` counts, for one appointment (one post
held by one person) and the days of ``[start, end]`` it was in force:

- ``households``: occupied households the post serves (``Post.households()``);
- ``households_visited``: distinct ones the person visited (走访);
- ``visits``, ``service_records``: records the person made for this post;
- ``incidents_reported``: incidents the person reported or handled in the post's area;
- ``incidents_on_time``: of those held at the leader's level, solved or passed up in time;
- ``reports_due`` / ``reports_submitted``: months in post, and 服务记录表 submitted for them.

Implemented by the field-work capability (visits, service records, incidents, 服务记录表).
"""

import datetime as dt
from dataclasses import dataclass


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
    """Until the field-work records land, only the households are counted."""
    households = appointment.post.households().count()
    return WorkFigures(households, 0, 0, 0, 0, 0, 0, 0)
