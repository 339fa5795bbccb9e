"""Filing lists (备案名单) and the Attachment 2 progress table, as rows for .xlsx and pages.

- 区民政局 (seed 000 §三.3): "调整和兼任多个楼栋长的人员名单街道应及时报区民政局备案".
- 社区党组织 (seed 004 §一.2): 楼栋长、单元长 "并报社区党组织备案".
- 附件2 优化整合社区楼栋长工作进度情况统计表: 序号, 社区, 楼栋数, 原配备楼栋长数, 优化整合后楼栋长数, 备注.

Personal columns are masked unless the caller passes ``reveal=True`` (the view decides, from
Cap.REVEAL over every community exported).
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from loudong.accounts.access import Disclosure
from loudong.lib.masking import age_band

ADJUSTED_HEADERS = [
    "序号",
    "社区",
    "姓名",
    "性别",
    "年龄",
    "身份证号",
    "联系电话",
    "岗位/网格",
    "兼任网格数",
    "变动类型",
    "变动日期",
    "原因",
]
LEADER_HEADERS = [
    "序号",
    "社区",
    "小区",
    "姓名",
    "性别",
    "年龄",
    "身份证号",
    "联系电话",
    "岗位",
    "称号",
    "任职日期",
    "任期至",
    "推选方式",
]
PROGRESS_HEADERS = ["序号", "社区", "楼栋数", "原配备楼栋长数", "优化整合后楼栋长数", "备注"]
# 调整: the community replaced the leader (incl. after an unsatisfactory evaluation).
ADJUSTED_REASONS = ("adjustment", "evaluation")


def _personal(protected, reveal: bool) -> str:
    return protected.reveal() if reveal else protected.masked


def _id_number(protected, reveal: bool) -> str:
    """Full for a caller who may reveal every row; else no digit at all (the age is banded)."""
    return protected.reveal() if reveal else Disclosure(full=False).id_number(protected)


def _age(person, day, reveal: bool):
    """The exact age beside a full ID; a ten-year band in a masked list (issue 9: an exact age
    beside a masked ID narrowed it to a few dozen numbers)."""
    return person.age_on(day) if reveal else age_band(person.birth_date, day)


def headers(base: list[str], *, reveal: bool) -> list[str]:
    return base if reveal else ["年龄段" if h == "年龄" else h for h in base]


def _post_label(post) -> str:
    return f"{post.title} / {post.grid_code}" if post.grid_code else post.title


def adjusted_and_concurrent_rows(appointments, *, reveal: bool, since=None, until=None):
    """One row per 兼任 appointment (dated its start) and per 调整 (dated the end)."""
    from loudong.roster.models import Appointment

    today = timezone.localdate()
    appointments = appointments.filter(post__kind="building_leader")
    # 兼任 are new appointments; 调整 includes the leaders replaced by the integration itself
    # (legacy appointments the campaign ended), as 000 §三.3 asks to file them.
    concurrent = appointments.filter(is_concurrent=True, is_legacy=False)
    adjusted = appointments.filter(end_reason__in=ADJUSTED_REASONS, end__isnull=False)
    if since:
        concurrent = concurrent.filter(start__gte=since)
        adjusted = adjusted.filter(end__gte=since)
    if until:
        concurrent = concurrent.filter(start__lte=until)
        adjusted = adjusted.filter(end__lte=until)
    grids_held = dict(
        Appointment.objects.filter(status="active", post__kind="building_leader", is_legacy=False)
        .values("person_id")
        .annotate(n=Count("id"))
        .values_list("person_id", "n")
    )
    related = ("person", "post", "community")
    entries = [
        (a, "兼任", a.start, a.concurrent_reason) for a in concurrent.select_related(*related)
    ] + [
        (
            a,
            "调整（优化整合）" if a.is_legacy else "调整",
            a.end,
            " ".join(filter(None, [a.get_end_reason_display(), a.end_note])),
        )
        for a in adjusted.select_related(*related)
    ]
    entries.sort(key=lambda e: (e[0].community.name, e[2], e[0].person.name, e[0].pk))
    for i, (a, kind, day, reason) in enumerate(entries, 1):
        person = a.person
        yield [
            i,
            a.community.name,
            person.name,
            person.get_sex_display(),
            _age(person, today, reveal),
            _id_number(person.id_number, reveal),
            _personal(person.phone, reveal),
            _post_label(a.post),
            grids_held.get(person.pk, 0),
            kind,
            day,
            reason,
        ]


def leader_rows(appointments, *, reveal: bool, day=None):
    """楼栋长 and 单元长 in post on ``day`` (today), for filing with the 社区党组织."""
    day = day or timezone.localdate()
    appointments = (
        appointments.filter(
            post__kind__in=("building_leader", "unit_leader"), status="active", start__lte=day
        )
        .filter(Q(end__isnull=True) | Q(end__gte=day))
        .select_related("person", "post", "community", "compound", "selection")
        .order_by("community__name", "post__kind", "post__title", "id")
    )
    for i, a in enumerate(appointments, 1):
        person = a.person
        channel = a.selection.get_channel_display() if a.selection_id else ""
        yield [
            i,
            a.community.name,
            a.compound.name if a.compound_id else "",
            person.name,
            person.get_sex_display(),
            _age(person, day, reveal),
            _id_number(person.id_number, reveal),
            _personal(person.phone, reveal),
            a.post.get_kind_display(),
            a.post.title,
            a.start,
            a.term_end,
            channel,
        ]


@dataclass
class ProgressRow:
    number: int | str
    community: str
    buildings: int
    before: int
    after: int
    note: str = ""

    def cells(self) -> list:
        return [self.number, self.community, self.buildings, self.before, self.after, self.note]


def _in_force(day: dt.date) -> Q:
    return Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gte=day))


def progress_by_day(communities, days) -> list[tuple[dt.date, int, int]]:
    """The 合计 row's 楼栋数 and 优化整合后楼栋长数 on each of ``days`` — what
    ``progress_rows(…, until=day)[-1]`` gives, for many days in two queries (the dashboard's
    month-end line: two years were 48 queries)."""
    from collections import Counter

    from loudong.roster.models import Appointment
    from loudong.territory.models import Building

    ids = [c.pk for c in communities]
    spans = Counter(
        Building.objects.filter(community_id__in=ids).values_list("listed_from", "listed_until")
    )
    held = list(
        Appointment.objects.filter(community_id__in=ids, post__kind="building_leader")
        .values_list("community_id", "person_id", "start", "end")
        .distinct()
    )
    out = []
    for day in days:
        buildings = sum(
            n
            for (start, end), n in spans.items()
            if (start is None or start <= day) and (end is None or end >= day)
        )
        people = {
            (community, person)
            for community, person, start, end in held
            if start <= day and (end is None or end >= day)
        }
        out.append((day, buildings, len(people)))
    return out


def progress_rows(communities, *, since: dt.date, until: dt.date) -> list[ProgressRow]:
    """Attachment 2 for ``communities`` over [since, until], with a 合计 row.

    楼栋数: buildings on the registry on ``until``. 原配备楼栋长数: people holding a 楼栋长
    appointment in force on ``since`` (the campaign's start: the leaders found by 调查摸底).
    优化整合后楼栋长数: people holding one in force on ``until``, the pre-campaign leaders kept on
    included (a person with several grids — 兼任 — counts once). All by dates, not the current
    status, so a past range gives the numbers of then.
    """
    from loudong.roster.models import Appointment
    from loudong.territory.models import Building

    communities = list(communities)
    ids = [c.pk for c in communities]
    buildings = dict(
        Building.objects.filter(community_id__in=ids)
        .filter(Q(listed_from__isnull=True) | Q(listed_from__lte=until))
        .filter(Q(listed_until__isnull=True) | Q(listed_until__gte=until))
        .values("community_id")
        .annotate(n=Count("id"))
        .values_list("community_id", "n")
    )
    leaders = Appointment.objects.filter(community_id__in=ids, post__kind="building_leader")

    def people(qs):
        return dict(
            qs.values("community_id")
            .annotate(n=Count("person_id", distinct=True))
            .values_list("community_id", "n")
        )

    before = people(leaders.filter(_in_force(since)))
    after_qs = leaders.filter(_in_force(until))
    after = people(after_qs)
    concurrent = people(after_qs.filter(is_concurrent=True))
    kept = people(after_qs.filter(is_legacy=True))
    rows = []
    for i, c in enumerate(communities, 1):
        notes = []
        if kept.get(c.pk):
            notes.append(f"留任原楼栋长 {kept[c.pk]} 人")
        if concurrent.get(c.pk):
            notes.append(f"其中兼任 {concurrent[c.pk]} 人")
        note = "，".join(notes)
        rows.append(
            ProgressRow(
                i, c.name, buildings.get(c.pk, 0), before.get(c.pk, 0), after.get(c.pk, 0), note
            )
        )
    rows.append(
        ProgressRow(
            "",
            "合计",
            sum(r.buildings for r in rows),
            sum(r.before for r in rows),
            sum(r.after for r in rows),
        )
    )
    return rows
