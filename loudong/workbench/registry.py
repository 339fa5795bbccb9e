"""What waits for a user: the 待办 of the workbench, contributed by each app.

An app lists its to-dos in its own ``todos.py`` with the ``@todo`` decorator. A source answers
for one user and one day with the rows behind the count (a queryset, or a list where the rule
needs Python, e.g. "the selection step *this* user may complete"), and says how each row reads
and which page it opens. The workbench shows counts, overdue first; a tap opens the list behind
the count, or the row's own page when there is only one. Sources never change state: they are
read on GET.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import QuerySet


@dataclass(frozen=True)
class Row:
    """One thing to do, as the list behind a count shows it."""

    title: str
    url: str
    detail: str = ""
    due: dt.date | dt.datetime | None = None
    overdue: bool = False


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    section: str
    rows: Callable  # (user, today) -> QuerySet | list
    row: Callable  # (obj, today) -> Row
    order: int = 50
    # A row counts as overdue (shown first, in red) — evaluated on the rows, never stored.
    overdue: Callable | None = None
    hint: str = ""
    # Where the count opens when the app has its own working list for it (a queue with bulk
    # moves, filtered to these rows) instead of the workbench's plain list: (user) -> url.
    list_url: Callable | None = None


@dataclass
class Todo:
    source: Source
    count: int
    overdue: int = 0
    only: Row | None = None  # the single row, when there is one: the tap opens it directly
    list_url: str = ""

    @property
    def url(self) -> str:
        from django.urls import reverse

        if self.only is not None:
            return self.only.url
        return self.list_url or reverse("workbench:todo", args=[self.source.key])


SECTIONS = {
    "selection": ("选配与任职", 10),
    "documents": ("协议与文书", 20),
    "fieldwork": ("走访与事件", 30),
    "money": ("考核与补贴", 40),
    "community": ("三长机制", 50),
    "registry": ("辖区台账", 60),
    "accounts": ("账号与安全", 70),
}

_sources: dict[str, Source] = {}


def todo(
    *, key: str, label: str, section: str, row, order=50, overdue=None, hint="", list_url=None
):
    """Register the decorated ``(user, today) -> rows`` function as a to-do source."""
    if section not in SECTIONS:
        raise ValueError(f"unknown workbench section {section!r}")

    def register(fn):
        _sources[key] = Source(
            key=key,
            label=label,
            section=section,
            rows=fn,
            row=row,
            order=order,
            overdue=overdue,
            hint=hint,
            list_url=list_url,
        )
        return fn

    return register


def community_ids(user) -> list[int]:
    """The communities where the user works *as the community* (a 社区工作者's region).

    Day-to-day steps — nominations, 公示, objections, agreements, renewals — are the
    community's to-dos; a 街道管理员 who may also edit them sees the approvals that are the
    subdistrict's own, not every community's queue.
    """
    from loudong.accounts.roles import ROLE_CAPS, Cap

    return sorted(
        a.region_id
        for a in user.active_roles()
        if a.region_id and a.region.level == "community" and Cap.EDIT in ROLE_CAPS[a.role]
    )


def source(key: str) -> Source | None:
    return _sources.get(key)


def rows_of(src: Source, user, today) -> list:
    rows = src.rows(user, today)
    return list(rows) if not isinstance(rows, QuerySet) else rows


def count(src: Source, user, today) -> Todo:
    rows = src.rows(user, today)
    if isinstance(rows, QuerySet):
        n = rows.count()
        first = list(rows[:1]) if n == 1 else []
        late = rows.filter(src.overdue(today)).count() if src.overdue and n else 0
    else:
        rows = list(rows)
        n = len(rows)
        first = rows[:1] if n == 1 else []
        late = sum(1 for r in rows if src.row(r, today).overdue)
    only = src.row(first[0], today) if first else None
    return Todo(
        source=src,
        count=n,
        overdue=late,
        only=only,
        list_url=src.list_url(user) if src.list_url and n else "",
    )


@dataclass
class Section:
    name: str
    todos: list = field(default_factory=list)


def workbench(user, today) -> list[Section]:
    """The user's non-empty to-dos by section, overdue first within a section."""
    by_section: dict[str, Section] = {}
    for src in sorted(_sources.values(), key=lambda s: (SECTIONS[s.section][1], s.order)):
        item = count(src, user, today)
        if item.count:
            section = by_section.setdefault(src.section, Section(SECTIONS[src.section][0]))
            section.todos.append(item)
    for section in by_section.values():
        section.todos.sort(key=lambda t: (t.overdue == 0, t.source.order))
    return list(by_section.values())
