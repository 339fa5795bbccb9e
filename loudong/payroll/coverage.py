"""Who is covered by accident insurance on which days, and the gaps.

Seed 000 附件1 §四.3: "甲方为乙方购买意外伤害商业保险"; 004 §四.14 "投保意外伤害等保险" (all 三长,
网格长 included — the profile's ``insurance.covered_post_kinds``). Coverage follows the
appointments: a leader in a covered post on a day without cover is a *gap*. A named policy
covers its listed persons from their start; a blanket one whoever holds a covered post in its
community that day.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from loudong.payroll.models import InsurancePolicy, InsuredPerson
from loudong.policy.profile import profile_for
from loudong.roster.models import Appointment

Interval = tuple[dt.date, dt.date]


def merge(intervals: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1] + dt.timedelta(days=1):
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def subtract(span: Interval, covers: list[Interval]) -> list[Interval]:
    """The days of ``span`` outside every interval of ``covers``."""
    gaps, cursor = [], span[0]
    for start, end in merge(covers):
        if end < cursor or start > span[1]:
            continue
        if start > cursor:
            gaps.append((cursor, start - dt.timedelta(days=1)))
        cursor = max(cursor, end + dt.timedelta(days=1))
        if cursor > span[1]:
            break
    if cursor <= span[1]:
        gaps.append((cursor, span[1]))
    return gaps


def insured_persons(person_ids, day: dt.date) -> set[int]:
    """The roster hook (``roster.hooks.insured_persons``): persons covered on ``day``."""
    ids = set(person_ids)
    if not ids:
        return set()
    covered = set(
        InsuredPerson.objects.filter(
            person_id__in=ids, policy__start__lte=day, policy__end__gte=day, start__lte=day
        )
        .filter(Q(end__isnull=True) | Q(end__gte=day))
        .values_list("person_id", flat=True)
    )
    blanket = set(
        InsurancePolicy.objects.filter(named=False, start__lte=day, end__gte=day).values_list(
            "community_id", flat=True
        )
    )
    if blanket:
        rows = (
            Appointment.objects.filter(
                person_id__in=ids - covered, community_id__in=blanket, start__lte=day
            )
            .filter(Q(end__isnull=True) | Q(end__gte=day))
            .values_list("person_id", "post__kind", "community_id")
        )
        kinds = {}
        for person_id, kind, community_id in rows:
            if community_id not in kinds:
                kinds[community_id] = profile_for_id(community_id, day).insurance
            if kinds[community_id].covers(kind):
                covered.add(person_id)
    return covered


def profile_for_id(community_id: int, day: dt.date):
    from loudong.territory.models import Region

    return profile_for(Region.objects.get(pk=community_id), on=day)


@dataclass
class Gap:
    appointment: Appointment
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def gaps(community, first: dt.date, last: dt.date) -> list[Gap]:
    """Days in ``[first, last]`` a leader of a covered post in ``community`` had no cover."""
    profile = profile_for(community, on=last)
    insurance = profile.insurance
    if not insurance.accident:
        return []
    appointments = list(
        Appointment.objects.filter(
            community=community,
            post__kind__in=list(insurance.covered_post_kinds),
            start__lte=last,
        )
        .filter(Q(end__isnull=True) | Q(end__gte=first))
        .select_related("person", "post")
        .order_by("person__name", "id")
    )
    person_ids = {a.person_id for a in appointments}
    named: dict[int, list[Interval]] = {}
    for person_id, p_start, p_end, start, end in InsuredPerson.objects.filter(
        person_id__in=person_ids, policy__start__lte=last, policy__end__gte=first
    ).values_list("person_id", "policy__start", "policy__end", "start", "end"):
        low = max(p_start, start)
        high = p_end if end is None else min(p_end, end)
        if low <= high:
            named.setdefault(person_id, []).append((low, high))
    blanket = list(
        InsurancePolicy.objects.filter(
            community=community, named=False, start__lte=last, end__gte=first
        ).values_list("start", "end")
    )
    out = []
    for appointment in appointments:
        span = (
            max(first, appointment.start),
            last if appointment.end is None else min(last, appointment.end),
        )
        if span[0] > span[1]:
            continue
        for start, end in subtract(span, named.get(appointment.person_id, []) + blanket):
            out.append(Gap(appointment, start, end))
    return out


def expiring(community, today: dt.date) -> list[InsurancePolicy]:
    """Policies of the community ending within the profile's reminder days, with no policy
    starting the day after (a renewal) — seed 000 附件1 §四.3 cover must not lapse."""
    days = profile_for(community, on=today).insurance.renewal_reminder_days
    soon = InsurancePolicy.objects.filter(
        community=community, end__gte=today, end__lte=today + dt.timedelta(days=days)
    )
    out = []
    for policy in soon:
        renewed = InsurancePolicy.objects.filter(
            community=community,
            start__lte=policy.end + dt.timedelta(days=1),
            end__gt=policy.end,
        ).exclude(pk=policy.pk)
        if not renewed.exists():
            out.append(policy)
    return out
